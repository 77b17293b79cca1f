-- The running month's figures of every account as the last statistics pass
-- computed them (issue 13, docs/BILLING.md "How fresh the statistics tab
-- is"): recomputing an account's month from 100 000 cameras' assignment
-- history (and its storage used from every segment) on every view of its
-- statistics tab cost about a second, so a
-- background pass computes every account's month in one sweep over the tree
-- and the tab reads one row. A row belongs to one account and is only ever
-- read for that account, after the usual visibility check; it goes with
-- the account.
CREATE TABLE statistics_drafts (
    account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    period     TEXT NOT NULL,   -- YYYY-MM, the month the row is a draft of
    as_of_ms   BIGINT NOT NULL, -- when the figures were read
    money      TEXT NOT NULL,   -- the period's charges (billing.Statement), JSON
    month      TEXT NOT NULL,   -- the month's draft statement (billing.MonthStatement), JSON
    traffic    TEXT NOT NULL,   -- bytes served per UTC day, days with traffic only, JSON
    storage    TEXT NOT NULL,   -- the daily storage snapshots, likewise
    stored     BIGINT NOT NULL  -- bytes of the recordings and clips of the cameras it sees
);
