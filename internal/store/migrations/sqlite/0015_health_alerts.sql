-- Camera health, offline alerts and webhooks (issue 11, docs/ALERTS.md).

-- One row per camera the health monitor watches: its current state and
-- whether this outage was already announced. Kept in the database so a
-- restart neither forgets an outage nor announces it a second time. The
-- history (for uptime) is the online/offline spans in camera_events.
CREATE TABLE camera_health (
    camera_id    INTEGER PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
    online       BOOLEAN NOT NULL,
    since_ms     BIGINT NOT NULL,          -- when the current state began
    last_seen_ms BIGINT NOT NULL DEFAULT 0, -- last time the camera was seen sending video
    reason       TEXT NOT NULL DEFAULT '',  -- media.Reason* while offline
    alerted      BOOLEAN NOT NULL DEFAULT 0, -- an offline alert went out for this outage
    bitrate_kbps INTEGER NOT NULL DEFAULT 0
);

-- Per-account alert settings: who hears about the account's cameras besides
-- the owner, and the account's own debounce (NULL inherits from above).
CREATE TABLE account_alerts (
    account_id       INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    offline_after_ms BIGINT,
    contacts         TEXT NOT NULL DEFAULT '' -- comma-separated e-mail addresses
);

CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,  -- comma-separated event names
    secret_enc TEXT NOT NULL,  -- sealed with the data directory's key
    created_at BIGINT NOT NULL
);
CREATE INDEX webhooks_account ON webhooks(account_id, id);

-- The durable outbox of webhook deliveries, and their log.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event           TEXT NOT NULL,
    body            TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    next_attempt_ms BIGINT NOT NULL,
    delivered_ms    BIGINT,
    created_ms      BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_ms) WHERE delivered_ms IS NULL;
