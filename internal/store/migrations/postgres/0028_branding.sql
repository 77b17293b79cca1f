-- Brands (issue 14, docs/BRANDING.md): an integrator's own product name,
-- colours, images, support contacts, mail identity and mail texts. An account
-- without a row inherits its nearest branded ancestor's. Images are stored as
-- we re-encoded them, never as uploaded.
CREATE TABLE account_brands (
    account_id       BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    product_name     TEXT NOT NULL,
    primary_color    TEXT NOT NULL DEFAULT '',
    accent_color     TEXT NOT NULL DEFAULT '',
    logo_type        TEXT NOT NULL DEFAULT '',
    logo             BYTEA,
    favicon_type     TEXT NOT NULL DEFAULT '',
    favicon          BYTEA,
    support_email    TEXT NOT NULL DEFAULT '',
    support_phone    TEXT NOT NULL DEFAULT '',
    support_url      TEXT NOT NULL DEFAULT '',
    mail_sender_name TEXT NOT NULL DEFAULT '',
    mail_reply_to    TEXT NOT NULL DEFAULT '',
    text_welcome     TEXT NOT NULL DEFAULT '',
    text_reset       TEXT NOT NULL DEFAULT '',
    text_alert       TEXT NOT NULL DEFAULT '',
    text_invoice     TEXT NOT NULL DEFAULT '',
    updated_at       BIGINT NOT NULL
);

-- Custom domains: one per account; a name belongs to one account at most
-- (the primary key refuses a taken name in the same statement that would
-- take it). verified_at is NULL until DNS or the operator proved it; only
-- then does the Host brand pages or get a certificate.
CREATE TABLE brand_domains (
    domain      TEXT PRIMARY KEY,
    account_id  BIGINT NOT NULL UNIQUE REFERENCES accounts(id) ON DELETE CASCADE,
    challenge   TEXT NOT NULL,
    verified_at BIGINT,
    verified_by TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);

-- Mail from a branded subtree shows the brand's sender name and reply-to;
-- the envelope and From address stay the operator's.
ALTER TABLE mail_outbox ADD COLUMN from_name TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_outbox ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';
