//! ActivityPub <-> model: the one place our rows become wire types, and remote actors and
//! posts become rows.

use bonsai_core::model::{
    Account, CustomEmoji, Field, MediaAttachment, MediaFocus, MediaMeta, MediaSize, MediaType,
    Processing, RemoteEndpoints, Status,
};
use bonsai_core::text::{escape_html, is_valid_shortcode, sanitize_remote_html};
use bonsai_core::timestamp::Timestamp;
use bonsai_core::visibility::Visibility;
use bonsai_federation::wire::{
    is_public_address, parse_datetime, Activity, ActivityKind, Actor, ActorKind, Addressing,
    Attachment, Collection, CollectionKind, CollectionRef, Context, Emoji, Endpoints, Link, Many,
    Media, Object, ObjectKind, ObjectRef, PublicKey, Ref, Tag, PUBLIC,
};

use crate::views::StatusView;
use crate::Services;

/// The key id Mastodon uses, and so the one peers expect: `{actor}#main-key`.
pub fn key_id(actor_uri: &str) -> String {
    format!("{actor_uri}#main-key")
}

impl Services {
    /// Where the instance's shared inbox is.
    pub fn shared_inbox_url(&self) -> String {
        format!("{}/inbox", self.config().base_url())
    }

    /// A local account as its actor; `moved_to` is the ActivityPub id of the account it moved
    /// to, if it has (see `Services::local_actor_document`).
    pub fn actor_document(&self, a: &Account, moved_to: Option<&str>) -> Actor {
        let uri = a.uri.clone();
        let kind = if a.bot {
            ActorKind::Service
        } else {
            ActorKind::Person
        };
        let mut actor = Actor::new(kind, uri.clone()).with_context(Context::mastodon());
        actor.following = Some(Ref::new(format!("{uri}/following")));
        actor.followers = Some(Ref::new(format!("{uri}/followers")));
        actor.inbox = Some(format!("{uri}/inbox"));
        actor.outbox = Some(format!("{uri}/outbox"));
        actor.featured = Some(Ref::new(format!("{uri}/collections/featured")));
        actor.featured_tags = Some(Ref::new(format!("{uri}/collections/tags")));
        actor.preferred_username = Some(a.username.clone());
        actor.name = Some(a.display_name.clone());
        actor.summary = Some(a.note.clone());
        // Uploaded profile pictures, as Mastodon's `icon` (avatar) and `image` (header).
        let picture = |p: &bonsai_core::model::ProfileImage| {
            let media_type = match p.url.rsplit('.').next() {
                Some("png") => "image/png",
                Some("webp") => "image/webp",
                Some("gif") => "image/gif",
                _ => "image/jpeg",
            };
            Many::one(bonsai_federation::wire::ImageRef::Image(
                bonsai_federation::wire::Image::new(p.url.clone(), Some(media_type.to_string())),
            ))
        };
        if let Some(p) = &a.avatar {
            actor.icon = picture(p);
        }
        if let Some(p) = &a.header {
            actor.image = picture(p);
        }
        actor.url = Many::one(a.url.clone().into());
        actor.manually_approves_followers = Some(a.locked);
        actor.discoverable = Some(a.discoverable);
        actor.indexable = Some(false);
        actor.memorial = Some(false);
        actor.published = Some(a.created_at.to_rfc3339());
        actor.public_key = Many::one(PublicKey::new(
            key_id(&uri),
            uri.clone(),
            a.public_key_pem.clone(),
        ));
        actor.endpoints = Some(Endpoints {
            shared_inbox: Some(self.shared_inbox_url()),
        });
        for f in &a.fields {
            actor.attachment.push(Attachment::property_value(
                escape_html(&f.name),
                escape_html(&f.value),
            ));
        }
        actor.also_known_as = a.also_known_as.iter().cloned().map(Ref::new).collect();
        actor.moved_to = moved_to.map(Ref::new);
        actor
    }

    /// The `Update` of a local actor that tells its followers' servers about a changed profile
    /// (aliases, `movedTo`), as Mastodon sends it: public, id `{actor}#updates/{time}`.
    pub fn actor_update_activity(&self, a: &Account, moved_to: Option<&str>) -> Activity {
        let mut actor = self.actor_document(a, moved_to);
        actor.context = None;
        Activity::new(
            ActivityKind::Update,
            format!("{}#updates/{}", a.uri, a.updated_at.millis()),
            a.uri.clone(),
            actor,
        )
        .with_context(Context::mastodon())
        .with_addressing(Addressing {
            to: Many::one(Ref::new(PUBLIC)),
            ..Addressing::default()
        })
    }

    /// `old` (local) announces that it moved to `new`: `Move {actor: old, object: old,
    /// target: new}`, id `{old}#moves/{move_id}`.
    pub fn move_activity(&self, old: &Account, new: &Account, move_id: i64) -> Activity {
        let mut mv = Activity::new(
            ActivityKind::Move,
            format!("{}#moves/{move_id}", old.uri),
            old.uri.clone(),
            old.uri.clone(),
        )
        .with_context(Context::mastodon());
        mv.target = Some(ObjectRef::Link(new.uri.clone()));
        mv
    }

