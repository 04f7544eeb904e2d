-- Earlier versions of edited statuses, for /api/v1/statuses/:id/history.
CREATE TABLE status_edits (
    id BIGINT PRIMARY KEY,
    status_id BIGINT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    spoiler_text TEXT NOT NULL,
    sensitive BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX status_edits_status ON status_edits (status_id, id);
