-- Account migration (Move): the URIs an account says are also its own (`alsoKnownAs`, a JSON
-- array of strings, as `fields`), and the account it moved to (`movedTo`).
-- Keep in step with ../sqlite/0015_account_moves.sql.
ALTER TABLE accounts ADD COLUMN also_known_as TEXT NOT NULL DEFAULT '[]';
ALTER TABLE accounts ADD COLUMN moved_to_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL;