    /// Who a status is addressed to, per Mastodon's visibility mapping.
    fn addressing(&self, v: &StatusView) -> Addressing {
        let followers = format!("{}/followers", v.account.account.uri);
        let mentioned: Vec<Ref> = v.mentions.iter().map(|m| Ref::new(m.uri.clone())).collect();
        let (to, cc) = match v.status.visibility {
            Visibility::Public => (
                vec![Ref::new(PUBLIC)],
                [vec![Ref::new(followers)], mentioned].concat(),
            ),
            Visibility::Unlisted => (
                vec![Ref::new(followers)],
                [vec![Ref::new(PUBLIC)], mentioned].concat(),
            ),
            Visibility::Private => (vec![Ref::new(followers)], mentioned),
            Visibility::Direct => (mentioned, Vec::new()),
        };
        Addressing {
            to: to.into(),
            cc: cc.into(),
            ..Addressing::default()
        }
    }

    /// A status as a `Note`. `in_reply_to` is the parent's ActivityPub id, if any.
    pub fn note_document(&self, v: &StatusView, in_reply_to: Option<&str>) -> Object {
        let s = &v.status;
        let base = self.config().base_url();
        let mut note = Object::note(s.uri.clone(), v.account.account.uri.clone());
        note.addressing = self.addressing(v);
        note.summary = (!s.spoiler_text.is_empty()).then(|| s.spoiler_text.clone());
        note.in_reply_to = in_reply_to.map(Ref::new);
        note.published = Some(s.created_at.to_rfc3339());
        note.updated = s.edited_at.map(|t| t.to_rfc3339());
        note.url = Many::one(s.url.clone().into());
        note.sensitive = Some(s.sensitive);
        note.content = Some(s.content.clone());
        if let Some(lang) = &s.language {
            note.content_map = Some([(lang.clone(), s.content.clone())].into_iter().collect());
        }
        for m in &v.mentions {
            let name = match &m.domain {
                Some(d) => format!("@{}@{d}", m.username),
                None => format!("@{}@{}", m.username, self.config().domain),
            };
            note.tag.push(Tag::mention(m.uri.clone(), name));
        }
        for t in &v.tags {
            note.tag.push(Tag::hashtag(
                format!("{base}/tags/{}", t.name),
                format!("#{}", t.display_name),
            ));
        }
        for e in &v.emojis {
            note.tag.push(Tag::emoji(
                e.uri.clone(),
                &e.shortcode,
                e.image_url.clone(),
                None,
                None,
            ));
        }
        for m in &v.media_attachments {
            if let Some(doc) = media_document(m) {
                note.attachment.push(Attachment::Media(doc));
            }
        }
        if s.local {
            // What Mastodon embeds before anyone has replied; the served document fills in the
            // author's own replies (`status_document`).
            note.replies = Some(CollectionRef::Collection(Box::new(replies_collection(
                &s.uri,
                &[],
            ))));
        }
        note
    }

    /// `Create` of a status, as it appears in the outbox (and, later, in deliveries).
    pub fn create_activity(&self, v: &StatusView, in_reply_to: Option<&str>) -> Activity {
        Activity::wrap(
            ActivityKind::Create,
            format!("{}/activity", v.status.uri),
            self.note_document(v, in_reply_to),
        )
    }

    /// A boost as an `Announce` of the original's id.
    pub fn announce_activity(&self, v: &StatusView, original_uri: &str) -> Activity {
        let mut a = Activity::new(
            ActivityKind::Announce,
            v.status.uri.clone(),
            v.account.account.uri.clone(),
            original_uri.to_string(),
        );
        a.published = Some(v.status.created_at.to_rfc3339());
        a.addressing = self.addressing(&StatusView {
            mentions: Vec::new(),
            ..v.clone()
        });
        a
    }
}

/// An attachment as Mastodon's `Document`: file URL and type, alt text as `name` (written
/// even when null), blurhash, focal point and size; a video's or audio's preview as `icon`.
fn media_document(m: &MediaAttachment) -> Option<Media> {
    let (url, preview) = match &m.file {
        Some(f) => (f.url.clone()?, f.preview_url.clone()),
        None if !m.remote_url.is_empty() => (m.remote_url.clone(), m.thumbnail_remote_url.clone()),
        None => return None,
    };
    let media_type = m
        .content_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".to_string());
    let mut doc = Media::document(url, media_type, m.description.clone());
    doc.blurhash = m.blurhash.clone();
    doc.focal_point = m.meta.focus.map(|f| vec![f.x, f.y]);
    if let Some(o) = m.meta.original {
        doc.width = Some(u64::from(o.width));
        doc.height = Some(u64::from(o.height));
    }
    if m.kind != MediaType::Image {
        doc.icon = preview.map(|p| {
            bonsai_federation::wire::ImageRef::Image(bonsai_federation::wire::Image::new(
                p,
                Some("image/jpeg".to_string()),
            ))
        });
    }
    Some(doc)
}

