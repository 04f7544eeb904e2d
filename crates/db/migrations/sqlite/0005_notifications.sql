-- Notifications for local accounts: follow, follow_request, mention, favourite, reblog.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    status_id INTEGER REFERENCES statuses (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
CREATE INDEX notifications_account ON notifications (account_id, id);
