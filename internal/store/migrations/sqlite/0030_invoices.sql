-- Invoices down the tree (issue 13, docs/BILLING.md "Invoices").
-- billing_profiles: an account's billing details (legal name, address, tax
-- id, e-mail — its own) and the terms its parent invoices it on (VAT on/off,
-- rate in ten-thousandths of a percent, payment terms). No row = defaults.
CREATE TABLE billing_profiles (
    account_id         INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    legal_name         TEXT NOT NULL DEFAULT '',
    address            TEXT NOT NULL DEFAULT '',
    tax_id             TEXT NOT NULL DEFAULT '',
    email              TEXT NOT NULL DEFAULT '',
    vat_enabled        BOOLEAN NOT NULL DEFAULT 0,
    vat_rate           BIGINT NOT NULL DEFAULT 0,
    payment_terms_days INTEGER NOT NULL DEFAULT 30
);
-- invoice_numbers: each issuer's last number; issuing bumps it in the
-- issuing transaction, so numbers have no gaps and never repeat.
CREATE TABLE invoice_numbers (
    issuer_id   INTEGER PRIMARY KEY,
    last_number BIGINT NOT NULL
);
-- invoices: one per (issuer, customer, closed month), written by the close.
-- number is 0 for drafts; body holds the lines and both parties as JSON
-- (frozen when issued). No foreign keys to accounts: an issued invoice is a
-- legal document that outlives a deleted customer.
CREATE TABLE invoices (
    id            INTEGER PRIMARY KEY,
    issuer_id     INTEGER NOT NULL,
    customer_id   INTEGER NOT NULL,
    period        TEXT NOT NULL REFERENCES billing_closes(period),
    status        TEXT NOT NULL,
    number        BIGINT NOT NULL DEFAULT 0,
    currency      TEXT NOT NULL,
    subtotal      BIGINT NOT NULL,
    vat_enabled   BOOLEAN NOT NULL DEFAULT 0,
    vat_rate      BIGINT NOT NULL DEFAULT 0,
    tax           BIGINT NOT NULL DEFAULT 0,
    total         BIGINT NOT NULL,
    body          TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    issued_at_ms  BIGINT NOT NULL DEFAULT 0,
    due_at_ms     BIGINT NOT NULL DEFAULT 0,
    paid_at_ms    BIGINT NOT NULL DEFAULT 0,
    voided_at_ms  BIGINT NOT NULL DEFAULT 0,
    UNIQUE (issuer_id, customer_id, period)
);
CREATE UNIQUE INDEX invoices_number ON invoices(issuer_id, number) WHERE number > 0;
CREATE INDEX invoices_issuer ON invoices(issuer_id, period);
CREATE INDEX invoices_customer ON invoices(customer_id, period);
