-- Only real cameras are billed (issue 13, docs/BILLING.md "First video"):
-- a camera's fixed-plan charges start on the UTC day it first delivered
-- video. The recorder sets first_video_ms once, when it indexes the
-- camera's first segment. The history rows carry a copy because they
-- outlive deleted cameras, whose last month is still billed.
ALTER TABLE cameras ADD COLUMN first_video_ms BIGINT;
ALTER TABLE camera_assignments ADD COLUMN first_video_ms BIGINT;
-- Cameras that recorded before this migration: their oldest indexed
-- segment (recordings already pruned by retention cannot tell more).
UPDATE cameras SET first_video_ms = (SELECT min(s.start_ms) FROM segments s WHERE s.camera_id = cameras.id);
UPDATE camera_assignments SET first_video_ms = (SELECT c.first_video_ms FROM cameras c WHERE c.id = camera_assignments.camera_id);
