use serde::Serialize;

use bonsai_core::model;

/// Mastodon's `CustomEmoji`. Remote images are not cached yet, so both URLs are the image on
/// the emoji's own server.
#[derive(Debug, Serialize)]
pub struct CustomEmoji {
    pub shortcode: String,
    pub url: String,
    pub static_url: String,
    pub visible_in_picker: bool,
}

impl CustomEmoji {
    pub fn new(e: &model::CustomEmoji) -> Self {
        Self {
            shortcode: e.shortcode.clone(),
            url: e.image_url.clone(),
            static_url: e.image_url.clone(),
            visible_in_picker: e.visible_in_picker,
        }
    }
}
