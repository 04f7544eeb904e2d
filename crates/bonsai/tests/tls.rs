//! `bonsai serve` terminating TLS with a throwaway CA, fetched by the outbound client (which
//! trusts that CA through `extra_ca_file` and reaches loopback through the allow-list).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{bonsai, free_port, temp_dir, wait_for_port, write_pki, Server};

use bonsai_federation::client::{
    user_agent, ClientConfig, ClientError, HttpClient, IpCidr, Request,
};

#[tokio::test]
async fn serve_speaks_https_with_the_configured_certificate() {
    let dir = temp_dir("serve");
    write_pki(&dir, &["a.test", "127.0.0.1"]);
    let port = free_port();
    let mut server = Server(
        bonsai(&dir)
            .arg("serve")
            .env("BONSAI_LISTEN", format!("127.0.0.1:{port}"))
            .env("BONSAI_DOMAIN", format!("a.test:{port}"))
            .env("BONSAI_TLS_CERT", dir.join("cert.pem"))
            .env("BONSAI_TLS_KEY", dir.join("key.pem"))
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(&mut server, port).await;

    let mut config = ClientConfig::new(user_agent("https://test.invalid"));
    config.allow_addresses = IpCidr::parse_list("127.0.0.0/8").unwrap();
    config
        .hosts
        .insert("a.test", "127.0.0.1".parse::<std::net::IpAddr>().unwrap());
    config.extra_ca_file = Some(dir.join("ca.pem"));
    let client = HttpClient::new(config.clone()).unwrap();
    let url = format!("https://a.test:{port}/api/v1/instance");
    let resp = client
        .send(Request::get(&url))
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let instance = String::from_utf8_lossy(&resp.body);
    assert!(
        instance.contains(&format!("\"a.test:{port}\"")),
        "{instance}"
    );
    // By address too (the certificate names 127.0.0.1).
    let resp = client
        .send(Request::get(format!(
            "https://127.0.0.1:{port}/api/v1/instance"
        )))
        .await
        .unwrap();
    assert_eq!(resp.status, 200);

    // Without the test CA the certificate is refused; without the allow-list, the address.
    let mut untrusted = config.clone();
    untrusted.extra_ca_file = None;
    let err = HttpClient::new(untrusted)
        .unwrap()
        .send(Request::get(&url))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Tls(_)), "{err:?}");
    let mut guarded = config.clone();
    guarded.allow_addresses.clear();
    let err = HttpClient::new(guarded)
        .unwrap()
        .send(Request::get(&url))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Refused(_)), "{err:?}");

    // Plain HTTP on the TLS port gets no HTTP answer.
    let mut plain = config.clone();
    plain.allow_http = true;
    let err = HttpClient::new(plain)
        .unwrap()
        .send(Request::get(format!(
            "http://a.test:{port}/api/v1/instance"
        )))
        .await;
    assert!(err.is_err(), "{err:?}");
    // The server survives that, and a client that connects and says nothing.
    let _silent = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let resp = client.send(Request::get(&url)).await.unwrap();
    assert_eq!(resp.status, 200);

    // SIGTERM: a graceful stop, exit status 0.
    let pid = server.0.id().to_string();
    drop(_silent);
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tls_settings_are_checked_and_named() {
    let dir = temp_dir("check");
    write_pki(&dir, &["a.test"]);
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let check = |envs: &[(&str, &Path)]| {
        let mut c = bonsai(&dir);
        c.args(["config", "check"]);
        for (k, v) in envs {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (ok, err) = check(&[("BONSAI_TLS_CERT", &cert)]);
    assert!(!ok && err.contains("BONSAI_TLS_KEY"), "{err}");
    let (ok, err) = check(&[
        ("BONSAI_TLS_CERT", &dir.join("nope.pem")),
        ("BONSAI_TLS_KEY", &key),
    ]);
    assert!(!ok && err.contains("BONSAI_TLS_CERT"), "{err}");
    let (ok, err) = check(&[("BONSAI_EXTRA_CA_FILE", &dir.join("nope.pem"))]);
    assert!(!ok && err.contains("BONSAI_EXTRA_CA_FILE"), "{err}");
    let (ok, err) = check(&[
        ("BONSAI_TLS_CERT", &cert),
        ("BONSAI_TLS_KEY", &key),
        ("BONSAI_EXTRA_CA_FILE", &dir.join("ca.pem")),
        (
            "BONSAI_FEDERATION_ALLOW_ADDRESSES",
            Path::new("127.0.0.0/8, ::1"),
        ),
    ]);
    assert!(ok, "{err}");
    let (ok, err) = check(&[("BONSAI_FEDERATION_ALLOW_ADDRESSES", Path::new("localhost"))]);
    assert!(
        !ok && err.contains("BONSAI_FEDERATION_ALLOW_ADDRESSES"),
        "{err}"
    );

    // A key that is not a key stops `serve` before it listens, naming the setting.
    let out = bonsai(&dir)
        .arg("serve")
        .env("BONSAI_LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("BONSAI_TLS_CERT", &cert)
        .env("BONSAI_TLS_KEY", &cert)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("BONSAI_TLS_KEY"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
