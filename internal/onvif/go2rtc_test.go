package onvif_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/onvif"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestProbeGo2RTCBasicAuth runs onboarding against go2rtc (a real device we
// did not write) with credentials: it refuses WS-Security alone and
// challenges with HTTP Basic only (no digest), as some older firmwares do.
// The right password onboards it (identity, profile, stream URI); a wrong
// one, or none, is unauthorized.
func TestProbeGo2RTCBasicAuth(t *testing.T) {
	g := testenv.StartGo2RTCAuth(t, map[string]string{"cam": "rtsp://127.0.0.1:1/none"}, "admin", "s3cret:pw")
	probe := func(user, pass string) (onvif.Result, error) {
		c := onvif.NewClient(policy(), user, pass)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return c.Probe(ctx, g.APIAddr)
	}
	r, err := probe("admin", "s3cret:pw")
	if err != nil {
		t.Fatalf("probe with the right password: %v\ngo2rtc: %s", err, g.Log())
	}
	if r.Info.Model != "go2rtc" || !strings.HasPrefix(r.Info.Firmware, strings.TrimPrefix(testenv.Go2RTC, "go2rtc-v")) || r.Main == nil || r.Main.Token != "cam" {
		t.Fatalf("device: %+v main %+v", r.Info, r.Main)
	}
	if want := "rtsp://" + g.RTSPAddr + "/cam"; r.StreamURI != want {
		t.Fatalf("stream URI %q, want %q", r.StreamURI, want)
	}
	for _, c := range []struct{ user, pass string }{{"admin", "wrong"}, {"other", "s3cret:pw"}, {"", ""}} {
		if _, err := probe(c.user, c.pass); onvif.ReasonOf(err) != onvif.ReasonUnauthorized {
			t.Fatalf("user %q password %q: %v, want unauthorized", c.user, c.pass, err)
		}
	}
}
