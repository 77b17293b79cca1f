package onvif_test

import (
	"context"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/netpolicy"
	"github.com/vigilo/vigilo/internal/onvif"
	"github.com/vigilo/vigilo/internal/onvif/onviftest"
)

// policy lets 127.0.0.1 through and nothing else of loopback, so a device
// naming 127.0.0.2 in its answers names a refused address.
func policy() onvif.Dialer {
	return netpolicy.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}).DialContext
}

func probe(t *testing.T, dev *onviftest.Device, user, pass string) (onvif.Result, error) {
	t.Helper()
	c := onvif.NewClient(policy(), user, pass)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.Probe(ctx, strings.TrimSuffix(strings.TrimPrefix(dev.URL, "http://"), "/onvif/device_service"))
}

// TestProbe: WS-Security digest with a device clock 1 h off (the offset is
// applied), HTTP digest as the fallback, wrong passwords as unauthorized,
// profiles picked (main the largest H.264, sub the smallest), PTZ token.
func TestProbe(t *testing.T) {
	dev := onviftest.StartT(t, &onviftest.Device{Username: "admin", Password: "s3cret", Clock: time.Hour,
		StreamURI: "rtsp://127.0.0.1:8554/main", SubStreamURI: "rtsp://127.0.0.1:8554/sub"})
	r, err := probe(t, dev, "admin", "s3cret")
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	if r.Info.Manufacturer != "Fakecam" || r.Info.Model != "FC-2000 PTZ" || r.Info.Firmware != "1.2.3" || r.Info.Serial != "SN0001" {
		t.Fatalf("info: %+v", r.Info)
	}
	if r.ClockOffset < 59*time.Minute || r.ClockOffset > 61*time.Minute {
		t.Fatalf("clock offset %v, want about 1h", r.ClockOffset)
	}
	if r.Main.Token != "main" || r.Sub == nil || r.Sub.Token != "sub" || r.StreamURI != "rtsp://127.0.0.1:8554/main" || r.SubStreamURI != "rtsp://127.0.0.1:8554/sub" {
		t.Fatalf("profiles: %+v %+v %q %q", r.Main, r.Sub, r.StreamURI, r.SubStreamURI)
	}
	if r.PTZToken() != "main" || r.Services.Events == "" {
		t.Fatalf("ptz %q events %q", r.PTZToken(), r.Services.Events)
	}
	if _, err := probe(t, dev, "admin", "wrong"); onvif.ReasonOf(err) != onvif.ReasonUnauthorized {
		t.Fatalf("wrong password: %v", err)
	}

	dig := onviftest.StartT(t, &onviftest.Device{Username: "admin", Password: "s3cret", Auth: onviftest.AuthDigest, StreamURI: "rtsp://127.0.0.1:8554/main"})
	if r, err := probe(t, dig, "admin", "s3cret"); err != nil || r.StreamURI == "" {
		t.Fatalf("HTTP digest: %+v %v", r, err)
	}
	if _, err := probe(t, dig, "admin", "wrong"); onvif.ReasonOf(err) != onvif.ReasonUnauthorized {
		t.Fatalf("HTTP digest, wrong password: %v", err)
	}
}

