-- Monthly statements (issue 13, docs/BILLING.md). billing_closes holds one
-- row per closed month ("YYYY-MM"); its primary key makes closing
-- idempotent even when two closes race. statements holds every account's
-- statement of a closed month as it was computed: the totals in
-- ten-thousandths, what its own usage counted and at which prices (to bill
-- late usage as next month's adjustment), and the lines and children as
-- JSON, stored once and never rewritten.
CREATE TABLE billing_closes (
    period       TEXT PRIMARY KEY,
    closed_at_ms BIGINT NOT NULL,
    statements   BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE statements (
    account_id        BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    period            TEXT NOT NULL REFERENCES billing_closes(period),
    currency          TEXT NOT NULL,
    owes_above        BIGINT NOT NULL,
    owed_below        BIGINT NOT NULL,
    margin            BIGINT NOT NULL,
    storage_byte_days BIGINT NOT NULL,
    traffic_bytes     BIGINT NOT NULL,
    storage_price     BIGINT NOT NULL,
    traffic_price     BIGINT NOT NULL,
    body              TEXT NOT NULL,
    PRIMARY KEY (account_id, period)
);
