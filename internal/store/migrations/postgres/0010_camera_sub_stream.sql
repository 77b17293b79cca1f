-- A camera's second, lower-resolution stream for grid tiles (issue 9); ''
-- when it has none. Same credentials as rtsp_url.
ALTER TABLE cameras ADD COLUMN sub_rtsp_url TEXT NOT NULL DEFAULT '';