/// How many of the author's own replies a local Note embeds in its `replies` (as Mastodon).
pub const SELF_REPLIES_IN_NOTE: i64 = 5;

/// The `replies` collection Mastodon embeds in a Note: its first page lists the author's own
/// public replies (`self_replies`, oldest first) and points on to the next page, or to the
/// other accounts' replies.
pub fn replies_collection(status_uri: &str, self_replies: &[Status]) -> Collection {
    let id = format!("{status_uri}/replies");
    let next = match self_replies.last() {
        Some(last) => format!("{id}?min_id={}&page=true", last.id),
        None => format!("{id}?only_other_accounts=true&page=true"),
    };
    let page = Collection {
        next: Some(CollectionRef::Link(next)),
        part_of: Some(Ref::new(id.clone())),
        items: self_replies
            .iter()
            .map(|s| ObjectRef::from(s.uri.clone()))
            .collect::<Vec<_>>()
            .into(),
        ..Collection::new(CollectionKind::CollectionPage)
    };
    Collection {
        id: Some(id),
        first: Some(CollectionRef::Collection(Box::new(page))),
        ..Collection::new(CollectionKind::Collection)
    }
}

/// Bounds on what one remote post may carry.
/// How many `alsoKnownAs` aliases an account keeps (ours and remote ones).
pub const MAX_ALIASES: usize = 16;
pub const MAX_NOTE_MENTIONS: usize = 50;
pub const MAX_NOTE_HASHTAGS: usize = 20;
pub const MAX_OBJECT_EMOJIS: usize = 50;
/// The longest emoji image or id URL kept.
pub const MAX_EMOJI_URL: usize = 2048;
const MAX_SPOILER_CHARS: usize = 1000;
/// How many attachments of one remote post are kept. Mastodon keeps four of a local post
/// (`Status::MEDIA_ATTACHMENTS_LIMIT`) but more of a remote one
/// (`Status::REMOTE_MEDIA_ATTACHMENTS_LIMIT`, 16: Misskey posts carry up to 16 files).
pub const MAX_NOTE_ATTACHMENTS: usize = 16;
/// The longest attachment or thumbnail URL kept.
pub const MAX_MEDIA_URL: usize = 2048;
/// Alt text is cut to this many characters (Mastodon's `MAX_DESCRIPTION_LENGTH`).
pub const MAX_MEDIA_DESCRIPTION_CHARS: usize = 1500;
/// Longer blurhashes than 9×9 components need are not blurhashes.
const MAX_BLURHASH_CHARS: usize = 4 + 2 * 81;
/// Larger pixel sizes than this are nonsense, not metadata.
const MAX_MEDIA_DIMENSION: u64 = 100_000;

/// A remote post as it will be stored, before its parent and mentions are looked up here.
#[derive(Debug, Clone)]
pub struct RemoteNote {
    /// The status row; `in_reply_to_id`/`in_reply_to_account_id` are left for the caller.
    pub status: Status,
    /// The parent's ActivityPub id.
    pub in_reply_to: Option<String>,
    /// Who is mentioned (`Mention` hrefs), bounded.
    pub mentions: Vec<String>,
    /// Hashtag names without `#`, bounded and de-duplicated (case-insensitively).
    pub hashtags: Vec<String>,
    /// Custom emoji from the `tag` list, on the author's domain, bounded and checked.
    pub emojis: Vec<CustomEmoji>,
    /// Media from the `attachment` list, in order, bounded and checked. Their `id` is 0 until
    /// they are stored.
    pub media: Vec<MediaAttachment>,
}

/// Who may see a remote post, from its audience as Mastodon reads it: public in `to`, public
/// in `cc` (unlisted), the author's followers in `to` (private), else direct.
pub fn remote_visibility(addressing: &Addressing, followers_url: &str) -> Visibility {
    if addressing.to.iter().any(|r| is_public_address(r.as_str())) {
        Visibility::Public
    } else if addressing.cc.iter().any(|r| is_public_address(r.as_str())) {
        Visibility::Unlisted
    } else if !followers_url.is_empty() && addressing.to.iter().any(|r| r.as_str() == followers_url)
    {
        Visibility::Private
    } else {
        Visibility::Direct
    }
}

/// Whether `url` is an absolute `https` URL we are willing to hand to clients.
fn acceptable_https(url: &str) -> bool {
    url.len() <= MAX_EMOJI_URL
        && url::Url::parse(url)
            .map(|u| u.scheme() == "https" && u.host_str().is_some_and(|h| !h.is_empty()))
            .unwrap_or(false)
}

