-- The last TOTP time step a user signed in with (issue 10): a code is good
-- once, so one overheard or phished in its 90 s window cannot sign in again.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
