package camera

import "testing"

// TestAgentONVIFAddresses: what a device behind an agent names is moved to
// the camera's own stand-in host, and the recorder pulls only a stream
// address on that host.
func TestAgentONVIFAddresses(t *testing.T) {
	for raw, want := range map[string]string{
		"rtsp://u:p@192.168.1.30/Streaming/101?tcp": "rtsp://camera-4.agent.invalid:554/Streaming/101?tcp",
		"http://192.168.1.30:8080/onvif/ptz":        "http://camera-4.agent.invalid:8080/onvif/ptz",
		"https://cam.lan/onvif/events":              "https://camera-4.agent.invalid:443/onvif/events",
		"ftp://192.168.1.30/x":                      "",
		"":                                          "",
		"/relative":                                 "",
	} {
		if got := OnAgentHost(4, raw); got != want {
			t.Errorf("OnAgentHost(%q) = %q, want %q", raw, got, want)
		}
	}
	l := AgentLink{ONVIF: &AgentONVIF{Port: 80, Path: "/onvif/device_service", Username: "admin", Password: "p w"}}
	if got := l.StreamURL(4, "rtsp://camera-4.agent.invalid:554/s"); got != "rtsp://admin:p%20w@camera-4.agent.invalid:554/s" {
		t.Errorf("stream URL %q", got)
	}
	for _, other := range []string{"", "rtsp://camera-5.agent.invalid:554/s", "rtsp://192.168.1.30/s"} {
		if got := l.StreamURL(4, other); got != "" {
			t.Errorf("StreamURL(4, %q) = %q, want none", other, got)
		}
	}
	for _, bad := range []AgentONVIF{{Port: 0, Path: "/x"}, {Port: 80, Path: "x"}, {Port: 80, Path: "/x?y"}, {Port: 80, Path: "/x y"}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
