-- Camera events (issue 11): motion reported by a camera (ONVIF events) and
-- its health as the server sees it (offline/online). end_ms is NULL while
-- the event lasts; a camera has at most one open event of each type, which
-- the partial unique index guarantees even if two writers race.
CREATE TABLE camera_events (
    id          INTEGER PRIMARY KEY,
    camera_id   INTEGER NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
    type        TEXT NOT NULL CHECK (type IN ('motion','offline','online')),
    start_ms    BIGINT NOT NULL,
    end_ms      BIGINT,
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX camera_events_time ON camera_events(camera_id, start_ms);
CREATE UNIQUE INDEX camera_events_open ON camera_events(camera_id, type) WHERE end_ms IS NULL;
