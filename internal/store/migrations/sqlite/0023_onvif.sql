-- ONVIF onboarding (issue 11). onvif_info is what the device told (JSON:
-- manufacturer, model, firmware, serial, profiles, service addresses);
-- connect_reason is the named reason the last attempt failed ('' when it
-- worked or none was made yet); connect_checked_at when it was made (unix
-- ms, 0: never). The resolved main stream address goes in rtsp_url, so the
-- recorder and live view treat an onboarded ONVIF camera like any other.
ALTER TABLE cameras ADD COLUMN onvif_info TEXT NOT NULL DEFAULT '';
ALTER TABLE cameras ADD COLUMN connect_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE cameras ADD COLUMN connect_checked_at BIGINT NOT NULL DEFAULT 0;
