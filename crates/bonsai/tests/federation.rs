//! Two real `bonsai serve` processes federating over https with a throwaway CA, under the
//! names a.test and b.test (mapped to loopback by `federation_hosts`): the binary's own
//! wiring — TLS, the outbound client from config, the job workers — end to end.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use bonsai_federation::client::{user_agent, ClientConfig, HttpClient, IpCidr, Request};
use common::{bonsai, free_port, temp_dir, wait_for_port, write_pki, Server};

struct Instance {
    base: String,
    _server: Server,
}

fn start(dir: &Path, name: &str, port: u16, user: &str) -> Server {
    let data = dir.join(name);
    let env = |c: &mut std::process::Command| {
        c.env("BONSAI_DATA_DIR", &data)
            .env("BONSAI_DOMAIN", format!("{name}:{port}"))
            .env("BONSAI_LISTEN", format!("127.0.0.1:{port}"))
            .env("BONSAI_TLS_CERT", dir.join("cert.pem"))
            .env("BONSAI_TLS_KEY", dir.join("key.pem"))
            .env("BONSAI_EXTRA_CA_FILE", dir.join("ca.pem"))
            .env("BONSAI_FEDERATION_ALLOW_ADDRESSES", "127.0.0.0/8")
            .env(
                "BONSAI_FEDERATION_HOSTS",
                "a.test=127.0.0.1,b.test=127.0.0.1",
            );
    };
    let mut create = bonsai(dir);
    env(&mut create);
    let out = create
        .args(["admin", "account", "create", "--username", user, "--email"])
        .arg(format!("{user}@example.org"))
        .args(["--password", "long enough pw"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut serve = bonsai(dir);
    env(&mut serve);
    Server(serve.arg("serve").stdout(Stdio::null()).spawn().unwrap())
}

async fn json(client: &HttpClient, req: Request<'_>) -> Value {
    let res = client.send(req).await.unwrap();
    assert!(
        res.status.is_success(),
        "{} {}",
        res.status,
        String::from_utf8_lossy(&res.body)
    );
    serde_json::from_slice(&res.body).unwrap()
}

async fn token(client: &HttpClient, base: &str, user: &str) -> String {
    let app = json(
        client,
        Request::post(
            format!("{base}/api/v1/apps"),
            "client_name=t&redirect_uris=urn:ietf:wg:oauth:2.0:oob&scopes=read+write+follow",
        )
        .header("content-type", "application/x-www-form-urlencoded"),
    )
    .await;
    let body = format!(
        "grant_type=password&client_id={}&client_secret={}&username={user}%40example.org&password=long+enough+pw&scope=read+write+follow",
        app["client_id"].as_str().unwrap(),
        app["client_secret"].as_str().unwrap()
    );
    let t = json(
        client,
        Request::post(format!("{base}/oauth/token"), body)
            .header("content-type", "application/x-www-form-urlencoded"),
    )
    .await;
    t["access_token"].as_str().unwrap().to_string()
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn two_servers_over_https_follow_and_deliver() {
    let dir = temp_dir("federation");
    write_pki(&dir, &["a.test", "b.test"]);
    let (pa, pb) = (free_port(), free_port());
    let mut a = Instance {
        base: format!("https://a.test:{pa}"),
        _server: start(&dir, "a.test", pa, "alice"),
    };
    let mut b = Instance {
        base: format!("https://b.test:{pb}"),
        _server: start(&dir, "b.test", pb, "bob"),
    };
    wait_for_port(&mut a._server, pa).await;
    wait_for_port(&mut b._server, pb).await;

    let mut config = ClientConfig::new(user_agent("https://test.invalid"));
    config.allow_addresses = IpCidr::parse_list("127.0.0.0/8").unwrap();
    config
        .hosts
        .insert("a.test", "127.0.0.1".parse::<std::net::IpAddr>().unwrap());
    config
        .hosts
        .insert("b.test", "127.0.0.1".parse::<std::net::IpAddr>().unwrap());
    config.extra_ca_file = Some(dir.join("ca.pem"));
    let client = HttpClient::new(config).unwrap();
    let alice = token(&client, &a.base, "alice").await;
    let bob = token(&client, &b.base, "bob").await;
    let auth = |t: &str| format!("Bearer {t}");

    let found = json(
        &client,
        Request::get(format!(
            "{}/api/v2/search?q=%40bob%40b.test%3A{pb}&resolve=true&type=accounts",
            a.base
        ))
        .header("authorization", &auth(&alice)),
    )
    .await;
    assert_eq!(found["accounts"][0]["acct"], format!("bob@b.test:{pb}"));
    let remote_bob = found["accounts"][0]["id"].as_str().unwrap().to_string();
    json(
        &client,
        Request::post(
            format!("{}/api/v1/accounts/{remote_bob}/follow", a.base),
            "",
        )
        .header("authorization", &auth(&alice)),
    )
    .await;
    eventually("b.test to accept the follow", async || {
        let r = json(
            &client,
            Request::get(format!(
                "{}/api/v1/accounts/relationships?id[]={remote_bob}",
                a.base
            ))
            .header("authorization", &auth(&alice)),
        )
        .await;
        r[0]["following"] == true
    })
    .await;

    json(
        &client,
        Request::post(
            format!("{}/api/v1/statuses", b.base),
            "status=over+https&visibility=private",
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", &auth(&bob)),
    )
    .await;
    eventually("bob's followers-only post in alice's home", async || {
        let home = json(
            &client,
            Request::get(format!("{}/api/v1/timelines/home", a.base))
                .header("authorization", &auth(&alice)),
        )
        .await;
        home[0]["content"]
            .as_str()
            .is_some_and(|c| c.contains("over https"))
    })
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}
