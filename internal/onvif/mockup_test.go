package onvif_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/onvif"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestAgshMockup drives the onvif npm package's device mockup (a device we
// did not write, with the event and PTZ services go2rtc lacks) through the
// whole client: onboarding parses its identity, services and profile, with
// the XAddrs it names on 192.168.68.111 taken onto the address it was
// reached at (the policy here lets only 127.0.0.1 through); a pull-point
// subscription yields its CellMotionDetector motion messages with topic,
// time and IsMotion read; ContinuousMove, Stop, GetPresets and GotoPreset
// succeed, and its own log shows each command arrived.
func TestAgshMockup(t *testing.T) {
	m := testenv.StartONVIFMockup(t)
	c := onvif.NewClient(policy(), "admin", "any password: it checks none")
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	r, err := c.Probe(ctx, m.Addr)
	if err != nil {
		t.Fatalf("probe: %v\nmockup: %s", err, m.Log())
	}
	if r.Info != (onvif.DeviceInfo{Manufacturer: "Mockup Manufacturer", Model: "Mockup Model", Firmware: "Mockup_15_14_13", Serial: "00000000"}) {
		t.Fatalf("device information: %+v", r.Info)
	}
	base := "http://" + m.Addr + "/"
	for name, x := range map[string]string{"media": r.Services.Media, "events": r.Services.Events, "ptz": r.Services.PTZ} {
		if !strings.HasPrefix(x, base) {
			t.Fatalf("%s service at %q, want it on %s", name, x, base)
		}
	}
	if len(r.Profiles) != 1 || r.Main == nil || r.Main.Token != "main" || r.Main.Width != 1920 || r.Main.Height != 1080 || !r.Main.H264() || r.PTZToken() != "main" {
		t.Fatalf("profiles %+v, main %+v, PTZ token %q", r.Profiles, r.Main, r.PTZToken())
	}
	// Its stream address is canned; Probe only reads it.
	if r.StreamURI != "rtsp://192.168.68.111/h264main" {
		t.Fatalf("stream URI %q", r.StreamURI)
	}
	// Its clock says 2014-12-24: the offset (for WS-Security) is kept.
	if r.ClockOffset > -10*365*24*time.Hour {
		t.Fatalf("clock offset %v, want the device's 2014 clock", r.ClockOffset)
	}

	sub, err := c.CreatePullPoint(ctx, r.Services.Events)
	if err != nil || !strings.HasPrefix(sub.Address, base) {
		t.Fatalf("pull point %+v: %v", sub, err)
	}
	// It grants 5 s, not the 60 s asked: the puller renews by what it says.
	if sub.Term < 4*time.Second || sub.Term > 6*time.Second {
		t.Fatalf("granted term %v, want the mockup's 5 s", sub.Term)
	}
	// Each pull carries none to two motion messages at random: eight pulls
	// without any has odds of 1 in 65536.
	var got []onvif.Notification
	for i := 0; i < 8 && len(got) == 0; i++ {
		if got, err = c.PullMessages(ctx, sub.Address, 2*time.Second); err != nil {
			t.Fatalf("pull: %v", err)
		}
	}
	if len(got) == 0 {
		t.Fatalf("no motion message in 8 pulls\nmockup: %s", m.Log())
	}
	for _, n := range got {
		on, ok := n.Motion()
		if n.Topic != "tns1:RuleEngine/CellMotionDetector/Motion" || !ok || !on || n.Data["IsMotion"] != "true" {
			t.Fatalf("notification %+v: motion %v ok %v", n, on, ok)
		}
		if d := time.Since(n.Time); d < -time.Minute || d > time.Minute {
			t.Fatalf("message time %v, want about now", n.Time)
		}
	}
	if err := c.Unsubscribe(ctx, sub.Address); err != nil {
		t.Fatalf("unsubscribe: %v", err)
	}

	if err := c.ContinuousMove(ctx, r.Services.PTZ, "main", 0.5, -0.25, 0); err != nil {
		t.Fatalf("ContinuousMove: %v", err)
	}
	if err := c.Stop(ctx, r.Services.PTZ, "main"); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	presets, err := c.GetPresets(ctx, r.Services.PTZ, "main")
	if err != nil || len(presets) < 2 || presets[0] != (onvif.Preset{Token: "P001", Name: "P001"}) {
		t.Fatalf("presets %+v: %v", presets, err)
	}
	if err := c.GotoPreset(ctx, r.Services.PTZ, "main", "P002"); err != nil {
		t.Fatalf("GotoPreset: %v", err)
	}
	if err := c.GotoPreset(ctx, r.Services.PTZ, "main", "Roof"); onvif.ReasonOf(err) != onvif.ReasonNoPreset {
		t.Fatalf("unknown preset: %v", err)
	}
	// GotoPreset looks the preset up first: two of them asked GetPresets.
	// The log is read from the mockup's stdout, which may trail its answer.
	for cmd, want := range map[string]int{"ContinuousMove": 1, "Stop": 1, "GetPresets": 3, "GotoPreset": 1, "CreatePullPointSubscription": 1, "Unsubscribe": 1} {
		if n := m.WaitReceived(cmd, want, 2*time.Second); n != want {
			t.Fatalf("the mockup received %s %d times, want %d\nmockup: %s", cmd, n, want, m.Log())
		}
	}
}
