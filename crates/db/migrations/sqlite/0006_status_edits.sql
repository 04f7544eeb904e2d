-- Earlier versions of edited statuses, for /api/v1/statuses/:id/history.
CREATE TABLE status_edits (
    id INTEGER PRIMARY KEY,
    status_id INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    spoiler_text TEXT NOT NULL,
    sensitive INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX status_edits_status ON status_edits (status_id, id);