/// Custom emoji from `Emoji` tags, as rows of `domain`: valid shortcodes with an `https`
/// image, the first of each shortcode, at most [`MAX_OBJECT_EMOJIS`].
pub fn remote_emojis<'a>(
    tags: impl Iterator<Item = &'a Emoji>,
    domain: Option<&str>,
) -> Vec<CustomEmoji> {
    let mut out: Vec<CustomEmoji> = Vec::new();
    for e in tags {
        if out.len() == MAX_OBJECT_EMOJIS {
            break;
        }
        let Some(code) = e.shortcode().filter(|c| is_valid_shortcode(c)) else {
            continue;
        };
        let Some(url) = e.icon_url().filter(|u| acceptable_https(u)) else {
            continue;
        };
        if out.iter().any(|o| o.shortcode == code) {
            continue;
        }
        out.push(CustomEmoji {
            shortcode: code.to_string(),
            domain: domain.map(str::to_string),
            uri: e
                .id
                .clone()
                .filter(|u| acceptable_https(u))
                .unwrap_or_default(),
            image_url: url.to_string(),
            visible_in_picker: false,
        });
    }
    out
}

/// Whether `url` is an absolute `http(s)` URL of at most [`MAX_MEDIA_URL`] bytes; the URL as
/// parsed (normalised) if so.
fn acceptable_media_url(url: &str) -> Option<String> {
    if url.len() > MAX_MEDIA_URL {
        return None;
    }
    let parsed = url::Url::parse(url).ok()?;
    let ok = matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some_and(|h| !h.is_empty());
    let out = String::from(parsed);
    (ok && out.len() <= MAX_MEDIA_URL).then_some(out)
}

/// The value of one base-83 blurhash digit.
fn base83(c: u8) -> Option<usize> {
    const DIGITS: &[u8] =
        b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
    DIGITS.iter().position(|d| *d == c)
}

/// Whether `hash` is a well-formed blurhash with at most 5×5 components, as Mastodon accepts.
fn acceptable_blurhash(hash: &str) -> bool {
    let bytes = hash.as_bytes();
    if bytes.len() < 6
        || bytes.len() > MAX_BLURHASH_CHARS
        || !bytes.iter().all(|b| base83(*b).is_some())
    {
        return false;
    }
    let Some(size) = base83(bytes[0]) else {
        return false;
    };
    let (x, y) = (size % 9 + 1, size / 9 + 1);
    x <= 5 && y <= 5 && bytes.len() == 4 + 2 * x * y
}

/// The link of an attachment's `url` that is its file: the first marked as image, video or
/// audio (PeerTube lists its watch page and playlists too), else the first.
fn media_link(media: &Media) -> Option<&Link> {
    media
        .url
        .iter()
        .find(|l| {
            l.href().is_some()
                && l.media_type()
                    .is_some_and(|t| MediaType::from_mime(t) != MediaType::Unknown)
        })
        .or_else(|| media.url.iter().find(|l| l.href().is_some()))
}

/// One `Document`/`Image`/`Video`/`Audio` attachment as Mastodon reads it, for `author`'s
/// status `status_id`; `None` without a usable `http(s)` URL.
pub fn remote_media(
    media: &Media,
    status_id: i64,
    author: &Account,
    now: Timestamp,
) -> Option<MediaAttachment> {
    let link = media_link(media)?;
    let remote_url = acceptable_media_url(link.href()?)?;
    let content_type = media
        .media_type
        .as_deref()
        .or_else(|| link.media_type())
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 255 && t.contains('/'))
        .map(str::to_ascii_lowercase);
    // The MIME type decides; without a telling one, the object's type. A GIF stays an image:
    // Mastodon makes GIFs `gifv` only once it has transcoded them, and nothing here is.
    let kind = match content_type.as_deref().map(MediaType::from_mime) {
        Some(k) if k != MediaType::Unknown => k,
        _ => match media.kind.as_str() {
            "Image" => MediaType::Image,
            "Video" => MediaType::Video,
            "Audio" => MediaType::Audio,
            _ => MediaType::Unknown,
        },
    };
    // GoToSocial puts the alt text in `summary`; Mastodon reads it first.
    let description = [media.summary.as_deref(), media.name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|d| !d.is_empty())
        .map(|d| {
            d.chars()
                .take(MAX_MEDIA_DESCRIPTION_CHARS)
                .collect::<String>()
        });
    let dimension = |v: Option<u64>| {
        v.filter(|v| (1..=MAX_MEDIA_DIMENSION).contains(v))
            .and_then(|v| u32::try_from(v).ok())
    };
    let original = match (dimension(media.width), dimension(media.height)) {
        (Some(width), Some(height)) => Some(MediaSize { width, height }),
        _ => None,
    };
    let focus = match media.focal_point.as_deref() {
        Some([x, y]) if x.is_finite() && y.is_finite() => Some(MediaFocus {
            x: x.clamp(-1.0, 1.0),
            y: y.clamp(-1.0, 1.0),
        }),
        _ => None,
    };
    Some(MediaAttachment {
        id: 0,
        status_id: Some(status_id),
        account_id: author.id,
        kind,
        content_type,
        remote_url,
        thumbnail_remote_url: media
            .icon
            .as_ref()
            .and_then(|i| i.url())
            .and_then(acceptable_media_url),
        description,
        blurhash: media
            .blurhash
            .as_deref()
            .filter(|b| acceptable_blurhash(b))
            .map(str::to_string),
        meta: MediaMeta {
            original,
            focus,
            ..MediaMeta::default()
        },
        file: None,
        processing: Processing::Complete,
        created_at: now,
    })
}

