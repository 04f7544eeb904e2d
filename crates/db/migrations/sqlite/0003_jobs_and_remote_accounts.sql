-- The durable job queue, and what we need to know about remote actors to talk to them.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    run_at INTEGER NOT NULL,
    locked_until INTEGER,
    last_error TEXT,
    failed_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (queue, run_at);

ALTER TABLE accounts ADD COLUMN inbox_url TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN shared_inbox_url TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN followers_url TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN fetched_at INTEGER;
CREATE INDEX accounts_key_id ON accounts (key_id);

-- Activity ids already processed, so a redelivered activity is handled once.
CREATE TABLE processed_activities (
    uri TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
);
