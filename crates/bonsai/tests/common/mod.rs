//! Helpers shared by the black-box tests that start the real binary.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bonsai-tls-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes `ca.pem`, `cert.pem` and `key.pem` (a leaf for `names`, signed by the CA) to `dir`.
pub fn write_pki(dir: &Path, names: &[&str]) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Bonsai test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let leaf = CertificateParams::new(names)
        .unwrap()
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("cert.pem"), leaf.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), leaf_key.serialize_pem()).unwrap();
}

pub fn bonsai(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bonsai"));
    c.current_dir(dir)
        .env_remove("BONSAI_DATABASE_URL")
        .env_remove("BONSAI_FEDERATION_ALLOW_ADDRESSES")
        .env_remove("BONSAI_EXTRA_CA_FILE")
        .env("BONSAI_DATA_DIR", dir.join("data"))
        .env("BONSAI_PROTOCOL", "https")
        .env("RUST_LOG", "warn");
    c
}

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Kills the server if the test fails half-way.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub async fn wait_for_port(server: &mut Server, port: u16) {
    let started = Instant::now();
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        if let Some(status) = server.0.try_wait().unwrap() {
            panic!("bonsai exited early: {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "bonsai did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
