-- Usage detail is pruned by day once it is older than 400 days and its month
-- is closed (issue 13, docs/BILLING.md "Usage retention"): these indexes make
-- that a range delete instead of a scan of every camera's days.
CREATE INDEX storage_usage_day ON storage_usage(day);
CREATE INDEX traffic_usage_day ON traffic_usage(day);
