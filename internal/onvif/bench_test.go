package onvif_test

import (
	"context"
	"testing"

	"github.com/vigilo/vigilo/internal/onvif"
	"github.com/vigilo/vigilo/internal/onvif/onviftest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// BenchmarkProbe measures one whole onboarding (clock, services, identity,
// profiles, stream URIs) through the camera-address policy: against go2rtc
// (the real device) open and behind HTTP Basic authentication (its 401
// costs an anonymous time request, then one round trip more, once), and
// against the fake device with WS-Security and with HTTP digest (one extra
// round trip per call). A new client per onboarding, as the connector does.
// Figures: docs/BENCHMARKS.md.
func BenchmarkProbe(b *testing.B) {
	g := testenv.StartGo2RTC(b, map[string]string{"cam": "rtsp://127.0.0.1:1/none"})
	gb := testenv.StartGo2RTCAuth(b, map[string]string{"cam": "rtsp://127.0.0.1:1/none"}, "admin", "pw")
	wsse := onviftest.StartT(b, &onviftest.Device{Username: "admin", Password: "pw", StreamURI: "rtsp://127.0.0.1/main", SubStreamURI: "rtsp://127.0.0.1/sub"})
	digest := onviftest.StartT(b, &onviftest.Device{Username: "admin", Password: "pw", Auth: onviftest.AuthDigest, StreamURI: "rtsp://127.0.0.1/main"})
	for _, c := range []struct{ name, addr, user string }{{"go2rtc", g.APIAddr, ""}, {"go2rtc-basic", gb.APIAddr, "admin"}, {"fake-wsse", wsse.URL, "admin"}, {"fake-digest", digest.URL, "admin"}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				cl := onvif.NewClient(policy(), c.user, "pw")
				if _, err := cl.Probe(context.Background(), c.addr); err != nil {
					b.Fatal(err)
				}
				cl.Close()
			}
		})
	}
}
