-- The durable job queue, and what we need to know about remote actors to talk to them.
CREATE TABLE jobs (
    id BIGINT PRIMARY KEY,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    run_at BIGINT NOT NULL,
    locked_until BIGINT,
    last_error TEXT,
    failed_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (queue, run_at);

ALTER TABLE accounts ADD COLUMN inbox_url TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN shared_inbox_url TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN followers_url TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN fetched_at BIGINT;
CREATE INDEX accounts_key_id ON accounts (key_id);

-- Activity ids already processed, so a redelivered activity is handled once.
CREATE TABLE processed_activities (
    uri TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);
