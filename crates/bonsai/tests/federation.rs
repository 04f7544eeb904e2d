//! Three real `bonsai serve` processes federating over https with a throwaway CA, under the
//! names a.test, b.test and c.test — each listening on its own loopback port, reached through
//! `federation_hosts` (`c.test=127.0.0.1:PORT`), so domains carry no port and `@user@host`
//! mentions work. The binary's own wiring end to end: TLS, the outbound client from config,
//! the job workers. One conversation: follows (unlocked, and locked with approval), a post in
//! each visibility reaching exactly its audience, a reply, a like and a boost, an edit, a
//! delete, a block, an account move between servers — and deliveries that survive a
//! `kill -9` of the sender and an outage of the receiver.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use bonsai_federation::client::{
    user_agent, ClientConfig, HostTarget, HttpClient, IpCidr, Request,
};
use common::{bonsai, free_port, temp_dir, wait_for_port, write_pki, Server};

const NAMES: [&str; 3] = ["a.test", "b.test", "c.test"];

struct Net {
    dir: PathBuf,
    ports: [u16; 3],
    /// One database per server: SQLite files, or PostgreSQL schemas when
    /// `BONSAI_TEST_DATABASE_URL` is set (as in the suite's PostgreSQL pass).
    dbs: Vec<bonsai_testkit::TestDb>,
}

impl Net {
    async fn new(dir: PathBuf) -> Self {
        let mut dbs = Vec::new();
        for _ in NAMES {
            dbs.push(bonsai_testkit::test_db().await);
        }
        Self {
            dir,
            ports: [free_port(), free_port(), free_port()],
            dbs,
        }
    }
}

