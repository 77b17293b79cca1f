-- Per-account counters (issues 12 and 13): what lies in each account's
-- subtree, the account itself included, kept by the same transactions that
-- create, move and delete accounts, users and cameras, and by the recorders'
-- status changes. The customers page's total and the statistics tab then
-- read one row instead of counting 100 000. store/counters.go keeps them;
-- Store.Open recomputes them from the rows (RepairCounters), which also
-- fills this table for databases that existed before it.
CREATE TABLE account_counters (
    account_id  BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    integrators BIGINT NOT NULL DEFAULT 0, -- integrator accounts in the subtree
    customers   BIGINT NOT NULL DEFAULT 0, -- customer accounts in the subtree
    users       BIGINT NOT NULL DEFAULT 0, -- users of the subtree's accounts
    cameras     BIGINT NOT NULL DEFAULT 0, -- cameras registered or assigned in it
    online      BIGINT NOT NULL DEFAULT 0, -- of those, online by their recorder
    recording   BIGINT NOT NULL DEFAULT 0  -- of those, recording
);

-- A camera's live state as its recorder last reported it (the recorder
-- that holds it: live_node), so that counts survive the process and a
-- cluster's api nodes see what the recorders see.
ALTER TABLE cameras ADD COLUMN live_online BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE cameras ADD COLUMN live_recording BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE cameras ADD COLUMN live_node TEXT NOT NULL DEFAULT '';
