//! Golden ActivityPub documents captured from other servers (`tests/golden/`, provenance in
//! `tests/golden/SOURCES.md`) must all parse, into the right shape, with the fields that differ
//! between servers mapped; and what we emit must read back as written.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use bonsai_federation::wire::*;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    Actor,
    Object,
    Activity,
    Collection,
}

/// Every golden file, the shape it must parse into, and its `type`.
const GOLDEN: &[(&str, Shape, &str)] = &[
    ("mastodon/actor_person_gargron.json", Shape::Actor, "Person"),
    ("mastodon/actor_person_academy.json", Shape::Actor, "Person"),
    ("mastodon/actor_person_spec.json", Shape::Actor, "Person"),
    ("mastodon/actor_person_lemmy.json", Shape::Actor, "Person"),
    ("mastodon/note_todon.json", Shape::Object, "Note"),
    ("mastodon/note_lemmy.json", Shape::Object, "Note"),
    ("mastodon/note_object.json", Shape::Object, "Note"),
    (
        "mastodon/create_note_focalpoint.json",
        Shape::Activity,
        "Create",
    ),
    (
        "mastodon/create_note_contentmap.json",
        Shape::Activity,
        "Create",
    ),
    (
        "mastodon/create_note_hashtag.json",
        Shape::Activity,
        "Create",
    ),
    (
        "mastodon/create_note_sensitive.json",
        Shape::Activity,
        "Create",
    ),
    (
        "mastodon/create_note_attachment.json",
        Shape::Activity,
        "Create",
    ),
    ("mastodon/create_question.json", Shape::Activity, "Create"),
    ("mastodon/create_vote.json", Shape::Activity, "Create"),
    ("mastodon/question_docs.json", Shape::Object, "Question"),
    ("mastodon/update_actor.json", Shape::Activity, "Update"),
    ("mastodon/update_note.json", Shape::Activity, "Update"),
    ("mastodon/delete_note.json", Shape::Activity, "Delete"),
    ("mastodon/delete_user.json", Shape::Activity, "Delete"),
    ("mastodon/follow.json", Shape::Activity, "Follow"),
    ("mastodon/accept_follow.json", Shape::Activity, "Accept"),
    ("mastodon/reject_follow.json", Shape::Activity, "Reject"),
    ("mastodon/undo_follow.json", Shape::Activity, "Undo"),
    ("mastodon/undo_like.json", Shape::Activity, "Undo"),
    ("mastodon/undo_like_compact.json", Shape::Activity, "Undo"),
    ("mastodon/undo_announce.json", Shape::Activity, "Undo"),
    ("mastodon/undo_block.json", Shape::Activity, "Undo"),
    ("mastodon/announce.json", Shape::Activity, "Announce"),
    (
        "mastodon/announce_private.json",
        Shape::Activity,
        "Announce",
    ),
    ("mastodon/like.json", Shape::Activity, "Like"),
    ("mastodon/block.json", Shape::Activity, "Block"),
    ("mastodon/flag.json", Shape::Activity, "Flag"),
    ("mastodon/move.json", Shape::Activity, "Move"),
    (
        "mastodon/collection_featured.json",
        Shape::Collection,
        "OrderedCollection",
    ),
    (
        "mastodon/collection_followers.json",
        Shape::Collection,
        "OrderedCollection",
    ),
    (
        "mastodon/collection_followers_page.json",
        Shape::Collection,
        "OrderedCollectionPage",
    ),
    ("gotosocial/actor_person.json", Shape::Actor, "Person"),
    (
        "gotosocial/actor_application.json",
        Shape::Actor,
        "Application",
    ),
    ("gotosocial/actor_fields.json", Shape::Actor, "Person"),
    ("gotosocial/actor_moved.json", Shape::Actor, "Person"),
    ("gotosocial/actor_emoji.json", Shape::Actor, "Person"),
    ("gotosocial/actor_shared_inbox.json", Shape::Actor, "Person"),
    ("gotosocial/note_tags_emoji.json", Shape::Object, "Note"),
    ("gotosocial/note_mentions.json", Shape::Object, "Note"),
    ("gotosocial/create_note.json", Shape::Activity, "Create"),
    ("gotosocial/delete_note.json", Shape::Activity, "Delete"),
    (
        "gotosocial/outbox_page.json",
        Shape::Collection,
        "OrderedCollectionPage",
    ),
    ("gotosocial/announce.json", Shape::Activity, "Announce"),
    ("gotosocial/flag.json", Shape::Activity, "Flag"),
    (
        "gotosocial/collection_featured.json",
        Shape::Collection,
        "OrderedCollection",
    ),
    (
        "gotosocial/create_poll_vote.json",
        Shape::Activity,
        "Create",
    ),
    ("gotosocial/accept_like.json", Shape::Activity, "Accept"),
    ("gotosocial/move.json", Shape::Activity, "Move"),
    ("pleroma/actor_person.json", Shape::Actor, "Person"),
    ("pleroma/actor_person_rin.json", Shape::Actor, "Person"),
    ("pleroma/actor_person_helene.json", Shape::Actor, "Person"),
    ("pleroma/note.json", Shape::Object, "Note"),
    ("pleroma/note_emoji_summary.json", Shape::Object, "Note"),
    ("pleroma/note_reply.json", Shape::Object, "Note"),
    ("pleroma/chat_message.json", Shape::Object, "ChatMessage"),
    ("pleroma/create_note.json", Shape::Activity, "Create"),
    ("pleroma/delete.json", Shape::Activity, "Delete"),
    ("pleroma/follow.json", Shape::Activity, "Follow"),
    ("pleroma/emoji_react.json", Shape::Activity, "EmojiReact"),
    (
        "pleroma/collection_followers.json",
        Shape::Collection,
        "OrderedCollection",
    ),
    (
        "akkoma/emoji_react_custom.json",
        Shape::Activity,
        "EmojiReact",
    ),
    ("akkoma/note_quote.json", Shape::Object, "Note"),
    ("misskey/actor_person.json", Shape::Actor, "Person"),
    ("misskey/actor_person_birthday.json", Shape::Actor, "Person"),
    ("misskey/actor_person_featured.json", Shape::Actor, "Person"),
    ("misskey/note.json", Shape::Object, "Note"),
    ("misskey/note_quote.json", Shape::Object, "Note"),
    ("misskey/create_note.json", Shape::Activity, "Create"),
    ("misskey/question.json", Shape::Object, "Question"),
    ("misskey/like_reaction.json", Shape::Activity, "Like"),
    ("misskey/like_custom_emoji.json", Shape::Activity, "Like"),
    ("lemmy/actor_person.json", Shape::Actor, "Person"),
    ("lemmy/actor_group.json", Shape::Actor, "Group"),
    ("lemmy/actor_instance.json", Shape::Actor, "Application"),
    ("lemmy/page.json", Shape::Object, "Page"),
    ("lemmy/page_image_and_link.json", Shape::Object, "Page"),
    ("lemmy/note_comment.json", Shape::Object, "Note"),
    ("lemmy/private_message.json", Shape::Object, "Note"),
    ("lemmy/tombstone.json", Shape::Object, "Tombstone"),
    (
        "lemmy/announce_create_page.json",
        Shape::Activity,
        "Announce",
    ),
    ("lemmy/create_page.json", Shape::Activity, "Create"),
    ("lemmy/create_comment.json", Shape::Activity, "Create"),
    ("lemmy/update_page.json", Shape::Activity, "Update"),
    ("lemmy/delete_page.json", Shape::Activity, "Delete"),
    ("lemmy/undo_delete_page.json", Shape::Activity, "Undo"),
    ("lemmy/follow.json", Shape::Activity, "Follow"),
    ("lemmy/accept_follow.json", Shape::Activity, "Accept"),
    ("lemmy/undo_follow.json", Shape::Activity, "Undo"),
    ("lemmy/like_note.json", Shape::Activity, "Like"),
    ("lemmy/dislike_page.json", Shape::Activity, "Dislike"),
    ("lemmy/block_user.json", Shape::Activity, "Block"),
    ("lemmy/flag_page.json", Shape::Activity, "Flag"),
    (
        "lemmy/collection_group_outbox.json",
        Shape::Collection,
        "OrderedCollection",
    ),
    (
        "lemmy/collection_group_followers.json",
        Shape::Collection,
        "Collection",
    ),
    (
        "lemmy/collection_group_moderators.json",
        Shape::Collection,
        "OrderedCollection",
    ),
    ("peertube/video.json", Shape::Object, "Video"),
    ("peertube/actor_group_channel.json", Shape::Actor, "Group"),
    ("peertube/actor_person.json", Shape::Actor, "Person"),
    ("peertube/actor_person_stream.json", Shape::Actor, "Person"),
    ("peertube/note_comment.json", Shape::Object, "Note"),
    ("peertube/announce_video.json", Shape::Activity, "Announce"),
    (
        "peertube/create_video_framatube.json",
        Shape::Activity,
        "Create",
    ),
    ("peertube/video_peertube_moe.json", Shape::Object, "Video"),
    (
        "peertube/video_mpegurl_only.json",
        Shape::Activity,
        "Create",
    ),
    (
        "pixelfed/create_note_attachments.json",
        Shape::Activity,
        "Create",
    ),
    ("pixelfed/announce.json", Shape::Activity, "Announce"),
    ("pixelfed/create_note_reply.json", Shape::Activity, "Create"),
    ("fedify/note_compacted.json", Shape::Object, "Note"),
    ("fedify/create_hydrated.json", Shape::Activity, "Create"),
    ("mitra/actor_person_multikey.json", Shape::Actor, "Person"),
    ("mitra/create_note_proof.json", Shape::Activity, "Create"),
    ("mitra/accept_proof.json", Shape::Activity, "Accept"),
    ("fep/create_8b32_proof.json", Shape::Activity, "Create"),
    ("friendica/actor_person.json", Shape::Actor, "Person"),
    ("friendica/note.json", Shape::Object, "Note"),
    ("friendica/create_note.json", Shape::Activity, "Create"),
    ("bridgy/actor_service.json", Shape::Actor, "Service"),
    ("bridgy/note.json", Shape::Object, "Note"),
    ("wordpress/note.json", Shape::Object, "Note"),
    ("wordpress/actor_person.json", Shape::Actor, "Person"),
    ("mobilizon/event.json", Shape::Object, "Event"),
    ("funkwhale/audio.json", Shape::Object, "Audio"),
    ("smithereen/note.json", Shape::Object, "Note"),
];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(golden_dir().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn document(path: &str) -> Document {
    Document::from_slice(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn actor(path: &str) -> Actor {
    serde_json::from_slice(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn object(path: &str) -> Object {
    serde_json::from_slice(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn activity(path: &str) -> Activity {
    serde_json::from_slice(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn collection(path: &str) -> Collection {
    serde_json::from_slice(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn shape_of(doc: &Document) -> Shape {
    match doc {
        Document::Actor(_) => Shape::Actor,
        Document::Object(_) => Shape::Object,
        Document::Activity(_) => Shape::Activity,
        Document::Collection(_) => Shape::Collection,
    }
}

fn embedded_object(activity: &Activity) -> &Object {
    activity
        .object()
        .and_then(ObjectRef::as_object)
        .unwrap_or_else(|| panic!("{:?}: object is not embedded", activity.id))
}

fn json_files(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("golden dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            json_files(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            let rel = path.strip_prefix(base).expect("under base");
            out.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

// ---------------------------------------------------------------- every file

#[test]
fn every_golden_file_is_listed() {
    let mut on_disk = BTreeSet::new();
    json_files(&golden_dir(), &golden_dir(), &mut on_disk);
    let listed: BTreeSet<String> = GOLDEN.iter().map(|(p, _, _)| (*p).to_owned()).collect();
    assert_eq!(on_disk, listed, "tests/golden and GOLDEN disagree");
    let servers: BTreeSet<&str> = GOLDEN
        .iter()
        .filter_map(|(p, _, _)| p.split('/').next())
        .collect();
    assert!(
        GOLDEN.len() >= 40 && servers.len() >= 8,
        "{} files, {} servers",
        GOLDEN.len(),
        servers.len()
    );
}

#[test]
fn every_golden_file_parses_into_its_shape() {
    let mut failures = Vec::new();
    for (path, shape, kind) in GOLDEN {
        let bytes = read(path);
        let doc = match Document::from_slice(&bytes) {
            Ok(doc) => doc,
            Err(e) => {
                failures.push(format!("{path}: {e}"));
                continue;
            }
        };
        if shape_of(&doc) != *shape {
            failures.push(format!(
                "{path}: parsed as {:?}, expected {shape:?}",
                shape_of(&doc)
            ));
        }
        if doc.kind_name() != *kind {
            failures.push(format!("{path}: type {}, expected {kind}", doc.kind_name()));
        }
        let raw: Value = serde_json::from_slice(&bytes).expect("valid JSON");
        if let Some(id) = raw.get("id").and_then(Value::as_str) {
            if doc.id() != Some(id) {
                failures.push(format!("{path}: id {:?}, expected {id}", doc.id()));
            }
        }
        // The typed entry points read the same bytes without going through Document.
        let typed = match shape {
            Shape::Actor => serde_json::from_slice::<Actor>(&bytes).map(|_| ()),
            Shape::Object => serde_json::from_slice::<Object>(&bytes).map(|_| ()),
            Shape::Activity => serde_json::from_slice::<Activity>(&bytes).map(|_| ()),
            Shape::Collection => serde_json::from_slice::<Collection>(&bytes).map(|_| ()),
        };
        if let Err(e) = typed {
            failures.push(format!("{path}: as {shape:?}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_golden_file_reads_back_after_serialising() {
    for (path, _, _) in GOLDEN {
        let doc = document(path);
        let written = serde_json::to_value(&doc).unwrap_or_else(|e| panic!("{path}: {e}"));
        let again = Document::from_value(written).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(doc, again, "{path}");
    }
}

// ---------------------------------------------------------------- Mastodon

#[test]
fn mastodon_actor_keys_collections_and_profile() {
    let a = actor("mastodon/actor_person_gargron.json");
    assert_eq!(a.kind, ActorKind::Person);
    assert_eq!(a.preferred_username.as_deref(), Some("Gargron"));
    assert!(a
        .public_key_pem()
        .is_some_and(|p| p.starts_with("-----BEGIN PUBLIC KEY-----")));
    let key = a
        .public_key("https://mastodon.social/users/Gargron#main-key")
        .expect("main key");
    assert_eq!(
        key.owner.as_deref(),
        Some("https://mastodon.social/users/Gargron")
    );
    assert_eq!(
        a.followers(),
        Some("https://mastodon.social/users/Gargron/followers")
    );
    assert_eq!(a.shared_inbox(), Some("https://mastodon.social/inbox"));
    assert_eq!(
        a.featured(),
        Some("https://mastodon.social/users/Gargron/collections/featured")
    );
    assert_eq!(
        a.featured_tags(),
        Some("https://mastodon.social/users/Gargron/collections/tags")
    );
    assert_eq!(
        a.also_known_as().collect::<Vec<_>>(),
        ["https://tooting.ai/users/Gargron"]
    );
    assert_eq!(
        (a.discoverable, a.indexable, a.manually_approves_followers),
        (Some(true), Some(true), Some(false))
    );
    let fields: Vec<_> = a.fields().filter_map(|f| f.name.as_deref()).collect();
    assert_eq!(fields, ["Patreon", "Homepage"]);
    // The retired IdentityProof is kept, not lost and not fatal.
    assert!(a
        .attachment
        .iter()
        .any(|x| matches!(x, Attachment::Other(v) if v["type"] == "IdentityProof")));
    assert!(a.avatar_url().is_some_and(|u| u.ends_with(".jpg")));
    assert!(a
        .context
        .as_ref()
        .is_some_and(|c| c.contains_iri(SECURITY_V1)));

    let academy = actor("mastodon/actor_person_academy.json");
    assert_eq!(
        academy.featured_tags(),
        Some("https://activitypub.academy/users/brauca_darradiul/collections/tags")
    );

    let spec = actor("mastodon/actor_person_spec.json");
    assert_eq!(spec.shared_inbox(), Some("https://ap.example.com/inbox"));
    assert_eq!(
        spec.avatar_url(),
        Some("https://quitter.no/avatar/7477-300-20160211190340.png")
    );
    assert!(spec
        .public_key_pem()
        .is_some_and(|p| p.ends_with("-----END PUBLIC KEY-----\n")));
}

#[test]
fn mastodon_note_content_map_media_tags_and_replies() {
    let note = object("mastodon/note_todon.json");
    assert_eq!(note.kind, ObjectKind::Note);
    assert_eq!(note.language(), Some("en"));
    assert_eq!(
        note.content(),
        note.content_map
            .as_ref()
            .and_then(|m| m.get("en"))
            .map(String::as_str)
    );
    assert!(note.addressing.is_listed());
    assert_eq!(note.summary, None);
    assert_eq!(note.in_reply_to(), None);
    let tags: Vec<_> = note.hashtags().filter_map(Hashtag::tag_name).collect();
    assert_eq!(tags, ["fedify", "fedidev", "activitypub"]);
    let media: Vec<_> = note.media().collect();
    assert_eq!(media.len(), 1);
    assert_eq!(media[0].media_type.as_deref(), Some("video/mp4"));
    assert_eq!((media[0].width, media[0].height), (Some(1092), Some(954)));
    assert!(media[0].blurhash.is_some());
    let Some(CollectionRef::Collection(replies)) = &note.replies else {
        panic!("replies should be embedded")
    };
    assert_eq!(replies.kind, CollectionKind::Collection);
    assert_eq!(
        replies
            .first_items()
            .iter()
            .filter_map(ObjectRef::id)
            .collect::<Vec<_>>(),
        ["https://todon.eu/users/hongminhee/statuses/112343493232608516"]
    );
    assert!(note.published_at().is_some());

    let create = activity("mastodon/create_note_focalpoint.json");
    assert_eq!(create.kind, ActivityKind::Create);
    assert_eq!(
        create.signature.as_ref().map(|s| &s["type"]),
        Some(&json!("RsaSignature2017"))
    );
    let note = embedded_object(&create);
    let media = note.media().next().expect("a picture");
    assert_eq!(media.focal_point.as_deref(), Some(&[0.0, 0.0][..]));
    assert_eq!(note.hashtags().count(), 5);

    // `sensitive: null`: the #NSFW hashtag and the content warning are all there is.
    let nsfw = activity("mastodon/create_note_sensitive.json");
    let nsfw = embedded_object(&nsfw);
    assert_eq!(nsfw.sensitive, None);
    assert_eq!(nsfw.summary.as_deref(), Some("cw"));
    assert_eq!(
        nsfw.hashtags()
            .filter_map(Hashtag::tag_name)
            .collect::<Vec<_>>(),
        ["NSFW"]
    );
}

#[test]
fn mastodon_polls_and_votes() {
    let create = activity("mastodon/create_question.json");
    let question = embedded_object(&create);
    assert_eq!(question.kind, ObjectKind::Question);
    let (options, multiple) = question.poll_options().expect("a poll");
    assert!(!multiple);
    assert_eq!(options[0].name.as_deref(), Some("Dunno"));
    assert_eq!(options[0].votes(), Some(0));
    assert!(question.end_time.is_some());

    let vote = activity("mastodon/create_vote.json");
    let choice = embedded_object(&vote);
    assert!(choice.name.is_some());
    assert!(choice.in_reply_to().is_some());
    assert!(choice.content.is_none());

    let docs = object("mastodon/question_docs.json");
    assert!(docs.poll_options().is_some());
}

#[test]
fn mastodon_activities_embed_or_link_their_objects() {
    let update = activity("mastodon/update_actor.json");
    let person = update
        .object()
        .and_then(ObjectRef::as_actor)
        .expect("embedded actor");
    assert_eq!(person.id(), "https://mastodon.art/users/alinamiko");

    let delete = activity("mastodon/delete_note.json");
    let tombstone = embedded_object(&delete);
    assert_eq!(tombstone.kind, ObjectKind::Tombstone);
    assert_eq!(
        delete.object_id(),
        Some("http://mastodon.example.org/users/gargron/statuses/99620895606148759")
    );

    let delete_user = activity("mastodon/delete_user.json");
    assert_eq!(delete_user.object_id(), delete_user.actor_id());

    let undo = activity("mastodon/undo_follow.json");
    let follow = undo
        .object()
        .and_then(ObjectRef::as_activity)
        .expect("embedded Follow");
    assert_eq!(follow.kind, ActivityKind::Follow);
    assert_eq!(
        follow.object_id(),
        Some("http://localtesting.pleroma.lol/users/lain")
    );

    let undo_like = activity("mastodon/undo_like_compact.json");
    assert!(undo_like.object().is_some_and(ObjectRef::is_link));

    for (path, kind) in [
        ("mastodon/follow.json", ActivityKind::Follow),
        ("mastodon/accept_follow.json", ActivityKind::Accept),
        ("mastodon/reject_follow.json", ActivityKind::Reject),
        ("mastodon/announce.json", ActivityKind::Announce),
        ("mastodon/like.json", ActivityKind::Like),
        ("mastodon/block.json", ActivityKind::Block),
    ] {
        let a = activity(path);
        assert_eq!(a.kind, kind, "{path}");
        assert!(a.actor_id().is_some() && a.object_id().is_some(), "{path}");
    }
    assert_eq!(activity("mastodon/like.json").reaction(), None);

    let flag = activity("mastodon/flag.json");
    assert_eq!(flag.object.len(), 3);
    assert!(flag.content.is_some());

    let moved = activity("mastodon/move.json");
    assert_eq!(moved.kind, ActivityKind::Move);
    assert_eq!(moved.object_id(), moved.actor_id());
    assert_eq!(
        moved.target_id(),
        Some("https://alice.com/users/109835986274379")
    );
}

#[test]
fn mastodon_collections() {
    let featured = collection("mastodon/collection_featured.json");
    assert_eq!(featured.kind, CollectionKind::OrderedCollection);
    assert_eq!(featured.total_items, Some(1));
    assert!(featured.items()[0].as_object().is_some());

    let followers = collection("mastodon/collection_followers.json");
    assert!(followers
        .first
        .as_ref()
        .and_then(CollectionRef::id)
        .is_some());

    let page = collection("mastodon/collection_followers_page.json");
    assert_eq!(page.kind, CollectionKind::OrderedCollectionPage);
    assert!(page.items().iter().all(ObjectRef::is_link));
    assert!(page.next_page().is_some());
}

// ---------------------------------------------------------------- GoToSocial

#[test]
fn gotosocial_actors() {
    let a = actor("gotosocial/actor_person.json");
    assert_eq!(
        a.featured(),
        Some("http://localhost:8080/users/the_mighty_zork/collections/featured")
    );
    // GoToSocial has featured posts but does not publish featured hashtags.
    assert_eq!(a.featured_tags(), None);
    assert_eq!(
        a.public_key_pem().map(|p| p.starts_with("-----BEGIN")),
        Some(true)
    );
    assert_eq!(
        a.public_key[0].id,
        "http://localhost:8080/users/the_mighty_zork/main-key"
    );
    assert_eq!(a.header_url().map(|u| u.ends_with(".jpg")), Some(true));
    assert!(a
        .context
        .as_ref()
        .is_some_and(|c| c.contains_iri("https://gotosocial.org/ns")));
    assert!(a.published_at().is_some());
    assert_eq!(a.shared_inbox(), None);

    assert_eq!(
        actor("gotosocial/actor_shared_inbox.json").shared_inbox(),
        Some("http://localhost:8080/sharedInbox")
    );
    let bot = actor("gotosocial/actor_application.json");
    assert!(bot.is_bot());
    let moved = actor("gotosocial/actor_moved.json");
    assert_eq!(
        moved.moved_to(),
        Some("http://localhost:8080/users/1happyturtle")
    );
    assert_eq!(
        moved.also_known_as().collect::<Vec<_>>(),
        ["http://localhost:8080/users/1happyturtle"]
    );
    // A single `tag` object, not an array.
    let emoji = actor("gotosocial/actor_emoji.json");
    assert_eq!(emoji.emojis().count(), 1);
    assert!(emoji.emojis().all(|e| e.icon_url().is_some()));
    assert!(actor("gotosocial/actor_fields.json").fields().count() >= 2);
}

#[test]
fn gotosocial_statuses_and_activities() {
    let note = object("gotosocial/note_tags_emoji.json");
    // `to` and `cc` as bare strings.
    assert!(note.addressing.is_listed());
    assert_eq!(note.addressing.cc.len(), 1);
    assert!(note.emojis().count() >= 1);
    assert!(note.hashtags().count() >= 1);
    let media = note.media().next().expect("media");
    assert_eq!(media.focal_point.as_deref(), Some(&[-0.5, 0.5][..]));
    assert!(media.summary.is_some());
    assert!(object("gotosocial/note_mentions.json").mentions().count() >= 1);

    let create = activity("gotosocial/create_note.json");
    let note = embedded_object(&create);
    assert_eq!(note.summary.as_deref(), Some("introduction post"));
    assert_eq!(note.sensitive, Some(true));
    assert_eq!(note.language(), Some("en"));

    let page = collection("gotosocial/outbox_page.json");
    assert_eq!(page.kind, CollectionKind::OrderedCollectionPage);
    assert!(page.items().iter().all(|i| i.as_activity().is_some()));
    assert!(page.next_page().is_some());

    let boost = activity("gotosocial/announce.json");
    assert_eq!(boost.kind, ActivityKind::Announce);
    assert!(!boost.is_public());

    assert_eq!(activity("gotosocial/flag.json").kind, ActivityKind::Flag);
    assert_eq!(
        activity("gotosocial/accept_like.json").kind,
        ActivityKind::Accept
    );
    let vote = activity("gotosocial/create_poll_vote.json");
    assert!(embedded_object(&vote).name.is_some());
    let moved = activity("gotosocial/move.json");
    assert_eq!(
        moved.target_id(),
        Some("https://another-server.com/users/my_new_account_hurray")
    );
    assert_eq!(
        collection("gotosocial/collection_featured.json")
            .items()
            .len(),
        2
    );
}

// ---------------------------------------------------------------- Pleroma / Akkoma

#[test]
fn pleroma_emoji_tags_source_and_reactions() {
    let a = actor("pleroma/actor_person.json");
    assert_eq!(a.shared_inbox(), Some("https://queer.hacktivis.me/inbox"));
    assert!(a.featured().is_some());

    let note = object("pleroma/note_emoji_summary.json");
    let emoji: Vec<_> = note.emojis().collect();
    assert!(!emoji.is_empty());
    assert!(emoji
        .iter()
        .all(|e| e.shortcode().is_some() && e.icon_url().is_some()));
    // Pleroma's `source` is the bare text.
    assert!(matches!(note.source, Some(Source::Text(_))));
    assert!(note
        .source_text()
        .is_some_and(|s| s.starts_with(":joker_disapprove:")));

    let chat = object("pleroma/chat_message.json");
    assert_eq!(chat.kind, ObjectKind::Other("ChatMessage".into()));

    let react = activity("pleroma/emoji_react.json");
    assert_eq!(react.kind, ActivityKind::EmojiReact);
    assert_eq!(react.reaction(), Some("👌"));

    let custom = activity("akkoma/emoji_react_custom.json");
    assert_eq!(custom.reaction(), Some(":mouse:"));
    let emoji = custom.reaction_emoji().expect("custom emoji in tag");
    assert_eq!(emoji.id, None);
    assert_eq!(
        emoji.icon_url(),
        Some("https://example.org/emoji/mouse/mouse.png")
    );

    let quote = object("akkoma/note_quote.json");
    assert_eq!(
        quote.quote(),
        Some("http://remote.example/status/85717e587f95d5c0")
    );
    assert_eq!(
        quote.source.as_ref().and_then(Source::media_type),
        Some("text/plain")
    );
}

// ---------------------------------------------------------------- Misskey

#[test]
fn misskey_mfm_quotes_and_reactions() {
    let a = actor("misskey/actor_person.json");
    assert_eq!(a.shared_inbox(), Some("https://misskey.io/inbox"));
    assert_eq!(a.shared_inbox, Some("https://misskey.io/inbox".into()));
    assert!(a.avatar_url().is_some());

    let note = object("misskey/note.json");
    assert_eq!(
        note.misskey_content.as_deref(),
        Some("Fantiaこれできないように過去のやつは従量課金だった気がする")
    );
    assert_eq!(note.source_text(), note.misskey_content.as_deref());
    assert!(note.content().is_some_and(|c| c.starts_with("<p>")));

    let quote = object("misskey/note_quote.json");
    assert_eq!(
        quote.misskey_quote.as_deref(),
        Some("https://misskey.io/notes/8vs6wxufd0")
    );
    assert_eq!(quote.quote_url, quote.misskey_quote);
    assert_eq!(quote.quote(), Some("https://misskey.io/notes/8vs6wxufd0"));

    let like = activity("misskey/like_reaction.json");
    assert_eq!(like.reaction(), Some("pudding"));
    let custom = activity("misskey/like_custom_emoji.json");
    assert_eq!(custom.reaction(), Some(":hanapog:"));
    assert_eq!(
        custom.reaction_emoji().and_then(|e| e.id.as_deref()),
        Some("https://misskey.local.live/emojis/hanapog")
    );

    let poll = object("misskey/question.json");
    assert_eq!(poll.poll_options().map(|(o, _)| o.len()), Some(2));
    assert!(poll.misskey_content.is_some());
    assert_eq!(poll.end_time, None);

    let create = activity("misskey/create_note.json");
    assert!(embedded_object(&create).misskey_content.is_some());
}

// ---------------------------------------------------------------- Lemmy

#[test]
fn lemmy_pages_groups_and_announces() {
    let page = object("lemmy/page.json");
    assert_eq!(page.kind, ObjectKind::Page);
    assert_eq!(
        page.attributed_to(),
        Some("https://enterprise.lemmy.ml/u/picard")
    );
    assert_eq!(
        page.audience.first().map(Ref::as_str),
        Some("https://enterprise.lemmy.ml/c/tenforward")
    );
    assert_eq!(page.name.as_deref(), Some("Post title"));
    assert_eq!(
        page.source.as_ref().and_then(Source::media_type),
        Some("text/markdown")
    );
    assert_eq!(
        page.image_url(),
        Some("https://enterprise.lemmy.ml/pictrs/image/eOtYb9iEiB.png")
    );
    // Lemmy's own tag type survives as raw JSON next to the Mention.
    assert!(page
        .tag
        .iter()
        .any(|t| matches!(t, Tag::Other(v) if v["type"] == "CommunityPostTag")));
    assert_eq!(page.mentions().count(), 1);

    let group = actor("lemmy/actor_group.json");
    assert_eq!(group.kind, ActorKind::Group);
    assert_eq!(
        group.attributed_to.first().map(Ref::as_str),
        Some("https://enterprise.lemmy.ml/c/tenforward/moderators")
    );
    assert_eq!(
        group.shared_inbox(),
        Some("https://enterprise.lemmy.ml/inbox")
    );
    assert!(group.public_key_pem().is_some());

    let announce = activity("lemmy/announce_create_page.json");
    assert_eq!(announce.kind, ActivityKind::Announce);
    let create = announce
        .object()
        .and_then(ObjectRef::as_activity)
        .expect("Announce(Create)");
    assert_eq!(create.kind, ActivityKind::Create);
    let inner = embedded_object(create);
    assert_eq!(inner.kind, ObjectKind::Page);
    assert_eq!(
        inner.audience.first().map(Ref::as_str),
        Some("http://enterprise.lemmy.ml/u/main")
    );

    assert_eq!(group.sensitive, Some(false));
    assert_eq!(group.media_type.as_deref(), Some("text/html"));
    assert!(
        actor("lemmy/actor_instance.json").content.is_some(),
        "the sidebar"
    );
    let ban = activity("lemmy/block_user.json");
    assert_eq!(ban.kind, ActivityKind::Block);
    assert!(ban.end_time.is_some());
    assert!(ban.target_id().is_some());

    assert_eq!(
        activity("lemmy/dislike_page.json").kind,
        ActivityKind::Dislike
    );
    assert_eq!(
        activity("lemmy/flag_page.json").summary.as_deref(),
        Some("report this post")
    );
    assert_eq!(object("lemmy/tombstone.json").kind, ObjectKind::Tombstone);
    assert_eq!(
        collection("lemmy/collection_group_followers.json").kind,
        CollectionKind::Collection
    );
}

// ---------------------------------------------------------------- PeerTube

#[test]
fn peertube_video_with_array_attribution() {
    let video = object("peertube/video.json");
    assert_eq!(video.kind, ObjectKind::Video);
    assert_eq!(video.attributed_to.len(), 2);
    assert_eq!(
        video
            .attributed_to
            .iter()
            .filter_map(|r| r.kind.as_deref())
            .collect::<Vec<_>>(),
        ["Person", "Group"]
    );
    // The account is the author; the channel is where it was posted.
    assert_eq!(
        video.attributed_to(),
        Some("https://tilvids.com/accounts/thelinuxexperiment")
    );
    assert_eq!(video.duration.as_deref(), Some("PT1145S"));
    assert_eq!(
        video.url(),
        Some("https://tilvids.com/videos/watch/e7946124-7b72-4ad7-9d22-844a84bb2de1")
    );
    assert_eq!(video.media_type.as_deref(), Some("text/markdown"));
    assert!(
        video.image_url().is_some_and(|u| u.contains("/previews/")),
        "the widest icon"
    );
    assert!(
        video.attachment.is_empty(),
        "`attachment: null` is no attachment"
    );

    let channel = actor("peertube/actor_group_channel.json");
    assert_eq!(channel.kind, ActorKind::Group);
    let create = activity("peertube/create_video_framatube.json");
    assert_eq!(embedded_object(&create).kind, ObjectKind::Video);
    assert!(activity("peertube/announce_video.json")
        .object()
        .is_some_and(ObjectRef::is_link));
}

// ---------------------------------------------------------------- Pixelfed

#[test]
fn pixelfed_posts() {
    let create = activity("pixelfed/create_note_reply.json");
    let note = embedded_object(&create);
    // `tag` is a single object here.
    assert_eq!(
        note.mentions()
            .filter_map(|m| m.href.as_deref())
            .collect::<Vec<_>>(),
        ["https://gram.social/users/Alice"]
    );
    assert_eq!(
        note.in_reply_to(),
        Some("https://gram.social/p/Alice/650350850687790456")
    );
    assert!(note.published_at().is_some());

    let photos = activity("pixelfed/create_note_attachments.json");
    assert!(embedded_object(&photos).media().count() >= 1);

    // "+0000" without a colon.
    let boost = activity("pixelfed/announce.json");
    assert_eq!(boost.published.as_deref(), Some("2023-10-30T12:44:35+0000"));
    assert!(boost.published_at().is_some());
}

// ---------------------------------------------------------------- Fedify, Mitra, FEP-8b32

#[test]
fn fedify_compacted_shapes() {
    let note = object("fedify/note_compacted.json");
    assert_eq!(
        note.addressing.to.first().map(Ref::as_str),
        Some("as:Public")
    );
    assert!(note.is_public() && note.addressing.is_listed());
    assert_eq!(note.sensitive, Some(false), "`as:sensitive`");
    assert_eq!(note.media().count(), 1, "a single attachment object");

    let create = activity("fedify/create_hydrated.json");
    assert_eq!(create.id(), None);
    assert!(embedded_object(&create).is_public());
}

#[test]
fn multikeys_and_integrity_proofs_are_kept() {
    let a = actor("mitra/actor_person_multikey.json");
    assert_eq!(a.assertion_method.len(), 2);
    let ed = a
        .multikey("https://wizard.casa/users/hongminhee#ed25519-key")
        .expect("ed25519 key");
    assert_eq!(ed.kind.as_deref(), Some("Multikey"));
    assert!(ed
        .public_key_multibase
        .as_deref()
        .is_some_and(|k| k.starts_with("z6Mk")));
    assert!(a.public_key_pem().is_some());

    let create = activity("mitra/create_note_proof.json");
    let proof = create.proof.as_ref().expect("proof");
    assert_eq!(proof["cryptosuite"], "eddsa-jcs-2022");
    assert_eq!(proof["type"], "DataIntegrityProof");
    assert!(!embedded_object(&create).audience.is_empty());

    let fep = activity("fep/create_8b32_proof.json");
    assert!(fep.id().is_none() && fep.proof.is_some());
    assert_eq!(embedded_object(&fep).content(), Some("Hello world"));
}

#[test]
fn other_servers() {
    assert!(actor("bridgy/actor_service.json").is_bot());
    assert_eq!(object("mobilizon/event.json").kind, ObjectKind::Event);
    assert_eq!(object("funkwhale/audio.json").kind, ObjectKind::Audio);
    assert!(actor("friendica/actor_person.json")
        .public_key_pem()
        .is_some());
}

/// Shapes the spec allows and some server sends, but no golden file happens to contain.
#[test]
fn tolerates_shapes_missing_from_the_corpus() {
    let a: Actor = serde_json::from_value(json!({
        "id": "https://x.test/u/a",
        "type": ["Person", "x:Custom"],
        "publicKey": [
            "https://x.test/u/a#key-by-reference",
            {"id": "https://x.test/u/a#main-key", "owner": "https://x.test/u/a", "publicKeyPem": "PEM"}
        ],
        "icon": "https://x.test/a.png",
        "image": [{"type": "Image", "url": {"type": "Link", "href": "https://x.test/h.png"}}],
        "endpoints": "https://x.test/endpoints",
        "manuallyApprovesFollowers": "true",
        "unknownThing": {"nested": [1, 2, 3]}
    }))
    .expect("actor");
    assert_eq!(a.kind, ActorKind::Person);
    assert_eq!(a.public_key_pem(), Some("PEM"));
    assert_eq!(
        a.public_key("https://x.test/u/a#main-key")
            .and_then(|k| k.owner.as_deref()),
        Some("https://x.test/u/a")
    );
    assert_eq!(a.avatar_url(), Some("https://x.test/a.png"));
    assert_eq!(a.header_url(), Some("https://x.test/h.png"));
    assert_eq!(
        a.endpoints, None,
        "a malformed `endpoints` is dropped, not fatal"
    );
    assert_eq!(a.manually_approves_followers, Some(true));

    let doc = Document::from_value(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "https://x.test/a/1",
        "type": "https://www.w3.org/ns/activitystreams#Announce",
        "actor": {"type": "Person", "id": "https://x.test/u/a"},
        "object": {"id": "https://y.test/n/1"},
        "to": "Public"
    }))
    .expect("document");
    let boost = doc.as_activity().expect("an activity");
    assert_eq!(boost.kind, ActivityKind::Announce);
    assert_eq!(boost.actor_id(), Some("https://x.test/u/a"));
    assert_eq!(
        boost.object(),
        Some(&ObjectRef::Link("https://y.test/n/1".into()))
    );
    assert!(boost.is_public());

    // A type nobody here models: an actor plus an object makes it an activity.
    let lock = Document::from_value(
        json!({"type": "Lock", "actor": "https://x.test/u/a", "object": "https://x.test/p/1"}),
    )
    .expect("document");
    assert_eq!(
        lock.as_activity().map(|a| &a.kind),
        Some(&ActivityKind::Other("Lock".into()))
    );

    assert!(Document::from_value(json!(["not", "an", "object"])).is_err());
    assert!(Document::from_value(json!({"id": "https://x.test/no-type"})).is_err());
}

// ---------------------------------------------------------------- what we emit

const HOST: &str = "https://bonsai.test";

fn round_trip<T>(value: &T) -> (Value, T)
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let json = serde_json::to_value(value).expect("serialise");
    let back = serde_json::from_value(json.clone()).expect("read back");
    (json, back)
}

fn assert_mastodon_context(json: &Value) {
    let context = json["@context"].as_array().expect("@context array");
    assert_eq!(context[0], ACTIVITYSTREAMS);
    assert_eq!(context[1], SECURITY_V1);
    let terms = &context[2];
    for term in [
        "manuallyApprovesFollowers",
        "discoverable",
        "featured",
        "featuredTags",
        "alsoKnownAs",
        "movedTo",
        "PropertyValue",
        "value",
        "Hashtag",
        "Emoji",
        "sensitive",
        "focalPoint",
        "blurhash",
        "indexable",
        "memorial",
    ] {
        assert!(terms.get(term).is_some(), "@context lacks {term}");
    }
    assert_eq!(terms["toot"], "http://joinmastodon.org/ns#");
    assert_eq!(terms["featured"]["@id"], "toot:featured");
}

fn our_person() -> Actor {
    let id = format!("{HOST}/users/alice");
    Actor {
        preferred_username: Some("alice".into()),
        name: Some("Alice".into()),
        summary: Some("<p>Hi</p>".into()),
        url: Many::one(Link::from(format!("{HOST}/@alice"))),
        inbox: Some(format!("{id}/inbox")),
        outbox: Some(format!("{id}/outbox")),
        followers: Some(Ref::new(format!("{id}/followers"))),
        following: Some(Ref::new(format!("{id}/following"))),
        featured: Some(Ref::new(format!("{id}/collections/featured"))),
        featured_tags: Some(Ref::new(format!("{id}/collections/tags"))),
        endpoints: Some(Endpoints {
            shared_inbox: Some(format!("{HOST}/inbox")),
        }),
        manually_approves_followers: Some(false),
        discoverable: Some(true),
        indexable: Some(false),
        memorial: Some(false),
        published: Some("2024-05-01T00:00:00Z".into()),
        public_key: Many::one(PublicKey::new(
            format!("{id}#main-key"),
            id.clone(),
            "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
        )),
        also_known_as: Many::one(Ref::new("https://old.test/users/alice")),
        tag: Many::from(vec![
            Tag::emoji(
                format!("{HOST}/emojis/1"),
                "blobcat",
                format!("{HOST}/e/blobcat.png"),
                Some("image/png".into()),
                None,
            ),
            Tag::hashtag(format!("{HOST}/tags/rust"), "#rust"),
        ]),
        attachment: Many::one(Attachment::property_value(
            "Site",
            "<a href=\"https://alice.test\">alice.test</a>",
        )),
        icon: Many::one(ImageRef::Image(Image::new(
            format!("{HOST}/a.png"),
            Some("image/png".into()),
        ))),
        image: Many::one(ImageRef::Image(Image::new(
            format!("{HOST}/h.png"),
            Some("image/png".into()),
        ))),
        ..Actor::new(ActorKind::Person, id.clone())
    }
    .with_context(Context::mastodon())
}

#[test]
fn our_person_reads_back_and_looks_like_mastodons() {
    let person = our_person();
    let (json, back) = round_trip(&person);
    assert_eq!(back, person);
    assert_mastodon_context(&json);
    assert_eq!(json["type"], "Person");
    // One key, one object — as Mastodon writes it, not an array.
    assert_eq!(json["publicKey"]["owner"], person.id);
    assert_eq!(json["endpoints"]["sharedInbox"], format!("{HOST}/inbox"));
    assert_eq!(json["url"], format!("{HOST}/@alice"));
    assert_eq!(json["icon"]["type"], "Image");
    assert_eq!(
        json["attachment"][0],
        json!({"type": "PropertyValue", "name": "Site", "value": "<a href=\"https://alice.test\">alice.test</a>"})
    );
    assert_eq!(json["tag"][0]["type"], "Emoji");
    assert_eq!(json["tag"][0]["name"], ":blobcat:");
    assert_eq!(json["alsoKnownAs"], json!(["https://old.test/users/alice"]));
    assert_eq!(
        json["featuredTags"],
        format!("{HOST}/users/alice/collections/tags")
    );
    assert!(json.get("movedTo").is_none());
    assert_eq!(back.public_key_pem(), person.public_key_pem());

    let bot = Actor {
        preferred_username: Some("bot".into()),
        moved_to: Some(Ref::new("https://new.test/users/bot")),
        ..Actor::new(ActorKind::Service, format!("{HOST}/users/bot"))
    }
    .with_context(Context::mastodon());
    let (json, back) = round_trip(&bot);
    assert_eq!(json["type"], "Service");
    assert_eq!(json["movedTo"], "https://new.test/users/bot");
    assert!(back.is_bot());
    assert_eq!(back, bot);
}

fn our_note() -> Object {
    let alice = format!("{HOST}/users/alice");
    let id = format!("{alice}/statuses/1");
    Object {
        summary: Some("cw".into()),
        sensitive: Some(true),
        in_reply_to: Some(Ref::new("https://remote.test/notes/9")),
        published: Some("2024-05-01T12:00:00Z".into()),
        url: Many::one(Link::from(format!("{HOST}/@alice/1"))),
        addressing: Addressing {
            to: Many::one(Ref::new(PUBLIC)),
            cc: Many::from(vec![
                Ref::new(format!("{alice}/followers")),
                Ref::new("https://remote.test/users/bob"),
            ]),
            ..Addressing::default()
        },
        content: Some("<p>Hello <span class=\"h-card\">@bob</span> #rust :blobcat:</p>".into()),
        content_map: Some([("en".to_owned(), "<p>Hello</p>".to_owned())].into()),
        tag: Many::from(vec![
            Tag::mention("https://remote.test/users/bob", "@bob@remote.test"),
            Tag::hashtag(format!("{HOST}/tags/rust"), "#rust"),
            Tag::emoji(
                format!("{HOST}/emojis/1"),
                "blobcat",
                format!("{HOST}/e/blobcat.png"),
                Some("image/png".into()),
                None,
            ),
        ]),
        attachment: Many::one(Attachment::Media(Media {
            blurhash: Some("UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH".into()),
            focal_point: Some(vec![0.0, -0.5]),
            width: Some(640),
            height: Some(480),
            ..Media::document(format!("{HOST}/m/1.png"), "image/png", Some("alt".into()))
        })),
        replies: Some(CollectionRef::Collection(Box::new(Collection {
            first: Some(CollectionRef::Collection(Box::new(Collection {
                next: Some(CollectionRef::Link(format!("{id}/replies?page=true"))),
                part_of: Some(Ref::new(format!("{id}/replies"))),
                ..Collection::new(CollectionKind::CollectionPage)
            }))),
            id: Some(format!("{id}/replies")),
            ..Collection::new(CollectionKind::Collection)
        }))),
        ..Object::note(id.clone(), alice)
    }
}

#[test]
fn our_note_and_tombstone_read_back() {
    let note = our_note().with_context(Context::mastodon());
    let (json, back) = round_trip(&note);
    assert_eq!(back, note);
    assert_mastodon_context(&json);
    assert_eq!(json["type"], "Note");
    assert_eq!(json["to"], json!([PUBLIC]));
    assert_eq!(json["attributedTo"], format!("{HOST}/users/alice"));
    assert_eq!(json["inReplyTo"], "https://remote.test/notes/9");
    assert_eq!(json["attachment"][0]["type"], "Document");
    assert_eq!(json["attachment"][0]["url"], format!("{HOST}/m/1.png"));
    assert_eq!(json["attachment"][0]["focalPoint"], json!([0.0, -0.5]));
    assert_eq!(
        json["tag"][0],
        json!({"type": "Mention", "href": "https://remote.test/users/bob", "name": "@bob@remote.test"})
    );
    assert_eq!(json["contentMap"]["en"], "<p>Hello</p>");
    assert_eq!(json["replies"]["first"]["type"], "CollectionPage");
    assert!(is_public(&back.addressing) && back.addressing.is_listed());
    assert_eq!(back.mentions().count(), 1);
    assert_eq!(
        back.emojis().next().and_then(Emoji::shortcode),
        Some("blobcat")
    );

    let tombstone = Object::tombstone(format!("{HOST}/users/alice/statuses/1"));
    let (json, back) = round_trip(&tombstone);
    assert_eq!(
        json,
        json!({"id": format!("{HOST}/users/alice/statuses/1"), "type": "Tombstone"})
    );
    assert_eq!(back, tombstone);
}

#[test]
fn our_activities_read_back() {
    let alice = format!("{HOST}/users/alice");
    let bob = "https://remote.test/users/bob".to_owned();
    let public = Addressing {
        to: Many::one(Ref::new(PUBLIC)),
        cc: Many::one(Ref::new(format!("{alice}/followers"))),
        ..Addressing::default()
    };
    let note = our_note();
    let follow = Activity::new(
        ActivityKind::Follow,
        format!("{alice}#follows/1"),
        alice.clone(),
        bob.clone(),
    )
    .with_context(Context::activitystreams());

    let mut activities = vec![
        Activity::new(
            ActivityKind::Create,
            format!("{}/activity", note.id().unwrap_or_default()),
            alice.clone(),
            note.clone(),
        )
        .with_addressing(public.clone()),
        Activity::new(
            ActivityKind::Update,
            format!("{alice}#updates/1"),
            alice.clone(),
            our_person(),
        )
        .with_addressing(public.clone()),
        Activity::new(
            ActivityKind::Delete,
            format!("{alice}/statuses/1#delete"),
            alice.clone(),
            Object::tombstone(format!("{alice}/statuses/1")),
        )
        .with_addressing(public.clone()),
        follow.clone(),
        Activity::new(
            ActivityKind::Accept,
            format!("{alice}#accepts/follows/2"),
            alice.clone(),
            follow.clone(),
        ),
        Activity::new(
            ActivityKind::Reject,
            format!("{alice}#rejects/follows/2"),
            alice.clone(),
            follow.clone(),
        ),
        Activity::new(
            ActivityKind::Undo,
            format!("{alice}#follows/1/undo"),
            alice.clone(),
            follow.clone(),
        ),
        Activity::new(
            ActivityKind::Announce,
            format!("{alice}/statuses/2/activity"),
            alice.clone(),
            "https://remote.test/notes/9",
        )
        .with_addressing(public.clone()),
        Activity::new(
            ActivityKind::Like,
            format!("{alice}#likes/3"),
            alice.clone(),
            "https://remote.test/notes/9",
        ),
    ];
    for a in &mut activities {
        if a.context.is_none() {
            a.context = Some(Context::mastodon());
        }
    }

    for a in &activities {
        let (json, back) = round_trip(a);
        assert_eq!(&back, a, "{}", a.kind);
        assert_eq!(json["type"], a.kind.as_str());
        assert_eq!(json["actor"], alice);
        assert!(json.get("@context").is_some());
        // Through the generic entry point too.
        let doc = Document::from_value(json.clone()).expect("document");
        assert_eq!(doc.as_activity(), Some(a));
    }

    let create = &activities[0];
    let json = serde_json::to_value(create).expect("json");
    assert_mastodon_context(&json);
    assert_eq!(json["object"]["type"], "Note");
    assert!(create.is_public());
    assert_eq!(json["object"]["id"], json!(note.id()));

    let follow_json = serde_json::to_value(&follow).expect("json");
    assert_eq!(
        follow_json,
        json!({
            "@context": ACTIVITYSTREAMS,
            "id": format!("{alice}#follows/1"),
            "type": "Follow",
            "actor": alice,
            "object": bob,
        })
    );
    let accept = serde_json::to_value(&activities[4]).expect("json");
    assert_eq!(accept["object"]["type"], "Follow");
    assert_eq!(accept["object"]["object"], bob);
    assert_eq!(
        serde_json::to_value(&activities[1]).expect("json")["object"]["type"],
        "Person"
    );
    assert_eq!(
        serde_json::to_value(&activities[2]).expect("json")["object"]["type"],
        "Tombstone"
    );
}

#[test]
fn our_collections_read_back() {
    let outbox = Collection::ordered(
        format!("{HOST}/users/alice/outbox"),
        42,
        format!("{HOST}/users/alice/outbox?page=true"),
    )
    .with_context(Context::activitystreams());
    let (json, back) = round_trip(&outbox);
    assert_eq!(back, outbox);
    assert_eq!(
        json,
        json!({
            "@context": ACTIVITYSTREAMS,
            "id": format!("{HOST}/users/alice/outbox"),
            "type": "OrderedCollection",
            "totalItems": 42,
            "first": format!("{HOST}/users/alice/outbox?page=true"),
        })
    );

    let create = Activity::new(
        ActivityKind::Create,
        format!("{HOST}/users/alice/statuses/1/activity"),
        format!("{HOST}/users/alice"),
        our_note(),
    );
    let page = Collection {
        next: Some(CollectionRef::Link(format!(
            "{HOST}/users/alice/outbox?page=true&max_id=1"
        ))),
        ..Collection::ordered_page(
            format!("{HOST}/users/alice/outbox?page=true"),
            format!("{HOST}/users/alice/outbox"),
            vec![
                create.into(),
                ObjectRef::from(format!("{HOST}/users/alice/statuses/0")),
            ],
        )
    }
    .with_context(Context::mastodon());
    let (json, back) = round_trip(&page);
    assert_eq!(back, page);
    assert_eq!(json["type"], "OrderedCollectionPage");
    assert_eq!(json["partOf"], format!("{HOST}/users/alice/outbox"));
    assert_eq!(json["orderedItems"][0]["type"], "Create");
    assert_eq!(
        json["orderedItems"][1],
        format!("{HOST}/users/alice/statuses/0")
    );
    assert_eq!(back.items().len(), 2);
}
