-- Media on statuses, shaped like Mastodon's `media_attachments` so that local uploads and the
-- remote-media cache can add their file columns later. For now every row is a remote post's
-- attachment: `remote_url` is the other server's file and nothing is stored here.
-- `status_id` is nullable for uploads not yet attached to a post.
CREATE TABLE media_attachments (
    id INTEGER PRIMARY KEY,
    status_id INTEGER REFERENCES statuses (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- image, gifv, video, audio or unknown (Mastodon's MediaAttachment#type).
    type TEXT NOT NULL,
    -- The MIME type the other server gave, if any.
    content_type TEXT,
    remote_url TEXT NOT NULL DEFAULT '',
    thumbnail_remote_url TEXT,
    description TEXT,
    blurhash TEXT,
    -- JSON like Mastodon's file_meta: {"original": {"width", "height"}, "focus": {"x", "y"}}.
    meta TEXT NOT NULL DEFAULT '{}',
    -- Order within the post (an edit may reorder without changing ids).
    position INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX media_attachments_status ON media_attachments (status_id, position);
CREATE INDEX media_attachments_account ON media_attachments (account_id);
