//! Text for generated posts: plain words (so search finds something), a fixed set of hashtags
//! (so tag timelines have depth) and mentions.

use crate::rng::Rng;

pub const TAGS: &[&str] = &[
    "bonsai",
    "rustlang",
    "fediverse",
    "gardening",
    "photography",
    "music",
    "books",
    "cats",
    "coffee",
    "hiking",
    "cooking",
    "linux",
    "art",
    "science",
    "travel",
    "running",
    "movies",
    "gaming",
    "retro",
    "til",
];

pub const WORDS: &[&str] = &[
    "morning", "garden", "river", "window", "quiet", "bright", "kettle", "letter", "bicycle",
    "mountain", "harbour", "lantern", "meadow", "pebble", "thunder", "orchard", "library",
    "compass", "teacup", "sparrow", "village", "autumn", "winter", "summer", "spring", "notebook",
    "pencil", "market", "bridge", "forest", "island", "candle", "blanket", "cloud", "sunset",
    "harvest", "journey", "melody", "puzzle", "recipe", "station", "theatre", "tunnel", "valley",
    "weather", "yellow", "zephyr", "anchor", "basket", "cottage", "dragon", "engine", "feather",
    "glacier", "hammock", "insect", "jigsaw", "kernel", "ladder", "mirror", "needle", "outpost",
    "paddle", "quartz", "ribbon", "saddle", "timber", "umbrella", "velvet", "walnut", "the", "a",
    "today", "finally", "again", "small", "slow", "little", "server", "compiler",
];

/// `n` words separated by spaces, capitalised and ended like a sentence.
pub fn sentence(rng: &mut Rng, n: usize) -> String {
    let mut out = String::with_capacity(n * 8);
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(rng.pick(WORDS).copied().unwrap_or("word"));
    }
    if let Some(first) = out.get(0..1) {
        let upper = first.to_ascii_uppercase();
        out.replace_range(0..1, &upper);
    }
    out.push('.');
    out
}

/// A post of 8–40 words with 0–2 hashtags and the given mention in front.
pub fn post(rng: &mut Rng, mention: Option<&str>) -> String {
    let mut text = String::new();
    if let Some(m) = mention {
        text.push('@');
        text.push_str(m);
        text.push(' ');
    }
    let words = 8 + rng.below(33);
    text.push_str(&sentence(rng, words));
    let tags = if rng.chance(0.6) { 1 + rng.below(2) } else { 0 };
    for _ in 0..tags {
        text.push_str(" #");
        text.push_str(rng.pick(TAGS).copied().unwrap_or("bonsai"));
    }
    text
}

/// A search query: a word, a hashtag or a user name.
pub fn query(rng: &mut Rng, usernames: &[String]) -> String {
    match rng.below(3) {
        0 => rng.pick(WORDS).copied().unwrap_or("garden").to_string(),
        1 => format!("#{}", rng.pick(TAGS).copied().unwrap_or("bonsai")),
        _ => rng
            .pick(usernames)
            .cloned()
            .unwrap_or_else(|| "admin".to_string()),
    }
}
