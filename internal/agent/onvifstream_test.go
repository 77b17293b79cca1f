package agent

import "testing"

// TestOnDeviceHost: the stream a device names is dialled on the device's
// own host, at the port it named (the scheme's default when none), with the
// agent's credentials for the device; anything but rtsp(s) is refused.
func TestOnDeviceHost(t *testing.T) {
	for _, c := range []struct{ raw, user, pass, want string }{
		{"rtsp://192.168.77.10:8554/cam/1?x=1", "admin", "p@ss", "rtsp://admin:p%40ss@10.0.0.5:8554/cam/1?x=1"},
		{"rtsp://other:creds@192.168.77.10/Streaming/101", "admin", "", "rtsp://admin@10.0.0.5:554/Streaming/101"},
		{"RTSPS://cam.lan/s", "", "", "rtsps://10.0.0.5:322/s"},
		{"http://192.168.77.10/s", "admin", "x", ""},
		{"rtsp:///s", "admin", "x", ""},
		{"", "", "", ""},
	} {
		got, err := onDeviceHost(c.raw, "10.0.0.5", c.user, c.pass)
		if got != c.want || (err != nil) != (c.want == "") {
			t.Errorf("onDeviceHost(%q) = %q, %v; want %q", c.raw, got, err, c.want)
		}
	}
}
