-- Plans are retired, not deleted (issue 13, docs/BILLING.md "Retired and
-- hidden plans"): a retired plan can no longer be offered, copied or chosen
-- for a camera, while the cameras already on it keep recording and being
-- billed on it until they are moved. NULL: in service. A copy is retired
-- with its source.
ALTER TABLE plans ADD COLUMN retired_ms BIGINT;
