-- Local statuses that were deleted: their ActivityPub ids answer 410 Gone from then on.
CREATE TABLE tombstones (
    uri TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX tombstones_account ON tombstones (account_id);

-- Custom emoji, keyed like Mastodon's by (shortcode, domain); domain '' is this server.
-- Remote images are not cached yet, so image_url is the other server's URL.
CREATE TABLE custom_emojis (
    id BIGINT PRIMARY KEY,
    shortcode TEXT NOT NULL,
    domain TEXT NOT NULL DEFAULT '',
    uri TEXT NOT NULL DEFAULT '',
    image_url TEXT NOT NULL,
    visible_in_picker BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (shortcode, domain)
);
