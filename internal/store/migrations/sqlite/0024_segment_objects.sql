-- Video in S3 (issue 12, docs/S3.md): object_key is where a segment lives
-- in the bucket once uploaded; NULL while it is only on its recorder's
-- disk. path stays the segment's identity (and its local file while the
-- recorder keeps a copy).
ALTER TABLE segments ADD COLUMN object_key TEXT;

-- The disk-space floor of a recorder that uploads to S3 may only drop
-- segments that are not yet uploaded (the rest are safe in the bucket),
-- oldest first.
CREATE INDEX segments_local_start ON segments(start_ms) WHERE object_key IS NULL;
