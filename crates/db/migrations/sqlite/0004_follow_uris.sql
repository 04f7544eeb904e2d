-- The ActivityPub id of the Follow activity behind a follow or request, so Accept, Reject
-- and Undo can name it.
ALTER TABLE follows ADD COLUMN uri TEXT NOT NULL DEFAULT '';
ALTER TABLE follow_requests ADD COLUMN uri TEXT NOT NULL DEFAULT '';
