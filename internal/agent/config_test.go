package agent

import (
	"strings"
	"testing"
)

func TestParseCameraAndDeviceIDs(t *testing.T) {
	for _, bad := range []string{"", "lobby", "=rtsp://h/x", "lob by=rtsp://h/x", "lobby=http://h/x", "lobby=rtsp:///x",
		strings.Repeat("n", 33) + "=rtsp://h/x"} {
		if _, err := ParseCamera(bad); err == nil {
			t.Errorf("ParseCamera(%q) accepted", bad)
		}
	}
	c, err := ParseCamera("lobby=rtsp://admin:p%40ss@192.168.1.20/Streaming/101?tcp")
	if err != nil {
		t.Fatal(err)
	}
	st, addr, err := stream(c)
	if err != nil {
		t.Fatal(err)
	}
	if addr != "192.168.1.20:554" || st.Scheme != "rtsp" || st.Port != 554 || st.Path != "/Streaming/101?tcp" ||
		st.Username != "admin" || st.Password != "p@ss" {
		t.Fatalf("stream of %v: %+v %s", c, st, addr)
	}
	// The server builds its stand-in URL from everything but the host.
	if u := st.URL(7); u != "rtsp://admin:p%40ss@camera-7.agent.invalid:554/Streaming/101?tcp" {
		t.Fatalf("stand-in URL %s", u)
	}
	if _, addr, _ := stream(Camera{Name: "s", URL: "rtsps://[fd00::5]/x"}); addr != "[fd00::5]:322" {
		t.Fatalf("rtsps default port: %s", addr)
	}

	one := Config{Server: "https://v.example", DeviceID: "VG-1", ClaimCode: "123456", Cameras: []Camera{c}}
	if err := one.Validate(); err != nil {
		t.Fatal(err)
	}
	buffered := one
	buffered.BufferDir, buffered.BufferMax = "/tmp/b", MinBufferMax
	if err := buffered.Validate(); err != nil {
		t.Fatalf("a 16 MiB buffer: %v", err)
	}
	if ids, _ := one.DeviceIDs(); len(ids) != 1 || ids[0] != "VG-1" {
		t.Fatalf("one camera: %v", ids)
	}
	two := one
	two.Cameras = []Camera{c, {Name: "yard", URL: "rtsp://10.0.0.2/s"}}
	if ids, _ := two.DeviceIDs(); len(ids) != 2 || ids[0] != "VG-1:lobby" || ids[1] != "VG-1:yard" {
		t.Fatalf("two cameras: %v", ids)
	}
	for _, bad := range []Config{
		{Server: "ftp://v", DeviceID: "VG-1", ClaimCode: "123456", Cameras: []Camera{c}},
		{Server: "https://v", DeviceID: "x", ClaimCode: "123456", Cameras: []Camera{c}},
		{Server: "https://v", DeviceID: "VG-1", ClaimCode: "12", Cameras: []Camera{c}},
		{Server: "https://v", DeviceID: "VG-1", ClaimCode: "123456"},
		{Server: "https://v", DeviceID: "VG-1", ClaimCode: "123456", Cameras: []Camera{c, c}},
		{Server: "https://v", DeviceID: "VG-1", ClaimCode: "123456", Cameras: []Camera{c}, BufferDir: "/tmp/b", BufferMax: 1 << 20},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate accepted %+v", bad)
		}
	}
}

// TestONVIFCamera: --onvif takes a device service address (host alone
// gets the usual path); the server learns its port, path and credentials,
// never its host, and the agent connects the server's streams only to
// that host, at the port the server names.
func TestONVIFCamera(t *testing.T) {
	for _, bad := range []string{"dome", "dome=rtsp://h/x", "dome=http://:80/x", "dome=https://h/x", "dome=http://h/x?y=1",
		"dome=http://h:99999/x", "do me=http://h/"} {
		if _, err := ParseONVIF(bad); err == nil {
			t.Errorf("ParseONVIF(%q) accepted", bad)
		}
	}
	c, err := ParseONVIF("dome=admin:s%40cret@192.168.1.30")
	if err != nil {
		t.Fatal(err)
	}
	h, addr, err := hello(c, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if addr != "192.168.1.30:80" || h.ONVIF == nil || h.ONVIF.Port != 80 || h.ONVIF.Path != DefaultONVIFPath ||
		h.ONVIF.Username != "admin" || h.ONVIF.Password != "s@cret" || h.Stream.Port != 0 || h.Check() != nil {
		t.Fatalf("hello of %v: %+v %+v %s", c, h, h.ONVIF, addr)
	}
	if u := h.ONVIF.DeviceURL(9); u != "http://camera-9.agent.invalid:80/onvif/device_service" {
		t.Fatalf("device URL %s", u)
	}
	l := &link{addr: addr, host: "192.168.1.30"}
	for req, want := range map[string]string{"open\n": "192.168.1.30:80", "open 554\n": "192.168.1.30:554", "open 8000\n": "192.168.1.30:8000",
		"open 0\n": "", "open 70000\n": "", "open 554 \n": "", "open 0554\n": "", "open x\n": "", "open 10.0.0.1:554\n": "", "": ""} {
		got, ok := l.target(req)
		if got != want || ok != (want != "") {
			t.Errorf("target(%q) = %q %v, want %q", req, got, ok, want)
		}
	}
}
