-- A recorder renews all its camera leases at once by renewing its node's
-- lease time (one row a tick, whatever its camera count), instead of every
-- lease row (issue 12, docs/SCALING.md). A lease holds until the later of
-- its own expires_ms (set when it is taken, to bridge until the holder's
-- next renewal) and its holder's leases_expire_ms.
ALTER TABLE cluster_nodes ADD COLUMN leases_expire_ms BIGINT NOT NULL DEFAULT 0;

-- A recorder's tick reads the count and revision sum of its own leases to
-- see whether any was taken: covered by this index.
DROP INDEX camera_leases_node;
CREATE INDEX camera_leases_node_revision ON camera_leases(node_id, revision);
