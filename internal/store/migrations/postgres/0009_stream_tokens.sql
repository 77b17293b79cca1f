-- Stream tokens (purpose 'stream') are short-lived and good for one camera
-- only: players that cannot send headers put them in ?token= of the live
-- URLs. The camera is a column so that a token for camera A is refused on
-- camera B by the lookup itself, and goes with the camera.
ALTER TABLE tokens ADD COLUMN camera_id BIGINT REFERENCES cameras(id) ON DELETE CASCADE;
