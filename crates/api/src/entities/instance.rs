//! `/api/v1/instance`, `/api/v2/instance` and NodeInfo documents.

use serde_json::{json, Value};

use bonsai_service::instance::InstanceStats;
use bonsai_service::{InstanceConfig, Registrations};

use super::account::Account;

/// The Mastodon version we present, with our own after it, as other compatible servers do.
/// Clients parse the leading `x.y.z` to decide which API features to use.
pub const MASTODON_VERSION: &str = "4.3.0";

pub fn version_string() -> String {
    format!(
        "{MASTODON_VERSION} (compatible; Bonsai {})",
        env!("CARGO_PKG_VERSION")
    )
}

fn statuses_config(c: &InstanceConfig) -> Value {
    json!({
        "max_characters": c.max_toot_chars,
        "max_media_attachments": 4,
        "characters_reserved_per_url": 23
    })
}

/// What uploads we accept: the types the processor recognises (audio and video only with
/// ffmpeg), the configured sizes, and the processor's pixel and frame-rate bounds.
fn media_config(c: &InstanceConfig, video: bool) -> Value {
    let mut types = vec!["image/jpeg", "image/png", "image/gif", "image/webp"];
    if video {
        types.extend([
            "video/mp4",
            "video/quicktime",
            "video/webm",
            "audio/mpeg",
            "audio/mp3",
            "audio/ogg",
            "audio/flac",
            "audio/wav",
            "audio/wave",
            "audio/x-wav",
            "audio/aac",
            "audio/mp4",
            "audio/x-m4a",
        ]);
    }
    let m = &c.media;
    json!({
        "supported_mime_types": types,
        "description_limit": bonsai_service::media::MAX_DESCRIPTION_CHARS,
        "image_size_limit": m.image_size_limit,
        // Larger images are refused before decoding.
        "image_matrix_limit": m.limits.max_image_pixels,
        "video_size_limit": if video { m.video_size_limit } else { 0 },
        // Larger videos are accepted and downscaled to this many pixels, as Mastodon does.
        "video_matrix_limit": m.limits.max_video_pixels,
        // Faster frame rates are capped at 60 when transcoding.
        "video_frame_rate_limit": 120
    })
}

fn polls_config() -> Value {
    json!({
        "max_options": 4,
        "max_characters_per_option": 50,
        "min_expiration": 300,
        "max_expiration": 2_629_746
    })
}

fn thumbnail_url(c: &InstanceConfig) -> String {
    format!("{}/headers/original/missing.png", c.base_url())
}

pub fn v1(
    c: &InstanceConfig,
    stats: &InstanceStats,
    contact: Option<Account>,
    video: bool,
) -> Value {
    json!({
        "uri": c.domain,
        "title": c.title,
        "short_description": c.description,
        "description": c.description,
        "email": c.contact_email,
        "version": version_string(),
        "urls": { "streaming_api": c.streaming_url() },
        "stats": {
            "user_count": stats.user_count,
            "status_count": stats.status_count,
            "domain_count": stats.domain_count
        },
        "thumbnail": thumbnail_url(c),
        "languages": ["en"],
        "registrations": c.registrations != Registrations::Closed,
        "approval_required": c.registrations == Registrations::Approval,
        "invites_enabled": false,
        "configuration": {
            "accounts": { "max_featured_tags": 10 },
            "statuses": statuses_config(c),
            "media_attachments": media_config(c, video),
            "polls": polls_config()
        },
        "contact_account": contact,
        "rules": []
    })
}

pub fn v2(
    c: &InstanceConfig,
    stats: &InstanceStats,
    contact: Option<Account>,
    video: bool,
) -> Value {
    let base = c.base_url();
    json!({
        "domain": c.domain,
        "title": c.title,
        "version": version_string(),
        "source_url": "https://github.com/bonsai-social/bonsai",
        "description": c.description,
        "usage": { "users": { "active_month": stats.active_month } },
        "thumbnail": { "url": thumbnail_url(c), "blurhash": null, "versions": {} },
        "icon": [],
        "languages": ["en"],
        "configuration": {
            "urls": {
                "streaming": c.streaming_url(),
                "status": null,
                "about": format!("{base}/about"),
                "privacy_policy": null,
                "terms_of_service": null
            },
            "vapid": { "public_key": "" },
            "accounts": { "max_featured_tags": 10, "max_pinned_statuses": 5 },
            "statuses": statuses_config(c),
            "media_attachments": media_config(c, video),
            "polls": polls_config(),
            "translation": { "enabled": false }
        },
        "registrations": {
            "enabled": c.registrations != Registrations::Closed,
            "approval_required": c.registrations == Registrations::Approval,
            "reason_required": c.registrations == Registrations::Approval,
            "message": null,
            "min_age": null,
            "url": null
        },
        "api_versions": { "mastodon": 2 },
        "contact": { "email": c.contact_email, "account": contact },
        "rules": []
    })
}

pub fn nodeinfo(c: &InstanceConfig, stats: &InstanceStats, schema: &str) -> Value {
    let mut software = json!({ "name": "bonsai", "version": env!("CARGO_PKG_VERSION") });
    if schema == "2.1" {
        software["repository"] = json!("https://github.com/bonsai-social/bonsai");
        software["homepage"] = json!("https://github.com/bonsai-social/bonsai");
    }
    json!({
        "version": schema,
        "software": software,
        "protocols": ["activitypub"],
        "services": { "outbound": [], "inbound": [] },
        "usage": {
            "users": {
                "total": stats.user_count,
                "activeMonth": stats.active_month,
                "activeHalfyear": stats.active_halfyear
            },
            "localPosts": stats.status_count
        },
        "openRegistrations": c.registrations == Registrations::Open,
        "metadata": {
            "nodeName": c.title,
            "nodeDescription": c.description,
            // Client libraries (megalodon, masto) pick their Mastodon code path from this.
            "upstream": { "name": "mastodon", "version": MASTODON_VERSION }
        }
    })
}
