-- Instance-wide values kept in the database rather than the config file, such as the
-- instance actor's key pair (generated once, shared by every process on this database).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
