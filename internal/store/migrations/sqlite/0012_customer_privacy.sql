-- Customer privacy (issue 10): a customer may withhold its parents' access
-- to its live and recorded video (video_private), and open it again for a
-- while to one named ancestor account (privacy_grants), e.g. for support.
-- The flag sits on the account row because the camera-rights decision
-- already reads every account of the camera's path in one query.
ALTER TABLE accounts ADD COLUMN video_private BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE privacy_grants (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    grantee_account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_by         INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_by_email   TEXT NOT NULL DEFAULT '',
    note               TEXT NOT NULL DEFAULT '',
    created_at         BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    revoked_at         BIGINT,
    revoked_by_email   TEXT NOT NULL DEFAULT ''
);
-- The decision reads the unrevoked grants of one account that have not
-- expired; the list shows an account's grants newest first.
CREATE INDEX privacy_grants_account ON privacy_grants(account_id, expires_at);
CREATE INDEX privacy_grants_grantee ON privacy_grants(grantee_account_id);
