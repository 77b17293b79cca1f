-- Plans and offers (R4), module switches (R5), cameras and recordings (R8).
-- The schema is laid out once here so that the features built on it agree
-- on names; each feature's Go code lives in its own files.

-- A plan belongs to the account that defined it: the operator's catalogue,
-- or an integrator's copy of a fixed plan (source_plan_id) for its
-- sub-integrators. price is the owner's own list price per camera-month.
CREATE TABLE plans (
    id               INTEGER PRIMARY KEY,
    owner_account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    source_plan_id   INTEGER REFERENCES plans(id) ON DELETE SET NULL,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('fixed','usage')),
    retention_days   INTEGER NOT NULL,
    recording_mode   TEXT NOT NULL CHECK (recording_mode IN ('continuous','events')),
    max_bitrate_kbps INTEGER NOT NULL DEFAULT 0,
    price            BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX plans_owner ON plans(owner_account_id, name);

-- An offer is a plan as one account sees it. The row is created by the
-- account's parent (selected, visible, cost); the account itself may later
-- change name and end_user_price, never cost. A plan is usable by an account
-- only if every level from the plan's owner down offers it selected+visible.
CREATE TABLE offers (
    plan_id        INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    selected       BOOLEAN NOT NULL DEFAULT 1,
    visible        BOOLEAN NOT NULL DEFAULT 1,
    name           TEXT NOT NULL DEFAULT '',
    cost           BIGINT NOT NULL DEFAULT 0,
    end_user_price BIGINT NOT NULL DEFAULT 0,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (account_id, plan_id)
);
CREATE INDEX offers_plan ON offers(plan_id);

-- A module switch set by an account's parent for that account. No row means
-- the default for the account's type (R5).
CREATE TABLE account_modules (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    module     TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, module)
);

-- A camera is registered to an integrator and assigned to one of its
-- customers with a plan. Credentials are encrypted at rest (secret_enc).
CREATE TABLE cameras (
    id              INTEGER PRIMARY KEY,
    integrator_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    customer_id     INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    plan_id         INTEGER REFERENCES plans(id) ON DELETE SET NULL,
    type            TEXT NOT NULL CHECK (type IN ('generic','onvif','pnp')),
    name            TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL DEFAULT 1,
    rtsp_url        TEXT NOT NULL DEFAULT '',
    onvif_address   TEXT NOT NULL DEFAULT '',
    username        TEXT NOT NULL DEFAULT '',
    secret_enc      TEXT NOT NULL DEFAULT '',
    device_id       TEXT NOT NULL DEFAULT '',
    claim_code_hash TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX cameras_integrator ON cameras(integrator_id, name);
CREATE INDEX cameras_customer ON cameras(customer_id, name);

-- One finished (or recovered) fMP4 segment of a camera's recording.
CREATE TABLE segments (
    id         INTEGER PRIMARY KEY,
    camera_id  INTEGER NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
    start_ms   BIGINT NOT NULL,
    end_ms     BIGINT NOT NULL,
    bytes      BIGINT NOT NULL,
    path       TEXT NOT NULL UNIQUE,
    codec      TEXT NOT NULL DEFAULT '',
    width      INTEGER NOT NULL DEFAULT 0,
    height     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX segments_camera_start ON segments(camera_id, start_ms);

-- Bytes of recorded video served, per camera and UTC day, for traffic billing.
CREATE TABLE traffic_usage (
    camera_id  INTEGER NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    bytes      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (camera_id, day)
);
