//! Every golden post (`crates/federation/tests/golden`: Notes, Articles, Pages and Questions,
//! on their own or inside Create/Announce/Update) goes through the conversion the inbox uses,
//! `convert::remote_note`. Each mapped field is checked against the raw JSON, read here
//! independently of the wire types; a handful of representative samples are checked against
//! concrete values.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use bonsai_core::model::{Account, Status};
use bonsai_core::text::sanitize_remote_html;
use bonsai_core::timestamp::Timestamp;
use bonsai_core::visibility::Visibility;
use bonsai_federation::wire::{
    parse_datetime, Activity, ActivityKind, Actor, ActorKind, Document, Many, Object, ObjectKind,
    ObjectRef, PublicKey,
};
use bonsai_service::convert::{
    remote_account, remote_note, RemoteNote, MAX_NOTE_HASHTAGS, MAX_NOTE_MENTIONS,
    MAX_OBJECT_EMOJIS,
};

/// "Now" for these tests: after every sample was published.
const NOW: Timestamp = Timestamp::from_millis(1_900_000_000_000);
const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

fn golden_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../federation/tests/golden")
}

fn golden_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for server in std::fs::read_dir(golden_root()).unwrap() {
        let server = server.unwrap().path();
        if !server.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&server).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn is_post(kind: &ObjectKind) -> bool {
    matches!(
        kind,
        ObjectKind::Note | ObjectKind::Article | ObjectKind::Page | ObjectKind::Question
    )
}

fn is_post_json(v: &Value) -> bool {
    matches!(
        v["type"].as_str(),
        Some("Note" | "Article" | "Page" | "Question")
    )
}

/// A post found in a sample: where, the parsed object, and the same object as raw JSON.
struct Sample {
    name: String,
    object: Object,
    raw: Value,
}

fn embedded(activity: &Activity, raw: &Value, name: &str, out: &mut Vec<Sample>) {
    if !matches!(
        activity.kind,
        ActivityKind::Create | ActivityKind::Announce | ActivityKind::Update
    ) {
        return;
    }
    match activity.object() {
        Some(ObjectRef::Object(o)) if is_post(&o.kind) => {
            assert!(is_post_json(&raw["object"]), "{name}");
            out.push(Sample {
                name: format!("{name} ({})", activity.kind.as_str()),
                object: (**o).clone(),
                raw: raw["object"].clone(),
            });
        }
        // Lemmy's Announce of a Create of a Page.
        Some(ObjectRef::Activity(inner)) => {
            embedded(inner, &raw["object"], &format!("{name} (Announce)"), out)
        }
        _ => {}
    }
}

fn samples() -> Vec<Sample> {
    let mut out = Vec::new();
    for path in golden_files() {
        let bytes = std::fs::read(&path).unwrap();
        let raw: Value = serde_json::from_slice(&bytes).unwrap();
        let name = path
            .strip_prefix(golden_root())
            .unwrap()
            .display()
            .to_string();
        match Document::from_slice(&bytes).unwrap() {
            Document::Object(o) if is_post(&o.kind) => {
                assert!(is_post_json(&raw), "{name}");
                out.push(Sample {
                    name,
                    object: *o,
                    raw,
                })
            }
            Document::Activity(a) => embedded(&a, &raw, &name, &mut out),
            _ => {}
        }
    }
    out
}

/// The author of a sample, as the inbox would have stored it.
fn author_of(object: &Object) -> Account {
    let id = object
        .attributed_to()
        .unwrap_or("https://unknown.example/users/x")
        .to_string();
    let mut actor = Actor::new(ActorKind::Person, id.clone());
    actor.preferred_username = Some("author".into());
    actor.inbox = Some(format!("{id}/inbox"));
    actor.public_key = Many::one(PublicKey::new(
        format!("{id}#main-key"),
        id.clone(),
        "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
    ));
    remote_account(&actor, 42).expect("author").0
}