// TestProbeBadDevices: huge and malformed answers are bad_response, an
// XAddr naming another host (one the policy refuses) is reached on the
// device's own host instead, a closed port is named, a device that never
// answers times out with the context — and no goroutine is left behind.
func TestProbeBadDevices(t *testing.T) {
	before := runtime.NumGoroutine()
	huge := onviftest.StartT(t, &onviftest.Device{Huge: 8 << 20})
	if _, err := probe(t, huge, "", ""); onvif.ReasonOf(err) != onvif.ReasonBadResponse {
		t.Fatalf("huge: %v", err)
	}
	bad := onviftest.StartT(t, &onviftest.Device{Malformed: true})
	if _, err := probe(t, bad, "", ""); onvif.ReasonOf(err) != onvif.ReasonBadResponse {
		t.Fatalf("malformed: %v", err)
	}
	elsewhere := onviftest.StartT(t, &onviftest.Device{ServiceHost: "127.0.0.2", StreamURI: "rtsp://127.0.0.1/x"})
	if r, err := probe(t, elsewhere, "", ""); err != nil || r.StreamURI != "rtsp://127.0.0.1/x" ||
		!strings.HasPrefix(r.Services.Media, strings.TrimSuffix(elsewhere.URL, "/onvif/device_service")+"/") {
		t.Fatalf("XAddrs on another host, not taken onto the device's: %+v %v", r.Services, err)
	}
	// Another port of the device's own host is another service: the device's
	// port is kept too (found in review).
	otherPort := onviftest.StartT(t, &onviftest.Device{ServiceHost: "127.0.0.1:1", StreamURI: "rtsp://127.0.0.1/x"})
	if r, err := probe(t, otherPort, "", ""); err != nil || !strings.HasPrefix(r.Services.Media, strings.TrimSuffix(otherPort.URL, "/onvif/device_service")+"/") {
		t.Fatalf("XAddrs on another port, not taken onto the device's: %+v %v", r.Services, err)
	}
	c := onvif.NewClient(policy(), "", "")
	if _, err := c.Probe(context.Background(), "127.0.0.1:1"); onvif.ReasonOf(err) != onvif.ReasonConnRefused {
		t.Fatalf("closed port: %v", err)
	}
	if _, err := c.Probe(context.Background(), "10.1.2.3"); onvif.ReasonOf(err) != onvif.ReasonAddressRefused {
		t.Fatalf("refused device address: %v", err)
	}
	c.Close()
	huge.Close()
	bad.Close()
	elsewhere.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEventsAndPTZ: a pull-point subscription carries the device's motion
// reports; PTZ commands reach the device; presets go by name or token.
func TestEventsAndPTZ(t *testing.T) {
	dev := onviftest.StartT(t, &onviftest.Device{Username: "admin", Password: "s3cret", StreamURI: "rtsp://127.0.0.1:8554/main"})
	r, err := probe(t, dev, "admin", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	c := onvif.NewClient(policy(), "admin", "s3cret")
	defer c.Close()
	ctx := context.Background()
	sub, err := c.CreatePullPoint(ctx, r.Services.Events)
	if err != nil {
		t.Fatal(err)
	}
	dev.Motion(true)
	msgs, err := c.PullMessages(ctx, sub.Address, 5*time.Second)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("pull: %+v %v", msgs, err)
	}
	if on, ok := msgs[0].Motion(); !ok || !on {
		t.Fatalf("motion: %+v", msgs[0])
	}
	if _, err := c.Renew(ctx, sub.Address); err != nil {
		t.Fatal(err)
	}
	// A device that says what it grants (in times without a zone): the term
	// is read from its answers; a renewal that leaves out CurrentTime says
	// none (the puller keeps the last one).
	short := onviftest.StartT(t, &onviftest.Device{StreamURI: "rtsp://127.0.0.1:8554/main", Term: 3 * time.Second})
	rs, err := probe(t, short, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ssub, err := c.CreatePullPoint(ctx, rs.Services.Events)
	if err != nil || ssub.Term != 3*time.Second {
		t.Fatalf("granted %+v (%v), want a 3 s term", ssub, err)
	}
	if term, err := c.Renew(ctx, ssub.Address); err != nil || term != 0 {
		t.Fatalf("renewed for %v (%v), want none said", term, err)
	}
	if err := c.ContinuousMove(ctx, r.Services.PTZ, "main", 0.5, -0.25, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx, r.Services.PTZ, "main"); err != nil {
		t.Fatal(err)
	}
	if err := c.GotoPreset(ctx, r.Services.PTZ, "main", "Yard"); err != nil {
		t.Fatal(err)
	}
	if err := c.GotoPreset(ctx, r.Services.PTZ, "main", "Roof"); onvif.ReasonOf(err) != onvif.ReasonNoPreset {
		t.Fatalf("unknown preset: %v", err)
	}
	got := dev.PTZCalls()
	want := []string{`ContinuousMove x="0.500" y="-0.250" x="0.000"`, "Stop ", "GotoPreset <tt:PresetToken>p2<"}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || !strings.HasPrefix(got[2], "GotoPreset") || !strings.Contains(got[2], "p2") {
		t.Fatalf("PTZ calls %q, want %q", got, want)
	}
}
