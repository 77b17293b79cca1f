-- Invoice e-mails carry the invoice's PDF (issue 13, docs/BILLING.md
-- "Invoice e-mails"): one attachment per queued message, kept with it in
-- the outbox so a retry sends the same bytes.
ALTER TABLE mail_outbox ADD COLUMN attachment_name TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_outbox ADD COLUMN attachment_type TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_outbox ADD COLUMN attachment BYTEA;
