-- Motion events on their way to webhooks (issue 11, docs/ALERTS.md): a
-- motion camera event is handed to the webhook outbox once; hooked_at marks
-- it done, in the same transaction that queued its deliveries. Events from
-- before this migration count as done (nobody subscribed then).
ALTER TABLE camera_events ADD COLUMN hooked_at BIGINT;
UPDATE camera_events SET hooked_at = 0;
CREATE INDEX camera_events_unhooked ON camera_events(id) WHERE hooked_at IS NULL AND type = 'motion';

-- The fleet health page sums each camera's recorded time over the last day
-- (store.FleetHealth); with end_ms in the index that is an index-only scan
-- instead of a table lookup per segment.
CREATE INDEX segments_camera_span ON segments(camera_id, start_ms, end_ms);
