-- Core: the account tree, users, roles, tokens, mail outbox, audit log.
-- Times are unix milliseconds (BIGINT) in both dialects so that one code path
-- reads them; money is BIGINT ten-thousandths (see internal/money).
CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY,
    parent_id      INTEGER REFERENCES accounts(id),
    path           TEXT NOT NULL UNIQUE,
    depth          INTEGER NOT NULL,
    type           TEXT NOT NULL CHECK (type IN ('integrator','customer')),
    name           TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled')),
    contact_email  TEXT NOT NULL DEFAULT '',
    contact_person TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    company        TEXT NOT NULL DEFAULT '',
    address        TEXT NOT NULL DEFAULT '',
    notes          TEXT NOT NULL DEFAULT '',
    storage_price  BIGINT NOT NULL DEFAULT 0,
    traffic_price  BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX accounts_parent_name ON accounts(parent_id, name, id);
CREATE INDEX accounts_name ON accounts(name, id);

CREATE TABLE roles (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    portal      TEXT NOT NULL CHECK (portal IN ('admin','video')),
    rights      TEXT NOT NULL DEFAULT '',
    all_cameras BOOLEAN NOT NULL DEFAULT 1,
    camera_ids  TEXT NOT NULL DEFAULT '',
    built_in    BOOLEAN NOT NULL DEFAULT 0,
    UNIQUE (account_id, name)
);

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    account_id           INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    email                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL DEFAULT '',
    role_id              INTEGER REFERENCES roles(id) ON DELETE SET NULL,
    owner                BOOLEAN NOT NULL DEFAULT 0,
    status               TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled')),
    password_hash        TEXT NOT NULL DEFAULT '',
    email_confirmed_at   BIGINT,
    must_change_password BOOLEAN NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    last_login_at        BIGINT
);
CREATE INDEX users_account ON users(account_id, email);

-- Sessions, API tokens and single-use links, all stored as SHA-256 hashes.
CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER REFERENCES users(id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX tokens_user ON tokens(user_id, purpose);

CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at         BIGINT,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox(sent_at, next_attempt_at);

CREATE TABLE audit_log (
    id               INTEGER PRIMARY KEY,
    at               BIGINT NOT NULL,
    actor_user_id    INTEGER,
    actor_email      TEXT NOT NULL DEFAULT '',
    actor_account_id INTEGER,
    account_id       INTEGER,
    account_path     TEXT NOT NULL,
    action           TEXT NOT NULL,
    detail           TEXT NOT NULL DEFAULT '{}',
    remote_addr      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_path ON audit_log(account_path, id);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
