-- The IANA time zone the portals show an account's times in ('' until set;
-- the first sign-in then adopts the browser's zone).
ALTER TABLE accounts ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
