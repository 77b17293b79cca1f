package api_test

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
)

// testResolver answers from a table; no DNS is ever asked. A name in
// rebind answers its first lookup from the table and every later one with
// 127.0.0.1 (DNS rebinding between the registration check and the dial).
type testResolver struct {
	mu     sync.Mutex
	names  map[string][]string
	rebind map[string]int
}

func (r *testResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n, ok := r.rebind[host]; ok {
		r.rebind[host] = n + 1
		if n > 0 {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}
	}
	list, ok := r.names[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range list {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

// strictCamTree boots with the strict camera-address policy (or allow), a
// test resolver and a public address standing in for the server's own.
func strictCamTree(t *testing.T, pg bool, env map[string]string) (camTree, *testResolver) {
	vars := map[string]string{"VIGILO_CAMERA_ALLOW": ""}
	for k, v := range env {
		vars[k] = v
	}
	ct := newCamTree(t, apitest.Options{Postgres: pg, Env: vars})
	res := &testResolver{names: map[string][]string{
		"localhost": {"127.0.0.1", "::1"}, "loopy.test": {"127.0.0.1"}, "camera.test": {"93.184.215.14"},
		"self.test": {"93.184.215.99"}, "rebind.test": {"93.184.215.14"},
	}, rebind: map[string]int{"rebind.test": 0}}
	pol := ct.e.Main.App.Cameras.Addresses
	pol.Resolver = res
	pol.Own = func() []netip.Addr { return []netip.Addr{netip.MustParseAddr("93.184.215.99")} }
	return ct, res
}

var refusedCameraAddresses = []string{
	"rtsp://127.0.0.1:5432/db", "rtsp://127.9.9.9/", "rtsp://[::1]:554/", "rtsp://localhost/", "rtsp://loopy.test:8554/",
	"rtsp://169.254.169.254/latest/meta-data", "rtsp://[fe80::1]/", "rtsp://10.0.0.1/", "rtsp://172.16.0.1/",
	"rtsp://192.168.1.20/", "rtsp://100.64.0.1/", "rtsp://[fd00::1]/", "rtsp://0.0.0.0/", "rtsp://[::ffff:127.0.0.1]/",
	"rtsp://93.184.215.99/", "rtsp://self.test/", "rtsp://nowhere.test/",
}

// TestCameraAddressPolicy: every address the server would dial for a camera
// is checked after resolution; refused ones are a 400 naming the field and
// leave nothing behind, by default; VIGILO_CAMERA_ALLOW lets listed ranges in.
func TestCameraAddressPolicy(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		ct, _ := strictCamTree(t, pg, nil)
		e, A := ct.e, ct.A
		for _, u := range refusedCameraAddresses {
			r := e.Do("POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Probe", "rtsp_url": u})
			wantFields(t, r, "rtsp_url")
			if strings.Contains(u, "nowhere") != strings.Contains(r.Fields()["rtsp_url"].(string), "does not resolve") {
				t.Errorf("%s: %v", u, r.Fields())
			}
		}
		for _, addr := range []string{"127.0.0.1:8080", "http://[::1]:80/onvif", "localhost", "169.254.169.254", "10.1.1.1:80"} {
			r := e.Do("POST", "/api/v1/cameras", A.Token, map[string]any{"type": "onvif", "name": "Probe",
				"onvif": map[string]any{"address": addr, "username": "admin", "password": "pw-123456"}})
			wantFields(t, r, "onvif.address")
		}
		if n := e.Must(200, "GET", "/api/v1/cameras", e.Root, nil).JSON["total"].(float64); n != 0 {
			t.Fatalf("%v cameras written by refused registrations", n)
		}
		// A public address is fine, by number or by name; moving it onto a
		// refused one is a 400 that changes nothing.
		id := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Gate",
			"rtsp_url": "rtsp://camera.test:554/live"}).ID()
		e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Gate 2", "rtsp_url": "rtsp://93.184.215.14/live"})
		wantFields(t, e.Do("PATCH", camPath(id), A.Token, map[string]any{"rtsp_url": "rtsp://127.0.0.1:6379/"}), "rtsp_url")
		if got := e.Must(200, "GET", camPath(id), A.Token, nil).JSON["rtsp_url"]; got != "rtsp://camera.test:554/live" {
			t.Fatalf("refused patch changed the address to %v", got)
		}
	})
}

func TestCameraAddressAllowList(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		ct, _ := strictCamTree(t, pg, map[string]string{"VIGILO_CAMERA_ALLOW": "127.0.0.0/8, ::1, 10.0.0.0/8"})
		e, A := ct.e, ct.A
		for _, u := range []string{"rtsp://127.0.0.1:8554/a", "rtsp://[::1]/a", "rtsp://localhost/a", "rtsp://loopy.test/a", "rtsp://10.0.0.1/a"} {
			e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Lab", "rtsp_url": u})
		}
		for _, u := range []string{"rtsp://192.168.1.20/", "rtsp://169.254.169.254/", "rtsp://[fe80::1]/"} {
			wantFields(t, e.Do("POST", "/api/v1/cameras", A.Token, map[string]any{"type": "generic", "name": "Lab", "rtsp_url": u}), "rtsp_url")
		}
	})
}

// TestCameraAddressCheckedAtDial: a name that resolved to a public address
// at registration and to loopback afterwards (DNS rebinding) is refused by
// the recorder at the dial; the camera shows the named reason, and the
// loopback service never sees a connection.
func TestCameraAddressCheckedAtDial(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		var accepted atomic.Int32
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				accepted.Add(1)
				_, _ = c.Write([]byte("-ERR secret banner of an internal service\r\n"))
				c.Close()
			}
		}()
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		ct, _ := strictCamTree(t, pg, map[string]string{"VIGILO_RECORD": "true", "VIGILO_DATA_DIR": t.TempDir()})
		e := ct.e
		id := e.Must(201, "POST", "/api/v1/cameras", ct.A.Token, map[string]any{"type": "generic", "name": "Rebind",
			"rtsp_url": "rtsp://rebind.test:" + port + "/live", "customer_id": ct.C.ID, "plan_id": ct.P}).ID()
		deadline := time.Now().Add(20 * time.Second)
		for {
			st := e.Must(200, "GET", camPath(id), ct.A.Token, nil).JSON["status"].(map[string]any)
			if st["reason"] == "address_refused" {
				if s := st["last_error"].(string); strings.Contains(s, "banner") || strings.Contains(s, "127.0.0.1") {
					t.Fatalf("last_error echoes what it should not: %q", s)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no address_refused reason: %v", st)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if n := accepted.Load(); n != 0 {
			t.Fatalf("the loopback service was dialled %d times", n)
		}
	})
}
