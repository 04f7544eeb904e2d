-- Local uploads (POST /api/v{1,2}/media): the processed files live in the media store under
-- these keys; `processing` says whether they exist yet. Remote attachments leave all of this
-- NULL ('complete' is implied). `meta` (JSON) gains small/duration/frame_rate/bitrate.
ALTER TABLE media_attachments ADD COLUMN file_key TEXT;
ALTER TABLE media_attachments ADD COLUMN thumbnail_key TEXT;
ALTER TABLE media_attachments ADD COLUMN file_size INTEGER;
-- complete, queued or failed (Mastodon's processing states; NULL = complete).
ALTER TABLE media_attachments ADD COLUMN processing TEXT;
-- The raw upload on local disk while it waits for the media job.
ALTER TABLE media_attachments ADD COLUMN upload_path TEXT;
-- Uploads never attached to a post are removed after a while: find them without a scan.
CREATE INDEX media_attachments_unattached ON media_attachments (updated_at) WHERE status_id IS NULL;
-- Edit history keeps each version's attachments (ids in order, JSON) and their alt text then
-- (JSON list, null where none), as Mastodon's status_edits do.
ALTER TABLE status_edits ADD COLUMN media_attachment_ids TEXT;
ALTER TABLE status_edits ADD COLUMN media_descriptions TEXT;
-- Local accounts' uploaded avatar and header: store key (to delete it) and public URL.
ALTER TABLE accounts ADD COLUMN avatar_key TEXT;
ALTER TABLE accounts ADD COLUMN avatar_url TEXT;
ALTER TABLE accounts ADD COLUMN header_key TEXT;
ALTER TABLE accounts ADD COLUMN header_url TEXT;
