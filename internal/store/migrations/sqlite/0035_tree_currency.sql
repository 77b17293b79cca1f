-- A currency per tree (issue 13, docs/BILLING.md "Currency per tree"): a
-- top-level account (a child of the operator) may bill its whole subtree in
-- its own ISO 4217 currency; no row = the installation's VIGILO_CURRENCY.
-- Only depth-1 accounts get a row (the app checks it).
CREATE TABLE tree_currencies (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    currency   TEXT NOT NULL
);
