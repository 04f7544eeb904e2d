-- Favourites. Reblogs are statuses with reblog_of_id (see 0001).
CREATE TABLE favourites (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX favourites_pair ON favourites (account_id, status_id);
CREATE INDEX favourites_status ON favourites (status_id);
-- "Has this account reblogged that status?" for every status a viewer sees.
CREATE INDEX statuses_reblogger ON statuses (account_id, reblog_of_id);
