//! `bonsai admin account alias` / `move`, run as a real process (between two local accounts,
//! so no network is needed; moves between servers are covered by the testkit suite).
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn bonsai(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bonsai"))
        .current_dir(dir)
        .env_remove("BONSAI_DATABASE_URL")
        .env("BONSAI_DATA_DIR", dir.join("data"))
        .env("BONSAI_PROTOCOL", "http")
        .env("RUST_LOG", "warn")
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn aliases_and_moves_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("bonsai-cli-moves-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["alice", "alice2"] {
        let email = format!("{name}@example.org");
        ok(&bonsai(
            &dir,
            &[
                "admin",
                "account",
                "create",
                "--username",
                name,
                "--email",
                &email,
                "--password",
                "long enough pw",
            ],
        ));
    }

    // Without the alias the move is refused, saying why.
    let out = bonsai(
        &dir,
        &[
            "admin",
            "account",
            "move",
            "--username",
            "alice",
            "--to",
            "alice2",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("alias"), "{err}");

    let out = ok(&bonsai(
        &dir,
        &[
            "admin",
            "account",
            "alias",
            "--username",
            "alice2",
            "--add",
            "alice",
        ],
    ));
    assert!(out.contains("/users/alice\n"), "{out}");
    let out = ok(&bonsai(
        &dir,
        &[
            "admin",
            "account",
            "move",
            "--username",
            "alice",
            "--to",
            "alice2",
        ],
    ));
    assert!(
        out.contains("moved to") && out.contains("/users/alice2"),
        "{out}"
    );

    let out = ok(&bonsai(
        &dir,
        &[
            "admin",
            "account",
            "alias",
            "--username",
            "alice2",
            "--remove",
            "alice",
        ],
    ));
    assert!(!out.contains("/users/alice\n"), "{out}");
    // One of --add / --remove is required; an unknown account is named.
    assert!(
        !bonsai(&dir, &["admin", "account", "alias", "--username", "alice2"])
            .status
            .success()
    );
    let out = bonsai(
        &dir,
        &[
            "admin",
            "account",
            "move",
            "--username",
            "nobody",
            "--to",
            "alice2",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("@nobody"));
    let _ = std::fs::remove_dir_all(&dir);
}
