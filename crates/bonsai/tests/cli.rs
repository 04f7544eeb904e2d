//! The command-line contract other tools script against, run as a real process.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn bonsai(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bonsai"));
    c.current_dir(dir)
        .env_remove("BONSAI_DATABASE_URL")
        .env("BONSAI_DATA_DIR", dir.join("data"))
        .env("BONSAI_PROTOCOL", "http")
        .env("RUST_LOG", "warn");
    c
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("bonsai-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn config_check_names_the_bad_key() {
    let dir = temp_dir("config");
    let out = bonsai(&dir)
        .args(["config", "check"])
        .env("BONSAI_REGISTRATIONS", "sometimes")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("BONSAI_REGISTRATIONS"), "{err}");

    std::fs::write(dir.join("bonsai.toml"), "domian = \"typo.example\"\n").unwrap();
    let out = bonsai(&dir).args(["config", "check"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("domian"));

    std::fs::write(dir.join("bonsai.toml"), "domain = \"ok.example\"\n").unwrap();
    let out = bonsai(&dir).args(["config", "check"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok.example"));

    let out = bonsai(&dir).args(["config", "example"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("registrations = \"closed\""));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn admin_accounts_and_first_start() {
    let dir = temp_dir("admin");
    let out = bonsai(&dir).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = bonsai(&dir)
        .args([
            "admin",
            "account",
            "create",
            "--username",
            "mod1",
            "--email",
            "mod1@example.org",
            "--password",
            "long enough pw",
            "--role",
            "moderator",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(id.parse::<i64>().is_ok(), "prints the id: {id}");
    // The same name again is refused with the reason.
    let out = bonsai(&dir)
        .args([
            "admin",
            "account",
            "create",
            "--username",
            "MOD1",
            "--email",
            "x@example.org",
            "--password",
            "long enough pw",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already taken"));
    let out = bonsai(&dir)
        .args(["admin", "account", "list"])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        list.contains("mod1") && list.contains("moderator") && list.contains(&id),
        "{list}"
    );

    // With users present, serve creates no admin; a fresh data dir gets one, printed once.
    let fresh = temp_dir("fresh");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = bonsai(&fresh)
        .arg("serve")
        .env("BONSAI_LISTEN", format!("127.0.0.1:{port}"))
        .env("BONSAI_DOMAIN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    while let Some(Ok(line)) = lines.next() {
        printed.push(line.clone());
        if line.contains("password:") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = printed.join("\n");
    assert!(text.contains("username: admin"), "{text}");
    assert!(text
        .lines()
        .any(|l| l.trim_start().starts_with("password:") && l.len() > 30));
    std::thread::sleep(Duration::from_millis(50));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&fresh);
}