/// The media a remote post carries, in order, at most [`MAX_NOTE_ATTACHMENTS`].
pub fn remote_media_list(
    note: &Object,
    status_id: i64,
    author: &Account,
    now: Timestamp,
) -> Vec<MediaAttachment> {
    note.media()
        .filter_map(|m| remote_media(m, status_id, author, now))
        .take(MAX_NOTE_ATTACHMENTS)
        .collect()
}

/// The HTML a remote post shows. Articles and pages (blog posts, Lemmy threads) lead with their
/// title, and link to themselves when they have no body.
pub fn remote_content(note: &Object) -> String {
    let body = sanitize_remote_html(note.content().unwrap_or(""));
    if !matches!(note.kind, ObjectKind::Article | ObjectKind::Page) {
        return body;
    }
    let title = note
        .name
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .or_else(|| note.name_map.as_ref()?.values().next().map(String::as_str))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(title) = title else { return body };
    let title: String = title.chars().take(500).collect();
    let mut html = format!("<p><strong>{}</strong></p>", escape_html(&title));
    if !body.trim().is_empty() {
        html.push_str(&body);
    } else if let Some(url) = note
        .url()
        .or(note.id())
        .filter(|u| url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "https" | "http")))
    {
        let url = escape_html(url);
        html.push_str(&format!(
            "<p><a href=\"{url}\" rel=\"nofollow noopener\" target=\"_blank\">{url}</a></p>"
        ));
    }
    html
}

/// A remote Note/Article/Page/Question as a status of `author`, with id `new_id`. `uri` is the
/// post's id; `followers_url` the author's followers collection (for private posts); `now`
/// bounds the publication time (a post from the future is dated now).
pub fn remote_note(
    note: &Object,
    uri: &str,
    author: &Account,
    followers_url: &str,
    new_id: i64,
    now: Timestamp,
) -> RemoteNote {
    let created = note
        .published
        .as_deref()
        .and_then(parse_datetime)
        .map(|t| Timestamp::from_millis((t.unix_timestamp_nanos() / 1_000_000) as i64))
        .filter(|t| *t <= now)
        .unwrap_or(now);
    let spoiler = note
        .summary
        .as_deref()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            note.summary_map
                .as_ref()?
                .values()
                .next()
                .map(String::as_str)
        })
        .unwrap_or("");
    let language = note
        .language()
        .or_else(|| {
            [&note.name_map, &note.summary_map]
                .into_iter()
                .find_map(|m| m.as_ref()?.keys().find(|l| *l != "und"))
                .map(String::as_str)
        })
        .filter(|l| !l.is_empty() && l.len() <= 10)
        .map(str::to_string);
    let url = note
        .url()
        .filter(|u| url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "https" | "http")))
        .unwrap_or(uri);
    let status = Status {
        id: new_id,
        uri: uri.to_string(),
        url: url.to_string(),
        account_id: author.id,
        in_reply_to_id: None,
        in_reply_to_account_id: None,
        reblog_of_id: None,
        text: String::new(),
        content: remote_content(note),
        spoiler_text: spoiler.chars().take(MAX_SPOILER_CHARS).collect(),
        sensitive: note.sensitive.unwrap_or(false),
        visibility: remote_visibility(&note.addressing, followers_url),
        language,
        application_id: None,
        local: false,
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at: created,
        edited_at: None,
    };
    let mut mentions: Vec<String> = Vec::new();
    for href in note.mentions().filter_map(|m| m.href.as_deref()) {
        if mentions.len() == MAX_NOTE_MENTIONS {
            break;
        }
        if !mentions.iter().any(|m| m == href) {
            mentions.push(href.to_string());
        }
    }
    let mut hashtags: Vec<String> = Vec::new();
    for name in note
        .hashtags()
        .filter_map(|h| h.tag_name())
        .filter(|n| !n.is_empty() && n.len() <= 100)
    {
        if hashtags.len() == MAX_NOTE_HASHTAGS {
            break;
        }
        if !hashtags.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            hashtags.push(name.to_string());
        }
    }
    RemoteNote {
        status,
        in_reply_to: note.in_reply_to().map(str::to_string),
        mentions,
        hashtags,
        emojis: remote_emojis(note.emojis(), author.domain.as_deref()),
        media: remote_media_list(note, new_id, author, now),
    }
}

