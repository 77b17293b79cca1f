-- Passkeys (WebAuthn discoverable credentials) for password-less sign-in
-- (issue 10). The credential (public key, sign counter, flags) is stored as
-- the relying-party library's JSON; credential_id is its base64url id.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    credential    TEXT NOT NULL,
    name          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX passkeys_user ON passkeys(user_id);

-- A ceremony in flight: the challenge and what it expects, for 5 minutes;
-- user_id is the registering user, NULL for a sign-in.
CREATE TABLE passkey_ceremonies (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER REFERENCES users(id) ON DELETE CASCADE,
    session    TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX passkey_ceremonies_expires ON passkey_ceremonies(expires_at);
