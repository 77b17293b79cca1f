-- Daily snapshots of what each camera's recordings occupy, for usage billing
-- (R7): storage is charged per GB-month, and a month is the sum of its days'
-- snapshots / 30. The recording service overwrites today's row on a timer,
-- so a day's figure is the last snapshot taken that UTC day.
CREATE TABLE storage_usage (
    camera_id  BIGINT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    bytes      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (camera_id, day)
);
