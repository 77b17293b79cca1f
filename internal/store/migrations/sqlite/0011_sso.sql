-- OpenID Connect sign-in per account (issue 10). One configuration per
-- account; its e-mail domains are unique across the platform, because a
-- sign-in starts from an e-mail address alone and must find exactly one
-- provider. The client secret is sealed with the data directory's key.
CREATE TABLE sso_configs (
    account_id      INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    issuer          TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    client_secret   TEXT NOT NULL,
    default_role_id INTEGER REFERENCES roles(id) ON DELETE SET NULL,
    enabled         BOOLEAN NOT NULL DEFAULT 1,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE sso_domains (
    domain     TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES sso_configs(account_id) ON DELETE CASCADE
);
CREATE INDEX sso_domains_account ON sso_domains(account_id);

-- A sign-in in flight: the state's hash, the nonce and PKCE verifier it
-- needs at the callback, and, once the provider vouched for the user and a
-- second factor is still due, that user.
CREATE TABLE sso_logins (
    state_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    nonce      TEXT NOT NULL,
    verifier   TEXT NOT NULL,
    next       TEXT NOT NULL DEFAULT '',
    user_id    INTEGER REFERENCES users(id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sso_logins_expires ON sso_logins(expires_at);