impl Net {
    fn hosts(&self) -> String {
        NAMES
            .iter()
            .zip(self.ports)
            .map(|(n, p)| format!("{n}=127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn index(name: &str) -> usize {
        NAMES.iter().position(|n| *n == name).unwrap()
    }

    fn port(&self, name: &str) -> u16 {
        self.ports[Self::index(name)]
    }

    fn command(&self, name: &str) -> Command {
        let mut c = bonsai(&self.dir);
        c.env("BONSAI_DATA_DIR", self.dir.join(name))
            .env("BONSAI_DATABASE_URL", &self.dbs[Self::index(name)].url)
            .env("BONSAI_DOMAIN", name)
            .env("BONSAI_LISTEN", format!("127.0.0.1:{}", self.port(name)))
            .env("BONSAI_TLS_CERT", self.dir.join("cert.pem"))
            .env("BONSAI_TLS_KEY", self.dir.join("key.pem"))
            .env("BONSAI_EXTRA_CA_FILE", self.dir.join("ca.pem"))
            .env("BONSAI_FEDERATION_ALLOW_ADDRESSES", "127.0.0.0/8")
            .env("BONSAI_FEDERATION_HOSTS", self.hosts());
        c
    }

    /// `bonsai <args>` against `name`'s data directory; returns stdout.
    fn admin(&self, name: &str, args: &[&str]) -> String {
        let out = self.command(name).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    async fn serve(&self, name: &str) -> Server {
        let mut server = Server(
            self.command(name)
                .arg("serve")
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
        );
        wait_for_port(&mut server, self.port(name)).await;
        server
    }

    /// The test's own client: trusts the CA, reaches the names like the servers do.
    fn client(&self) -> HttpClient {
        let mut config = ClientConfig::new(user_agent("https://test.invalid"));
        config.allow_addresses = IpCidr::parse_list("127.0.0.0/8").unwrap();
        for (n, p) in NAMES.iter().zip(self.ports) {
            config
                .hosts
                .insert(n, format!("127.0.0.1:{p}").parse::<HostTarget>().unwrap());
        }
        config.extra_ca_file = Some(self.dir.join("ca.pem"));
        HttpClient::new(config).unwrap()
    }
}

fn create_user(net: &Net, name: &str, user: &str) {
    net.admin(
        name,
        &[
            "admin",
            "account",
            "create",
            "--username",
            user,
            "--email",
            &format!("{user}@example.org"),
            "--password",
            "long enough pw",
        ],
    );
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

struct User<'a> {
    client: &'a HttpClient,
    base: String,
    token: String,
}

impl<'a> User<'a> {
    async fn sign_in(client: &'a HttpClient, host: &str, user: &str) -> Self {
        let base = format!("https://{host}");
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
        Self {
            client,
            base,
            token: t["access_token"].as_str().unwrap().to_string(),
        }
    }

    async fn get(&self, path: &str) -> Value {
        json(
            self.client,
            Request::get(format!("{}{path}", self.base))
                .header("authorization", &format!("Bearer {}", self.token)),
        )
        .await
    }

    async fn post(&self, path: &str, form: &str) -> Value {
        self.send(axum::http::Method::POST, path, form).await
    }

    async fn send(&self, method: axum::http::Method, path: &str, form: &str) -> Value {
        json(
            self.client,
            Request::new(method, format!("{}{path}", self.base))
                .body(form.to_string())
                .header("content-type", "application/x-www-form-urlencoded")
                .header("authorization", &format!("Bearer {}", self.token)),
        )
        .await
    }

    /// The status with `uri` as this user's server knows it (its local id differs).
    async fn find(&self, uri: &str) -> Option<Value> {
        let q: String = form_urlencoded::byte_serialize(uri.as_bytes()).collect();
        let r = self
            .get(&format!("/api/v2/search?q={q}&type=statuses"))
            .await;
        r["statuses"].as_array().and_then(|s| s.first().cloned())
    }

    /// The local id of `acct`, resolved through WebFinger.
    async fn resolve(&self, acct: &str) -> String {
        let found = self
            .get(&format!(
                "/api/v2/search?q=%40{}&resolve=true&type=accounts",
                acct.replace('@', "%40")
            ))
            .await;
        assert_eq!(found["accounts"][0]["acct"], acct, "{found}");
        found["accounts"][0]["id"].as_str().unwrap().to_string()
    }

    /// Resolves `acct` through WebFinger and follows it; returns its local id.
    async fn follow(&self, acct: &str) -> String {
        let id = self.resolve(acct).await;
        self.post(&format!("/api/v1/accounts/{id}/follow"), "")
            .await;
        id
    }

    async fn home_has(&self, text: &str) -> bool {
        self.get("/api/v1/timelines/home")
            .await
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["content"].as_str().is_some_and(|c| c.contains(text)))
    }

    /// Whether this server stores the post at all (search by URL without resolving).
    async fn server_knows(&self, uri: &str) -> bool {
        let q: String = form_urlencoded::byte_serialize(uri.as_bytes()).collect();
        let r = self
            .get(&format!("/api/v2/search?q={q}&type=statuses"))
            .await;
        !r["statuses"].as_array().unwrap().is_empty()
    }
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

/// `WAITING` of the delivery queue in `bonsai admin jobs status`.
fn waiting_deliveries(net: &Net, name: &str) -> i64 {
    let out = net.admin(name, &["admin", "jobs", "status"]);
    out.lines()
        .find(|l| l.starts_with("delivery"))
        .and_then(|l| l.split_whitespace().nth(1))
        .map(|n| n.parse().unwrap())
        .unwrap_or(0)
}

#[tokio::test]
async fn three_servers_over_https_converse_and_deliveries_survive_kill_9() {
    let dir = temp_dir("federation");
    write_pki(&dir, &NAMES);
    let net = Net::new(dir.clone()).await;
    for (name, user) in NAMES.iter().zip(["alice", "bob", "carol"]) {
        create_user(&net, name, user);
    }
    let _a = net.serve("a.test").await;
    let mut b = net.serve("b.test").await;
    let mut c = net.serve("c.test").await;
    let client = net.client();
    let alice = User::sign_in(&client, "a.test", "alice").await;
    let bob = User::sign_in(&client, "b.test", "bob").await;
    let carol = User::sign_in(&client, "c.test", "carol").await;

    // alice and carol follow bob; his server accepts both.
    let bob_at_a = alice.follow("bob@b.test").await;
    carol.follow("bob@b.test").await;
    eventually("bob to have two followers", async || {
        let me = bob.get("/api/v1/accounts/verify_credentials").await;
        me["followers_count"] == 2
    })
    .await;

    // A DM to alice reaches alice only: c never stores it.
    let dm = bob
        .post(
            "/api/v1/statuses",
            "status=%40alice%40a.test+only+for+you&visibility=direct",
        )
        .await;
    assert_eq!(dm["mentions"][0]["acct"], "alice@a.test");
    eventually("the DM at a", async || alice.home_has("only for you").await).await;
    let n = alice.get("/api/v1/notifications?types[]=mention").await;
    assert_eq!(n[0]["status"]["visibility"], "direct");
    assert_eq!(n[0]["account"]["id"], bob_at_a.as_str());
    // A followers-only post reaches both followers.
    bob.post("/api/v1/statuses", "status=over+https&visibility=private")
        .await;
    eventually("the private post at a", async || {
        alice.home_has("over https").await
    })
    .await;
    eventually("the private post at c", async || {
        carol.home_has("over https").await
    })
    .await;
    assert!(!carol.server_knows(dm["uri"].as_str().unwrap()).await);
    assert!(!carol.home_has("only for you").await);

    // carol is locked: bob's follow waits until she approves it.
    let me = carol
        .send(
            axum::http::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            "locked=true",
        )
        .await;
    assert_eq!(me["locked"], true);
    let carol_at_b = bob.follow("carol@c.test").await;
    let rel = bob
        .get(&format!("/api/v1/accounts/relationships?id[]={carol_at_b}"))
        .await;
    assert_eq!(rel[0]["requested"], true, "{rel}");
    let mut requests = Value::Null;
    eventually("carol to see bob's request", async || {
        requests = carol.get("/api/v1/follow_requests").await;
        requests.as_array().is_some_and(|r| !r.is_empty())
    })
    .await;
    assert_eq!(requests[0]["acct"], "bob@b.test");
    let bob_at_c = requests[0]["id"].as_str().unwrap().to_string();
    carol
        .post(&format!("/api/v1/follow_requests/{bob_at_c}/authorize"), "")
        .await;
    eventually("bob's follow of carol to be accepted", async || {
        let rel = bob
            .get(&format!("/api/v1/accounts/relationships?id[]={carol_at_b}"))
            .await;
        rel[0]["following"] == true
    })
    .await;

    // A public and an unlisted post reach both of bob's followers; only the public one
    // is on their servers' federated timelines.
    let public = bob.post("/api/v1/statuses", "status=hello+fediverse").await;
    let unlisted = bob
        .post("/api/v1/statuses", "status=quietly&visibility=unlisted")
        .await;
    let (pu, un) = (
        public["uri"].as_str().unwrap().to_string(),
        unlisted["uri"].as_str().unwrap().to_string(),
    );
    for who in [&alice, &carol] {
        eventually("both posts in the home timeline", async || {
            who.home_has("hello fediverse").await && who.home_has("quietly").await
        })
        .await;
        let federated = who.get("/api/v1/timelines/public?remote=true").await;
        let uris: Vec<&str> = federated
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["uri"].as_str())
            .collect();
        assert!(
            uris.contains(&pu.as_str()) && !uris.contains(&un.as_str()),
            "{uris:?}"
        );
    }

    // alice replies, likes and boosts; bob's server sees all three.
    let at_a = alice.find(&pu).await.expect("the public post at a");
    let at_a_id = at_a["id"].as_str().unwrap();
    let reply = alice
        .post(
            "/api/v1/statuses",
            &format!("status=%40bob%40b.test+nice&in_reply_to_id={at_a_id}"),
        )
        .await;
    alice
        .post(&format!("/api/v1/statuses/{at_a_id}/favourite"), "")
        .await;
    alice
        .post(&format!("/api/v1/statuses/{at_a_id}/reblog"), "")
        .await;
    let public_id = public["id"].as_str().unwrap();
    eventually("the reply, the like and the boost at b", async || {
        let s = bob.get(&format!("/api/v1/statuses/{public_id}")).await;
        s["replies_count"] == 1 && s["favourites_count"] == 1 && s["reblogs_count"] == 1
    })
    .await;
    let ctx = bob
        .get(&format!("/api/v1/statuses/{public_id}/context"))
        .await;
    assert_eq!(ctx["descendants"][0]["uri"], reply["uri"]);
    let kinds: Vec<String> = bob
        .get("/api/v1/notifications")
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["type"].as_str().map(str::to_string))
        .collect();
    for kind in ["mention", "favourite", "reblog", "follow"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
    // carol follows bob, not alice: alice's boost doesn't reach her.
    assert!(!carol.server_knows(reply["uri"].as_str().unwrap()).await);

    // bob edits the public post and deletes the unlisted one.
    bob.send(
        axum::http::Method::PUT,
        &format!("/api/v1/statuses/{public_id}"),
        "status=hello+fediverse%2C+edited",
    )
    .await;
    bob.send(
        axum::http::Method::DELETE,
        &format!("/api/v1/statuses/{}", unlisted["id"].as_str().unwrap()),
        "",
    )
    .await;
    for who in [&alice, &carol] {
        eventually("the edit and the delete", async || {
            let edited = who
                .find(&pu)
                .await
                .is_some_and(|s| s["content"].as_str().unwrap_or("").contains("edited"));
            edited && who.find(&un).await.is_none()
        })
        .await;
    }

    // c goes down hard; bob posts; b's delivery to c fails and waits for a retry.
    c.0.kill().unwrap();
    c.0.wait().unwrap();
    bob.post(
        "/api/v1/statuses",
        "status=while+c+was+down&visibility=private",
    )
    .await;
    eventually("the post at a", async || {
        alice.home_has("while c was down").await
    })
    .await;
    // Then b itself is killed mid-retry: the delivery lives in its database.
    tokio::time::sleep(Duration::from_millis(500)).await;
    b.0.kill().unwrap();
    b.0.wait().unwrap();
    assert_eq!(
        waiting_deliveries(&net, "b.test"),
        1,
        "{}",
        net.admin("b.test", &["admin", "jobs", "status"])
    );

    // Both come back; the operator asks for the retry now rather than in a minute.
    let _c = net.serve("c.test").await;
    let _b = net.serve("b.test").await;
    let out = net.admin("b.test", &["admin", "jobs", "retry"]);
    assert!(out.starts_with("1 delivery job(s) due now"), "{out}");
    eventually("the post delivered to c after all", async || {
        carol.home_has("while c was down").await
    })
    .await;
    eventually("b's delivery queue to drain", async || {
        waiting_deliveries(&net, "b.test") == 0
    })
    .await;

    // carol blocks bob: his server learns it, and she is no longer among his follows.
    carol
        .post(&format!("/api/v1/accounts/{bob_at_c}/block"), "")
        .await;
    eventually("b to learn of the block", async || {
        let rel = bob
            .get(&format!("/api/v1/accounts/relationships?id[]={carol_at_b}"))
            .await;
        rel[0]["blocked_by"] == true && rel[0]["following"] == false
    })
    .await;
    let me = bob.get("/api/v1/accounts/verify_credentials").await;
    assert_eq!(me["followers_count"], 1, "carol's block removed her follow");

    // alice moves to a new account on c (the operator's commands, as Mastodon's settings
    // pages do it): bob, her follower on b, ends up following the new account.
    let alice_at_b = bob.follow("alice@a.test").await;
    eventually("bob to follow alice", async || {
        let me = alice.get("/api/v1/accounts/verify_credentials").await;
        me["followers_count"] == 1
    })
    .await;
    create_user(&net, "c.test", "alice2");
    net.admin(
        "c.test",
        &[
            "admin",
            "account",
            "alias",
            "--username",
            "alice2",
            "--add",
            "alice@a.test",
        ],
    );
    net.admin(
        "a.test",
        &[
            "admin",
            "account",
            "move",
            "--username",
            "alice",
            "--to",
            "alice2@c.test",
        ],
    );
    let alice2_at_b = bob.resolve("alice2@c.test").await;
    eventually("bob's follow to move to alice2", async || {
        let rel = bob
            .get(&format!(
                "/api/v1/accounts/relationships?id[]={alice2_at_b}&id[]={alice_at_b}"
            ))
            .await;
        rel[0]["following"] == true && rel[1]["following"] == false
    })
    .await;
    let old = bob.get(&format!("/api/v1/accounts/{alice_at_b}")).await;
    assert_eq!(old["moved"]["acct"], "alice2@c.test", "{old}");

    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn jobs_status_and_retry_on_an_empty_queue() {
    let dir = temp_dir("jobs-cli");
    write_pki(&dir, &NAMES);
    let net = Net::new(dir.clone()).await;
    let out = net.admin("a.test", &["admin", "jobs", "status"]);
    assert!(out.starts_with("QUEUE"), "{out}");
    assert_eq!(waiting_deliveries(&net, "a.test"), 0);
    let out = net.admin("a.test", &["admin", "jobs", "retry", "--failed"]);
    assert_eq!(out.trim(), "0 delivery job(s) due now");
    let bad = net
        .command("a.test")
        .args(["admin", "jobs", "retry", "--queue", "nope"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let _ = std::fs::remove_dir_all(Path::new(&dir));
}
