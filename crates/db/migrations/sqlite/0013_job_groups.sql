-- Jobs that must run one at a time and in order share a group (inbox activities of one
-- remote actor: a Create must not race its own Update or Delete). Partial: most jobs
-- (deliveries) have no group and so cost this index nothing.
ALTER TABLE jobs ADD COLUMN group_key TEXT;
CREATE INDEX jobs_group ON jobs (queue, group_key, id) WHERE group_key IS NOT NULL;
