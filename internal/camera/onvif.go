package camera

import "time"

// ONVIFInfo is what an ONVIF device told about itself at onboarding: its
// identity, media profiles, the profiles chosen, and where its services
// are. The password is not here (it stays sealed in the camera).
type ONVIFInfo struct {
	Manufacturer string         `json:"manufacturer"`
	Model        string         `json:"model"`
	Firmware     string         `json:"firmware"`
	Serial       string         `json:"serial"`
	Profiles     []ONVIFProfile `json:"profiles"`
	MainProfile  string         `json:"main_profile"`
	SubProfile   string         `json:"sub_profile,omitempty"`
	// SubStreamURL is the sub profile's RTSP address, for grid tiles.
	SubStreamURL string `json:"sub_stream_url,omitempty"`
	DeviceURL    string `json:"device_url"`
	EventsURL    string `json:"events_url,omitempty"`
	PTZURL       string `json:"ptz_url,omitempty"`
	PTZProfile   string `json:"ptz_profile,omitempty"`
	// ClockOffsetMS is the device clock minus ours, for WS-Security.
	ClockOffsetMS int64 `json:"clock_offset_ms,omitempty"`
}

// ONVIFProfile is one media profile of a device.
type ONVIFProfile struct {
	Token    string `json:"token"`
	Name     string `json:"name"`
	Encoding string `json:"encoding"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
}

// HasPTZ reports whether the device can be driven (a PTZ service and a
// profile with a PTZ configuration).
func (i ONVIFInfo) HasPTZ() bool { return i.PTZURL != "" && i.PTZProfile != "" }

// ConnectResult is the outcome of one onboarding attempt of an ONVIF
// camera: on success the stream address and what the device told, on
// failure a named reason.
type ConnectResult struct {
	RTSPURL string // "" keeps the current one (a failure)
	Info    *ONVIFInfo
	Reason  string // "" on success
	At      time.Time
}
