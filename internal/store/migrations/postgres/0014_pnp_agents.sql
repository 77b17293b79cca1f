-- A P&P camera's agent, once it has proved the claim code: the device
-- credential it holds from then on (only its SHA-256) and what it last
-- reported. One row per camera; deleting the camera (or deleting and
-- registering it again) revokes the credential with the row.
CREATE TABLE pnp_agents (
    camera_id       BIGINT PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
    credential_hash TEXT NOT NULL UNIQUE,
    claimed_at      BIGINT NOT NULL,
    agent_version   TEXT NOT NULL DEFAULT '',
    last_seen_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX cameras_pnp_device ON cameras(device_id) WHERE type = 'pnp';
