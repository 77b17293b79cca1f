-- The cluster (issue 12, docs/CLUSTER.md). Every node heartbeats its row;
-- two processes with one id are told apart by instance. A camera's lease
-- names the one recorder that writes it; revision grows at every change of
-- holder and each segment is stamped with the revision it was written
-- under, so the index drops what a recorder wrote after losing the camera.
CREATE TABLE cluster_nodes (
    id           TEXT PRIMARY KEY,
    instance     TEXT NOT NULL,
    roles        TEXT NOT NULL,
    url          TEXT NOT NULL DEFAULT '',
    capacity     INTEGER NOT NULL DEFAULT 100,
    started_ms   BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL
);

CREATE TABLE camera_leases (
    camera_id   BIGINT PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
    node_id     TEXT NOT NULL,
    revision    BIGINT NOT NULL,
    acquired_ms BIGINT NOT NULL,
    expires_ms  BIGINT NOT NULL
);
CREATE INDEX camera_leases_node ON camera_leases(node_id);

-- 0: written by a single node, without leases.
ALTER TABLE segments ADD COLUMN lease_revision BIGINT NOT NULL DEFAULT 0;