/// A remote actor as an account row (with id `new_id` if it is new) plus where to reach it.
/// `None` when the actor lacks what we need to talk to it (username, inbox, key).
pub fn remote_account(actor: &Actor, new_id: i64) -> Option<(Account, RemoteEndpoints)> {
    let id = actor.id().to_string();
    let domain = crate::federation::authority(&id)?;
    let username = actor.preferred_username.clone().filter(|u| !u.is_empty())?;
    let key = actor
        .public_key
        .iter()
        .find(|k| k.public_key_pem.is_some())?;
    let now = Timestamp::now();
    let account = Account {
        id: new_id,
        username,
        domain: Some(domain),
        display_name: actor
            .name
            .clone()
            .unwrap_or_default()
            .chars()
            .take(100)
            .collect(),
        note: sanitize_remote_html(actor.summary.as_deref().unwrap_or("")),
        note_source: String::new(),
        locked: actor.manually_approves_followers.unwrap_or(false),
        bot: matches!(actor.kind, ActorKind::Service | ActorKind::Application),
        discoverable: actor.discoverable.unwrap_or(false),
        fields: actor
            .fields()
            .take(16)
            .map(|f| Field {
                name: f.name.clone().unwrap_or_default(),
                value: sanitize_remote_html(f.value.as_deref().unwrap_or("")),
                verified_at: None,
            })
            .collect(),
        url: actor.url().unwrap_or(&id).to_string(),
        public_key_pem: key.public_key_pem.clone().unwrap_or_default(),
        private_key_pem: None,
        uri: id.clone(),
        followers_count: 0,
        following_count: 0,
        statuses_count: 0,
        last_status_at: None,
        created_at: now,
        updated_at: now,
        also_known_as: actor
            .also_known_as()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .take(MAX_ALIASES)
            .map(str::to_string)
            .collect(),
        moved_to_account_id: None,
        avatar: None,
        header: None,
    };
    let endpoints = RemoteEndpoints {
        inbox_url: actor.inbox.clone()?,
        shared_inbox_url: actor.shared_inbox().unwrap_or("").to_string(),
        followers_url: actor.followers().unwrap_or("").to_string(),
        key_id: key.id.clone(),
    };
    Some((account, endpoints))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use bonsai_federation::wire::Document;

    fn golden(path: &str) -> Object {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../federation/tests/golden/");
        let bytes = std::fs::read(format!("{root}{path}")).unwrap();
        match Document::from_slice(&bytes).unwrap() {
            Document::Object(o) => *o,
            Document::Activity(a) => match a.object() {
                Some(ObjectRef::Object(o)) => (**o).clone(),
                other => panic!("{path}: {other:?}"),
            },
            other => panic!("{path}: {other:?}"),
        }
    }

    fn media_of(note: &Object) -> Vec<MediaAttachment> {
        remote_media_list(note, 42, &test_author(), Timestamp::from_millis(1_000))
    }

    fn media_json(value: serde_json::Value) -> Vec<MediaAttachment> {
        let note: Object = serde_json::from_value(serde_json::json!({
            "id": "https://remote.example/notes/1",
            "type": "Note",
            "attachment": value,
        }))
        .unwrap();
        media_of(&note)
    }

    /// A remote author (a golden Mastodon actor) with id 7.
    fn test_author() -> Account {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../federation/tests/golden/");
        let bytes = std::fs::read(format!("{root}mastodon/actor_person_gargron.json")).unwrap();
        let Ok(Document::Actor(actor)) = Document::from_slice(&bytes) else {
            panic!("not an actor");
        };
        remote_account(&actor, 7).unwrap().0
    }

    #[test]
    fn mastodon_image_with_focal_point() {
        let media = media_of(&golden("mastodon/create_note_focalpoint.json"));
        assert_eq!(media.len(), 1);
        let m = &media[0];
        assert_eq!(m.kind, MediaType::Image);
        assert_eq!(m.status_id, Some(42));
        assert_eq!(m.account_id, 7);
        assert_eq!(
            m.remote_url,
            "https://files.mastodon.social/media_attachments/files/111/000/969/389/195/221/original/f264dc16c1ce2a45.png"
        );
        assert_eq!(m.content_type.as_deref(), Some("image/png"));
        assert!(m
            .description
            .as_deref()
            .unwrap()
            .starts_with("Screenshot from Capture One"));
        assert_eq!(
            m.blurhash.as_deref(),
            Some("U48NqcIA9ZX8t8axofs,0JRjxat7D$t8xuIU")
        );
        assert_eq!(
            m.meta.original,
            Some(MediaSize {
                width: 2200,
                height: 1384
            })
        );
        assert_eq!(m.meta.focus, Some(MediaFocus { x: 0.0, y: 0.0 }));
        assert_eq!(m.thumbnail_remote_url, None);
    }

    #[test]
    fn mastodon_video_and_plain_document() {
        let media = media_of(&golden("mastodon/note_todon.json"));
        assert_eq!(media.len(), 1);
        assert_eq!(media[0].kind, MediaType::Video);
        assert!(media[0]
            .remote_url
            .ends_with("/original/f83659866f94054f.mp4"));
        assert_eq!(
            media[0].description.as_deref(),
            Some("The demo video on my terminal")
        );
        assert_eq!(
            media[0].meta.original,
            Some(MediaSize {
                width: 1092,
                height: 954
            })
        );
        assert!(media[0].blurhash.is_some());

        // `name: null`, no blurhash, no size; an http URL (Pleroma's capture) is kept.
        let media = media_of(&golden("mastodon/create_note_attachment.json"));
        assert_eq!(media.len(), 1);
        assert_eq!(media[0].kind, MediaType::Image);
        assert_eq!(
            media[0].remote_url,
            "http://mastodon.example.org/system/media_attachments/files/000/000/002/original/334ce029e7bfb920.jpg"
        );
        assert_eq!(media[0].description, None);
        assert_eq!(media[0].blurhash, None);
        assert_eq!(media[0].meta, MediaMeta::default());
    }

    #[test]
    fn pixelfed_image() {
        let media = media_of(&golden("pixelfed/create_note_attachments.json"));
        assert_eq!(media.len(), 1);
        let m = &media[0];
        assert_eq!(m.kind, MediaType::Image);
        assert!(m.remote_url.starts_with("https://pxscdn.com/public/m/_v2/"));
        assert_eq!(
            m.description.as_deref(),
            Some("Stickers on the glass from the stairs, casting long and colourful shadows from the sun.")
        );
        assert_eq!(
            m.blurhash.as_deref(),
            Some("U9AmM5?GIp9b~UNGoeRk4=E2oeax4;ofxtWB")
        );
        assert_eq!(
            m.meta.original,
            Some(MediaSize {
                width: 1620,
                height: 1080
            })
        );
    }

    #[test]
    fn gotosocial_alt_text_in_summary() {
        let media = media_of(&golden("gotosocial/note_tags_emoji.json"));
        assert_eq!(media.len(), 1);
        let m = &media[0];
        assert_eq!(m.kind, MediaType::Image);
        assert_eq!(
            m.description.as_deref(),
            Some("Black and white image of some 50's style text saying: Welcome On Board")
        );
        assert_eq!(m.blurhash.as_deref(), Some("LIIE|gRj00WB-;j[t7j[4nWBj[Rj"));
        assert_eq!(m.meta.focus, Some(MediaFocus { x: -0.5, y: 0.5 }));
        assert!(m
            .remote_url
            .starts_with("http://localhost:8080/fileserver/"));
    }

    #[test]
    fn lemmy_image_kept_link_skipped() {
        let media = media_of(&golden("lemmy/page_image_and_link.json"));
        assert_eq!(media.len(), 1);
        assert_eq!(media[0].kind, MediaType::Image);
        assert_eq!(
            media[0].remote_url,
            "https://enterprise.lemmy.ml/pictrs/image/eOtYb9iEiB.png"
        );
    }

    /// Misskey's `renderDocument`: `Document`, the drive file's MIME type, `name` the comment
    /// (often null). No golden Misskey note carries files, so this is built after its source.
    #[test]
    fn misskey_documents() {
        let media = media_json(serde_json::json!([
            {"type": "Document", "mediaType": "image/webp",
             "url": "https://misskey.example/files/webpublic-1.webp", "name": null, "sensitive": false},
            {"type": "Document", "mediaType": "audio/mpeg",
             "url": "https://misskey.example/files/2.mp3", "name": "a song"},
            {"type": "Document", "mediaType": "application/pdf",
             "url": "https://misskey.example/files/3.pdf", "name": "a paper"},
            {"type": "Document", "mediaType": "image/gif",
             "url": "https://misskey.example/files/4.gif"}
        ]));
        let kinds: Vec<MediaType> = media.iter().map(|m| m.kind).collect();
        assert_eq!(
            kinds,
            [
                MediaType::Image,
                MediaType::Audio,
                MediaType::Unknown,
                MediaType::Image
            ]
        );
        assert_eq!(media[0].description, None);
        assert_eq!(media[1].description.as_deref(), Some("a song"));
        assert_eq!(media[2].content_type.as_deref(), Some("application/pdf"));
    }

    /// PeerTube describes a video by a list of links (watch page, HLS playlist, MP4 files):
    /// the file is the first link with a video type.
    #[test]
    fn peertube_links_pick_the_file() {
        let video = golden("peertube/create_video_framatube.json");
        let mut value = serde_json::to_value(&video.url).unwrap();
        if !value.is_array() {
            value = serde_json::json!([value]);
        }
        let media = media_json(serde_json::json!([{
            "type": "Video",
            "url": value,
            "name": video.name,
            "icon": {"type": "Image", "url": "https://framatube.org/static/previews/a.jpg"}
        }]));
        assert_eq!(media.len(), 1);
        let m = &media[0];
        assert_eq!(m.kind, MediaType::Video);
        assert_eq!(
            m.remote_url,
            "https://framatube.org/static/webseed/6050732a-8a7a-43d4-a6cd-809525a1d206-1080.mp4"
        );
        assert_eq!(m.content_type.as_deref(), Some("video/mp4"));
        assert_eq!(
            m.thumbnail_remote_url.as_deref(),
            Some("https://framatube.org/static/previews/a.jpg")
        );
        assert_eq!(
            m.description.as_deref(),
            Some("Déframasoftisons Internet [Framasoft]")
        );
    }

    #[test]
    fn media_is_bounded_and_checked() {
        let many: Vec<serde_json::Value> = (0..20)
            .map(|i| serde_json::json!({"type": "Image", "url": format!("https://remote.example/{i}.png")}))
            .collect();
        let media = media_json(serde_json::Value::Array(many));
        assert_eq!(media.len(), MAX_NOTE_ATTACHMENTS);
        assert!(media[0].remote_url.ends_with("/0.png"));
        assert!(media[15].remote_url.ends_with("/15.png"));

        let long = format!("https://remote.example/{}", "a".repeat(MAX_MEDIA_URL));
        let media = media_json(serde_json::json!([
            {"type": "Image", "url": "ftp://remote.example/a.png"},
            {"type": "Image", "url": "javascript:alert(1)"},
            {"type": "Image", "url": "/relative.png"},
            {"type": "Image", "url": long},
            {"type": "Image"},
            {"type": "Image", "mediaType": "image/png", "url": "https://remote.example/ok.png",
             "name": "x".repeat(3000), "blurhash": "not a blurhash!",
             "focalPoint": [5.0, -3.0], "width": 0, "height": 10},
            {"type": "Audio", "url": "https://remote.example/a.ogg", "summary": "  ", "name": " alt "}
        ]));
        assert_eq!(media.len(), 2, "{media:?}");
        let m = &media[0];
        assert_eq!(m.remote_url, "https://remote.example/ok.png");
        assert_eq!(
            m.description.as_ref().unwrap().chars().count(),
            MAX_MEDIA_DESCRIPTION_CHARS
        );
        assert_eq!(m.blurhash, None);
        assert_eq!(m.meta.focus, Some(MediaFocus { x: 1.0, y: -1.0 }));
        assert_eq!(m.meta.original, None);
        assert_eq!(media[1].kind, MediaType::Audio);
        assert_eq!(media[1].description.as_deref(), Some("alt"));
    }

    #[test]
    fn blurhash_components_are_bounded() {
        assert!(acceptable_blurhash("LIIE|gRj00WB-;j[t7j[4nWBj[Rj"));
        // 9x9 components: well-formed but more than Mastodon accepts.
        let big = format!("~{}", "0".repeat(3 + 2 * 81));
        assert!(!acceptable_blurhash(&big));
        // Wrong length for its size flag.
        assert!(!acceptable_blurhash("LIIE|gRj00WB-;j[t7j[4nWBj[R"));
    }

    #[test]
    fn remote_note_carries_media() {
        let note = golden("mastodon/create_note_focalpoint.json");
        let uri = note.id().unwrap().to_string();
        let n = remote_note(&note, &uri, &test_author(), "", 99, Timestamp::now());
        assert_eq!(n.media.len(), 1);
        assert_eq!(n.media[0].status_id, Some(99));
    }

    /// Every actor in the golden corpus that can be talked to maps to an account on its own
    /// domain, with sanitised HTML.
    #[test]
    fn golden_actors_map_to_accounts() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../federation/tests/golden");
        let mut mapped = 0;
        let mut servers = std::collections::BTreeSet::new();
        for server in std::fs::read_dir(root).unwrap() {
            let server = server.unwrap().path();
            if !server.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&server).unwrap() {
                let path = file.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                let Ok(Document::Actor(actor)) = Document::from_slice(&bytes) else {
                    continue;
                };
                let reachable = actor.inbox.is_some()
                    && actor.preferred_username.is_some()
                    && actor.public_key_pem().is_some();
                let result = remote_account(&actor, 1);
                assert_eq!(result.is_some(), reachable, "{}", path.display());
                if let Some((a, ep)) = result {
                    let host = url::Url::parse(actor.id())
                        .unwrap()
                        .host_str()
                        .unwrap()
                        .to_string();
                    assert!(
                        a.domain.as_deref().unwrap().starts_with(&host),
                        "{}",
                        path.display()
                    );
                    assert!(!a.note.contains("<script"), "{}", path.display());
                    assert_eq!(ep.inbox_url, actor.inbox.clone().unwrap());
                    assert!(a.public_key_pem.contains("PUBLIC KEY"));
                    mapped += 1;
                    servers.insert(server.file_name().unwrap().to_string_lossy().into_owned());
                }
            }
        }
        assert!(mapped >= 20, "only {mapped} golden actors mapped");
        assert!(servers.len() >= 6, "{servers:?}");
    }
}
