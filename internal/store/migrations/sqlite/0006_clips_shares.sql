-- Clips (saved stretches of recording) and share links (issue 9).
-- A clip is one MP4 file stitched from segments by the clip job; it is kept
-- apart from retention until deleted, and its bytes count toward the
-- storage of the camera (so of the camera's customer) while it is ready.
CREATE TABLE clips (
    id          INTEGER PRIMARY KEY,
    camera_id   INTEGER NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
    created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    name        TEXT NOT NULL,
    start_ms    BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending','ready','failed')),
    progress    INTEGER NOT NULL DEFAULT 0,
    bytes       BIGINT NOT NULL DEFAULT 0,
    path        TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX clips_camera ON clips(camera_id, id);
CREATE INDEX clips_status ON clips(status, id);

-- A share link: a live camera or a clip, for people without an account.
-- Only the token's SHA-256 is stored. The sharer's rights are checked again
-- on every view, so the share stops with them.
CREATE TABLE shares (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('live','clip')),
    camera_id   INTEGER NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
    clip_id     INTEGER REFERENCES clips(id) ON DELETE CASCADE,
    created_by  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT,
    views       BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);
CREATE INDEX shares_account ON shares(account_id, id);
CREATE INDEX shares_camera ON shares(camera_id);
