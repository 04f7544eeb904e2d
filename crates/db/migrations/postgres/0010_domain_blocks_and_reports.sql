-- A user's own domain blocks (Mastodon's account_domain_blocks): that server's posts and
-- notifications are hidden from them, and follows both ways end.
CREATE TABLE account_domain_blocks (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    domain TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX account_domain_blocks_pair ON account_domain_blocks (account_id, domain);

-- Reports (Flag): filed by local users through the API or by remote servers through a Flag.
-- status_ids and rule_ids are space-separated ids (no arrays: portable SQL).
CREATE TABLE reports (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_ids TEXT NOT NULL DEFAULT '',
    rule_ids TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT 'other',
    forwarded BOOLEAN NOT NULL DEFAULT FALSE,
    uri TEXT,
    action_taken_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX reports_uri ON reports (uri);
CREATE INDEX reports_target ON reports (target_account_id);
