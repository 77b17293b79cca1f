-- Account security (issue 10): what "my sessions" shows and the idle timeout
-- needs, which client opened a session, TOTP second factors with their
-- single-use recovery codes, and the integrator's "require 2FA" switch that
-- covers its whole subtree (folded along the path like modules).
ALTER TABLE tokens ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
-- 'portal' for sessions opened by the portal's sign-in form; '' otherwise.
ALTER TABLE tokens ADD COLUMN client TEXT NOT NULL DEFAULT '';

ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled_at BIGINT;

CREATE TABLE recovery_codes (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);

ALTER TABLE accounts ADD COLUMN require_2fa BOOLEAN NOT NULL DEFAULT 0;
