-- Each recorder's S3 upload backlog (issue 12, docs/S3.md), reported every
-- few seconds by the recorder of a cluster, so GET /api/v1/cluster/nodes
-- shows how far behind each one is. oldest_ms is 0 when nothing waits.
CREATE TABLE upload_queues (
    node_id     TEXT PRIMARY KEY,
    segments    INTEGER NOT NULL,
    bytes       BIGINT NOT NULL,
    oldest_ms   BIGINT NOT NULL,
    reported_ms BIGINT NOT NULL
);
