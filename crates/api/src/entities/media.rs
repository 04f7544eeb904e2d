use serde::Serialize;
use serde_json::{json, Map, Value};

use bonsai_core::model;

/// Mastodon's `MediaAttachment`. Remote files are not cached yet, so their `url` and
/// `preview_url` point at the other server: the preview is its thumbnail when it gave one,
/// else the file. Local uploads point at our store (null while processing).
#[derive(Debug, Serialize)]
pub struct MediaAttachment {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub url: Option<String>,
    pub preview_url: Option<String>,
    pub remote_url: Option<String>,
    pub preview_remote_url: Option<String>,
    pub text_url: Option<String>,
    pub meta: Option<Value>,
    pub description: Option<String>,
    pub blurhash: Option<String>,
}

/// `{"width", "height", "size": "WxH", "aspect"}` as Paperclip describes a version of a file.
fn size_meta(s: &model::MediaSize) -> Value {
    json!({
        "width": s.width,
        "height": s.height,
        "size": format!("{}x{}", s.width, s.height),
        "aspect": f64::from(s.width) / f64::from(s.height.max(1)),
    })
}

impl MediaAttachment {
    pub fn new(m: &model::MediaAttachment) -> Self {
        match &m.file {
            Some(f) => Self::local(m, f),
            None => Self::remote(m),
        }
    }

    fn local(m: &model::MediaAttachment, f: &model::LocalFile) -> Self {
        let mut meta = Map::new();
        let mut original = match &m.meta.original {
            Some(s) => size_meta(s),
            None => json!({}),
        };
        if let Value::Object(o) = &mut original {
            if let Some(r) = &m.meta.frame_rate {
                o.insert("frame_rate".into(), json!(r));
            }
            if let Some(d) = m.meta.duration {
                o.insert("duration".into(), json!(d));
            }
            if let Some(b) = m.meta.bitrate {
                o.insert("bitrate".into(), json!(b));
            }
            if !o.is_empty() {
                meta.insert("original".into(), original);
            }
        }
        if let Some(s) = &m.meta.small {
            meta.insert("small".into(), size_meta(s));
        }
        if let Some(fo) = &m.meta.focus {
            meta.insert("focus".into(), json!({ "x": fo.x, "y": fo.y }));
        }
        Self {
            id: m.id.to_string(),
            kind: m.kind.as_str(),
            url: f.url.clone(),
            preview_url: f.preview_url.clone(),
            remote_url: None,
            preview_remote_url: None,
            text_url: None,
            meta: (!meta.is_empty()).then_some(Value::Object(meta)),
            description: m.description.clone(),
            blurhash: m.blurhash.clone(),
        }
    }

    fn remote(m: &model::MediaAttachment) -> Self {
        let mut meta = Map::new();
        if let Some(s) = &m.meta.original {
            meta.insert("original".into(), size_meta(s));
            // The preview is the file itself (or the thumbnail, of unknown size).
            if m.thumbnail_remote_url.is_none() {
                meta.insert("small".into(), size_meta(s));
            }
        }
        if let Some(f) = &m.meta.focus {
            meta.insert("focus".into(), json!({ "x": f.x, "y": f.y }));
        }
        let remote = (!m.remote_url.is_empty()).then(|| m.remote_url.clone());
        Self {
            id: m.id.to_string(),
            kind: m.kind.as_str(),
            url: remote.clone(),
            preview_url: m.thumbnail_remote_url.clone().or_else(|| remote.clone()),
            remote_url: remote,
            preview_remote_url: m.thumbnail_remote_url.clone(),
            text_url: None,
            meta: (!meta.is_empty()).then_some(Value::Object(meta)),
            description: m.description.clone(),
            blurhash: m.blurhash.clone(),
        }
    }
}