fn followers_of(object: &Object) -> String {
    format!("{}/followers", object.attributed_to().unwrap_or(""))
}

fn convert(s: &Sample) -> RemoteNote {
    let uri = s.object.id().expect("post id");
    remote_note(
        &s.object,
        uri,
        &author_of(&s.object),
        &followers_of(&s.object),
        7,
        NOW,
    )
}

// ---------------------------------------------------------------- raw JSON readers

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().flat_map(strings).collect(),
        Value::Object(o) => o
            .get("id")
            .and_then(Value::as_str)
            .map(|s| vec![s.to_string()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn public(s: &str) -> bool {
    matches!(s, PUBLIC | "as:Public" | "Public")
}

fn raw_visibility(raw: &Value, followers: &str) -> Visibility {
    let to = strings(&raw["to"]);
    let cc = strings(&raw["cc"]);
    if to.iter().any(|a| public(a)) {
        Visibility::Public
    } else if cc.iter().any(|a| public(a)) {
        Visibility::Unlisted
    } else if to.iter().any(|a| a == followers) {
        Visibility::Private
    } else {
        Visibility::Direct
    }
}

fn raw_tags(raw: &Value, kind: &str) -> Vec<Value> {
    let tags = match &raw["tag"] {
        Value::Array(a) => a.clone(),
        Value::Object(_) => vec![raw["tag"].clone()],
        _ => Vec::new(),
    };
    tags.into_iter()
        .filter(|t| t["type"].as_str() == Some(kind))
        .collect()
}

fn raw_language(raw: &Value) -> Option<String> {
    raw["contentMap"]
        .as_object()?
        .keys()
        .find(|k| *k != "und")
        .cloned()
}

// ---------------------------------------------------------------- every sample

#[test]
fn every_golden_post_maps_to_a_status() {
    let all = samples();
    let mut servers = BTreeSet::new();
    let mut kinds = BTreeSet::new();
    let mut without_id = 0;
    for s in &all {
        let name = &s.name;
        if s.object.id().is_none() {
            // The inbox ignores a post without an id.
            without_id += 1;
            continue;
        }
        let raw = &s.raw;
        let author = author_of(&s.object);
        let n = convert(s);
        let st: &Status = &n.status;
        servers.insert(name.split('/').next().unwrap().to_string());
        kinds.insert(raw["type"].as_str().unwrap().to_string());

        // Identity.
        assert_eq!(st.id, 7, "{name}");
        assert_eq!(Some(st.uri.as_str()), raw["id"].as_str(), "{name}");
        assert_eq!(st.account_id, author.id, "{name}");
        assert!(!st.local, "{name}");
        assert_eq!(st.reblog_of_id, None, "{name}");
        assert_eq!(
            (st.replies_count, st.reblogs_count, st.favourites_count),
            (0, 0, 0),
            "{name}"
        );
        assert!(
            st.url.starts_with("https://") || st.url.starts_with("http://"),
            "{name}: {}",
            st.url
        );
        if let Some(url) = raw["url"].as_str() {
            assert_eq!(st.url, url, "{name}");
        }

        // Audience.
        assert_eq!(
            st.visibility,
            raw_visibility(raw, &followers_of(&s.object)),
            "{name}"
        );

        // Text: sanitised, never scripts or javascript: links.
        let lower = st.content.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{name}");
        assert!(!lower.contains("javascript:"), "{name}");
        assert!(!lower.contains(" onclick="), "{name}");
        let raw_content = raw["content"]
            .as_str()
            .filter(|c| !c.is_empty())
            .or_else(|| raw["contentMap"].as_object()?.values().next()?.as_str())
            .unwrap_or("");
        if matches!(raw["type"].as_str(), Some("Note" | "Question")) {
            assert_eq!(st.content, sanitize_remote_html(raw_content), "{name}");
        } else if let Some(title) = raw["name"].as_str() {
            assert!(
                st.content.starts_with("<p><strong>"),
                "{name}: {}",
                st.content
            );
            assert!(st.content.contains(title.trim()), "{name}");
        }
        if !raw_content.trim().is_empty() {
            assert!(!st.content.is_empty(), "{name}");
        }
        assert!(st.text.is_empty(), "{name}");

        // Content warning and sensitivity.
        assert_eq!(
            st.spoiler_text,
            raw["summary"].as_str().unwrap_or(""),
            "{name}"
        );
        assert_eq!(
            st.sensitive,
            raw["sensitive"].as_bool().unwrap_or(false),
            "{name}"
        );

        // Thread.
        let in_reply_to = strings(&raw["inReplyTo"]).into_iter().next();
        assert_eq!(n.in_reply_to, in_reply_to, "{name}");
        assert_eq!(st.in_reply_to_id, None, "{name}: left for the caller");

        // Tags.
        let mut mentions: Vec<String> = Vec::new();
        for m in raw_tags(raw, "Mention") {
            let href = m["href"].as_str().unwrap().to_string();
            if !mentions.contains(&href) {
                mentions.push(href);
            }
        }
        mentions.truncate(MAX_NOTE_MENTIONS);
        assert_eq!(n.mentions, mentions, "{name}");
        let hashtags: Vec<String> = raw_tags(raw, "Hashtag")
            .iter()
            .map(|h| {
                h["name"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches('#')
                    .to_string()
            })
            .take(MAX_NOTE_HASHTAGS)
            .collect();
        assert_eq!(n.hashtags, hashtags, "{name}");
        let https_emojis: Vec<(String, String)> = raw_tags(raw, "Emoji")
            .iter()
            .filter_map(|e| {
                let url = e["icon"]["url"].as_str()?;
                url.starts_with("https://").then(|| {
                    (
                        e["name"].as_str().unwrap().trim_matches(':').to_string(),
                        url.to_string(),
                    )
                })
            })
            .take(MAX_OBJECT_EMOJIS)
            .collect();
        let got: Vec<(String, String)> = n
            .emojis
            .iter()
            .map(|e| (e.shortcode.clone(), e.image_url.clone()))
            .collect();
        assert_eq!(got, https_emojis, "{name}");
        for e in &n.emojis {
            assert_eq!(e.domain, author.domain, "{name}");
            assert!(!e.visible_in_picker, "{name}");
        }

        // Language and time.
        assert_eq!(st.language, raw_language(raw), "{name}");
        match raw["published"].as_str().and_then(parse_datetime) {
            Some(t) => assert_eq!(
                st.created_at.millis(),
                (t.unix_timestamp_nanos() / 1_000_000) as i64,
                "{name}"
            ),
            None => assert_eq!(st.created_at, NOW, "{name}"),
        }
        assert_eq!(st.edited_at, None, "{name}");
    }
    assert!(without_id <= 2, "{without_id} posts without an id");
    assert!(all.len() >= 40, "only {} golden posts", all.len());
    assert!(servers.len() >= 12, "{servers:?}");
    for k in ["Note", "Page", "Question"] {
        assert!(kinds.contains(k), "no {k} among {kinds:?}");
    }
}

// ---------------------------------------------------------------- representative samples

fn one(name: &str) -> (Sample, RemoteNote) {
    let s = samples()
        .into_iter()
        .find(|s| s.name.starts_with(name))
        .unwrap_or_else(|| panic!("no sample {name}"));
    let n = convert(&s);
    (s, n)
}

#[test]
fn mastodon_note_with_content_map_and_warning() {
    let (_, n) = one("mastodon/create_note_contentmap.json");
    let s = &n.status;
    assert_eq!(
        s.uri,
        "http://mastodon.example.org/users/admin/statuses/99512778738411822"
    );
    assert_eq!(
        s.url,
        "http://mastodon.example.org/@admin/99512778738411822"
    );
    assert_eq!(s.visibility, Visibility::Public);
    assert_eq!(s.spoiler_text, "cw");
    assert!(s.sensitive);
    assert_eq!(s.language.as_deref(), Some("en"));
    assert!(s.content.contains("@<span>lain</span>"), "{}", s.content);
    assert!(s
        .content
        .contains("href=\"http://localtesting.pleroma.lol/users/lain\""));
    assert_eq!(
        n.mentions,
        vec!["http://localtesting.pleroma.lol/users/lain"]
    );
    assert_eq!(n.in_reply_to, None);
    assert_eq!(s.created_at.to_rfc3339(), "2018-02-12T14:08:20.000Z");
}

#[test]
fn mastodon_hashtags_and_lemmy_reply_unlisted() {
    let (_, n) = one("mastodon/note_todon.json");
    assert_eq!(n.status.visibility, Visibility::Public);
    assert_eq!(n.hashtags.len(), 3);
    assert_eq!(n.status.language.as_deref(), Some("en"));

    // Public only in cc: unlisted, a reply.
    let (_, n) = one("mastodon/note_lemmy.json");
    assert_eq!(n.status.visibility, Visibility::Unlisted);
    assert_eq!(
        n.in_reply_to.as_deref(),
        Some("https://mamot.fr/users/retiolus/statuses/107224244380204526")
    );
    assert_eq!(n.mentions, vec!["https://mamot.fr/users/retiolus"]);
}

#[test]
fn followers_only_and_direct() {
    // Addressed to the followers collection only.
    let (_, n) = one("mastodon/announce_private.json");
    assert_eq!(n.status.visibility, Visibility::Private);
    // A Lemmy private message: to one person.
    let (_, n) = one("lemmy/private_message.json");
    assert_eq!(n.status.visibility, Visibility::Direct);
    // Fedify's compacted `as:Public`.
    let (_, n) = one("fedify/create_hydrated.json");
    assert_eq!(n.status.visibility, Visibility::Public);
}

#[test]
fn misskey_note_uses_the_html_not_the_mfm_source() {
    let (_, n) = one("misskey/note.json");
    let s = &n.status;
    assert_eq!(s.uri, "https://misskey.io/notes/8vs6wxufd0");
    // No `url`: the id stands in.
    assert_eq!(s.url, "https://misskey.io/notes/8vs6wxufd0");
    assert!(
        s.content
            .contains("Fantiaこれできないように過去のやつは従量課金だった気がする"),
        "{}",
        s.content
    );
    assert!(s.content.starts_with("<p>"), "{}", s.content);
    assert_eq!(s.visibility, Visibility::Public);
    assert!(!s.sensitive);
    assert_eq!(s.spoiler_text, "");
    assert_eq!(s.language, None);
    assert_eq!(s.created_at.to_rfc3339(), "2022-01-21T16:37:12.663Z");
}

#[test]
fn gotosocial_note_keeps_hashtags_and_refuses_plain_http_emoji() {
    let (_, n) = one("gotosocial/note_tags_emoji.json");
    let s = &n.status;
    assert_eq!(s.visibility, Visibility::Public);
    assert_eq!(n.hashtags, vec!["welcome"]);
    assert_eq!(s.language.as_deref(), Some("en"));
    assert!(s.content.contains(":rainbow:"));
    // Its emoji image is served over plain http: not handed to clients.
    assert!(n.emojis.is_empty());
    assert_eq!(s.created_at.to_rfc3339(), "2021-10-20T11:36:45.000Z");

    let (_, n) = one("gotosocial/note_mentions.json");
    assert_eq!(
        n.in_reply_to.as_deref(),
        Some("http://localhost:8080/users/the_mighty_zork/statuses/01F8MHAMCHF6Y650WCRSCP4WMY")
    );
    assert_eq!(
        n.mentions,
        vec!["http://localhost:8080/users/the_mighty_zork"]
    );
    assert_eq!(n.status.visibility, Visibility::Public);

    // A content warning from GoToSocial.
    let (_, n) = one("gotosocial/create_note.json");
    assert_eq!(n.status.spoiler_text, "introduction post");
    assert!(n.status.sensitive);
    // `+02:00` offsets are honoured.
    assert_eq!(n.status.created_at.to_rfc3339(), "2021-10-20T10:40:37.000Z");
}

#[test]
fn pleroma_emoji_in_text_and_summary() {
    let (_, n) = one("pleroma/note_emoji_summary.json");
    let codes: Vec<(&str, &str)> = n
        .emojis
        .iter()
        .map(|e| (e.shortcode.as_str(), e.image_url.as_str()))
        .collect();
    assert_eq!(
        codes,
        vec![
            (
                "joker_disapprove",
                "https://patch.cx/emoji/custom/joker_disapprove.png"
            ),
            (
                "joker_smile",
                "https://patch.cx/emoji/custom/joker_smile.png"
            ),
        ]
    );
    assert_eq!(n.emojis[0].domain.as_deref(), Some("patch.cx"));
    assert_eq!(
        n.emojis[0].uri,
        "https://patch.cx/emoji/custom/joker_disapprove.png"
    );
    assert_eq!(n.status.spoiler_text, ":joker_smile: ");
    // `sensitive: null` is not sensitive.
    assert!(!n.status.sensitive);

    // Public in cc only, followers in `to`: unlisted, as Mastodon reads it.
    let (_, n) = one("pleroma/note.json");
    assert_eq!(n.status.visibility, Visibility::Unlisted);
}

#[test]
fn lemmy_page_leads_with_its_title() {
    let (_, n) = one("lemmy/page.json");
    let s = &n.status;
    assert_eq!(s.uri, "https://enterprise.lemmy.ml/post/55143");
    assert_eq!(
        s.content,
        "<p><strong>Post title</strong></p><p>This is a post in the /c/tenforward community</p>\n"
    );
    assert_eq!(s.visibility, Visibility::Public);
    assert_eq!(n.mentions, vec!["https://enterprise.lemmy.ml/c/tenforward"]);
    assert_eq!(s.created_at.to_rfc3339(), "2021-02-26T12:35:34.292Z");

    // Inside Announce(Create(Page)), as a community relays it.
    let (_, n) = one("lemmy/announce_create_page.json");
    assert!(n.status.content.starts_with("<p><strong>"));
    assert_eq!(n.status.visibility, Visibility::Public);
}

#[test]
fn question_maps_like_a_note() {
    let (_, n) = one("mastodon/create_question.json");
    assert_eq!(
        n.status.content,
        "<p>Why is Tenshi eating a corndog so cute?</p>"
    );
    assert_eq!(n.status.visibility, Visibility::Public);
    assert_eq!(n.status.language.as_deref(), Some("en"));
}

#[test]
fn hostile_input_is_bounded() {
    let mut tags = Vec::new();
    for i in 0..200 {
        tags.push(
            serde_json::json!({"type": "Mention", "href": format!("https://x.example/u/{i}")}),
        );
        tags.push(serde_json::json!({"type": "Hashtag", "name": format!("#t{i}")}));
        tags.push(
            serde_json::json!({"type": "Emoji", "name": format!(":e{i}:"),
            "icon": {"type": "Image", "url": format!("https://x.example/e/{i}.png")}}),
        );
    }
    tags.push(serde_json::json!({"type": "Emoji", "name": ":bad:",
        "icon": {"type": "Image", "url": "javascript:alert(1)"}}));
    tags.push(serde_json::json!({"type": "Emoji", "name": ":long:",
        "icon": {"type": "Image", "url": format!("https://x.example/{}", "a".repeat(3000))}}));
    tags.push(serde_json::json!({"type": "Emoji", "name": ":no spaces:",
        "icon": {"type": "Image", "url": "https://x.example/e.png"}}));
    let note: Object = serde_json::from_value(serde_json::json!({
        "id": "https://x.example/notes/1",
        "type": "Note",
        "attributedTo": "https://x.example/u/a",
        "to": [PUBLIC],
        "summary": "w".repeat(5000),
        "content": "<p onclick=\"x()\">hi<script>alert(1)</script></p>",
        "published": "2999-01-01T00:00:00Z",
        "url": "javascript:alert(1)",
        "tag": tags,
    }))
    .unwrap();
    let n = remote_note(
        &note,
        "https://x.example/notes/1",
        &author_of(&note),
        "",
        1,
        NOW,
    );
    assert_eq!(n.mentions.len(), MAX_NOTE_MENTIONS);
    assert_eq!(n.hashtags.len(), MAX_NOTE_HASHTAGS);
    assert_eq!(n.emojis.len(), MAX_OBJECT_EMOJIS);
    assert!(n.emojis.iter().all(|e| e.image_url.starts_with("https://")));
    assert_eq!(n.status.spoiler_text.chars().count(), 1000);
    assert!(!n.status.content.contains("script"));
    assert!(!n.status.content.contains("onclick"));
    // From the future: dated now. A javascript: url falls back to the id.
    assert_eq!(n.status.created_at, NOW);
    assert_eq!(n.status.url, "https://x.example/notes/1");

    // Only the bad ones, past the cap of good ones, are left out.
    let few: Object = serde_json::from_value(serde_json::json!({
        "id": "https://x.example/notes/2", "type": "Note", "attributedTo": "https://x.example/u/a",
        "tag": [
            {"type": "Emoji", "name": ":bad:", "icon": {"type": "Image", "url": "javascript:alert(1)"}},
            {"type": "Emoji", "name": ":plain:", "icon": {"type": "Image", "url": "http://x.example/p.png"}},
            {"type": "Emoji", "name": "a", "icon": {"type": "Image", "url": "https://x.example/a.png"}},
            {"type": "Emoji", "name": ":ok_1:", "icon": {"type": "Image", "url": "https://x.example/ok.png"}},
            {"type": "Emoji", "name": ":ok_1:", "icon": {"type": "Image", "url": "https://x.example/dup.png"}},
        ],
    }))
    .unwrap();
    let n = remote_note(
        &few,
        "https://x.example/notes/2",
        &author_of(&few),
        "",
        2,
        NOW,
    );
    assert_eq!(n.emojis.len(), 1);
    assert_eq!(n.emojis[0].shortcode, "ok_1");
    assert_eq!(n.emojis[0].image_url, "https://x.example/ok.png");
    // Nobody addressed: direct.
    assert_eq!(n.status.visibility, Visibility::Direct);
}

#[test]
fn golden_actor_emoji() {
    use bonsai_service::convert::remote_emojis;
    let read = |name: &str| -> Actor {
        let bytes = std::fs::read(golden_root().join(name)).unwrap();
        match Document::from_slice(&bytes).unwrap() {
            Document::Actor(a) => *a,
            _ => panic!("{name} is not an actor"),
        }
    };
    // Pleroma: three emoji in the name and bio, on the actor's own domain.
    let actor = read("pleroma/actor_person.json");
    let e = remote_emojis(actor.emojis(), Some("queer.hacktivis.me"));
    let codes: Vec<&str> = e.iter().map(|e| e.shortcode.as_str()).collect();
    assert_eq!(codes, vec!["anarchy", "bzh", "gentoo"]);
    assert_eq!(
        e[1].image_url,
        "https://queer.hacktivis.me/emoji/custom/mastodon.xyz/bzh.png"
    );
    assert!(e
        .iter()
        .all(|e| e.domain.as_deref() == Some("queer.hacktivis.me")));
    // GoToSocial's test fixture serves its emoji over plain http: refused.
    let actor = read("gotosocial/actor_emoji.json");
    assert_eq!(actor.emojis().count(), 1);
    assert!(remote_emojis(actor.emojis(), Some("localhost:8080")).is_empty());
}
