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
	if ids := one.DeviceIDs(); len(ids) != 1 || ids[0] != "VG-1" {
		t.Fatalf("one camera: %v", ids)
	}
	two := one
	two.Cameras = []Camera{c, {Name: "yard", URL: "rtsp://10.0.0.2/s"}}
	if ids := two.DeviceIDs(); len(ids) != 2 || ids[0] != "VG-1:lobby" || ids[1] != "VG-1:yard" {
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
