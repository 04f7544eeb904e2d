-- Local statuses that were deleted: their ActivityPub ids answer 410 Gone from then on.
CREATE TABLE tombstones (
    uri TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX tombstones_account ON tombstones (account_id);

-- Custom emoji, keyed like Mastodon's by (shortcode, domain); domain '' is this server.
-- Remote images are not cached yet, so image_url is the other server's URL.
CREATE TABLE custom_emojis (
    id INTEGER PRIMARY KEY,
    shortcode TEXT NOT NULL,
    domain TEXT NOT NULL DEFAULT '',
    uri TEXT NOT NULL DEFAULT '',
    image_url TEXT NOT NULL,
    visible_in_picker INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (shortcode, domain)
);
