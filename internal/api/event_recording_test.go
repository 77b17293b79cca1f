package api_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/onvif/onviftest"
)

// TestEventRecording, end to end with the real recorder on both databases:
// an ONVIF camera on an events plan (the simulated camera behind the fake
// ONVIF device) is online but writes nothing until the device reports
// motion; then its recording covers the event from 5 s before it began
// (the pre-buffer, from memory) to 10 s after it ended (the post-buffer),
// and nothing long before or after, in segments ffprobe reads. With the
// events module switched off, an open motion event records nothing.
func TestEventRecording(t *testing.T) {
	camDBs(t, func(t *testing.T, pg bool) {
		sim := startSimcam(t) // 1 s GOP
		ct := newCamTree(t, apitest.Options{Postgres: pg, Env: map[string]string{"VIGILO_RECORD": "true",
			"VIGILO_SEGMENT_LENGTH": "4s", "VIGILO_ONVIF_RETRY": "2s", "VIGILO_EVENT_POST_BUFFER": "10s"}})
		e := ct.e
		plan := e.Must(201, "POST", "/api/v1/plans", e.Root, map[string]any{"name": "Events 7 days", "kind": "fixed",
			"retention_days": 7, "recording_mode": "events", "price": "4.0000"}).ID()
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(ct.A.ID)+"/plans/"+itoa(plan), e.Root,
			map[string]any{"selected": true, "visible": true, "cost": "2.0000", "end_user_price": "4.0000"})
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(ct.C.ID)+"/plans/"+itoa(plan), ct.A.Token,
			map[string]any{"selected": true, "visible": true, "cost": "4.0000"})

		// The device grants its subscriptions 4 s, not the minute asked (and
		// says so only at creation, in times without a zone): kept alive
		// only by renewals at that term.
		dev := onviftest.StartT(t, &onviftest.Device{StreamURI: sim.URL(1), Term: 4 * time.Second})
		o := onvifEnv{camTree: ct}
		cam := e.Must(201, "POST", "/api/v1/cameras", ct.A.Token, map[string]any{"type": "onvif", "name": "Porch",
			"onvif":       map[string]any{"address": dev.URL, "username": "u", "password": "p"},
			"customer_id": ct.C.ID, "plan_id": plan}).ID()
		o.waitStatus(t, cam, 15*time.Second, "online", func(st map[string]any) bool { return st["online"] == true })
		waitSubscribed(t, dev)
		r := recEnv{camTree: ct, cam: cam}
		time.Sleep(8 * time.Second) // longer than the pre-buffer: nothing of it may be written
		if segs := r.segments(t); len(segs) != 0 {
			t.Fatalf("an events-plan camera recorded %d segments without an event", len(segs))
		}
		if st := e.Must(200, "GET", camPath(cam), ct.A.Token, nil).JSON["status"].(map[string]any); st["recording"] == true {
			t.Fatalf("an events-plan camera records without an event: %v", st)
		}
		if created, renewed := dev.Subscriptions(); renewed < 2 {
			t.Fatalf("in 8 s of a 4 s term: %d subscriptions, %d renewals, %d pulls refused; want renewals every 2 s", created, renewed, dev.Lapsed())
		}

		dev.Motion(true)
		var ev map[string]any
		waitFor(t, 3*time.Second, "motion in the API", func() bool {
			list := motionEvents(t, o, cam)
			if len(list) == 1 {
				ev = list[0]
			}
			return ev != nil
		})
		o.waitStatus(t, cam, 3*time.Second, "recording the event", isRecording)
		time.Sleep(3 * time.Second)
		dev.Motion(false)
		waitFor(t, 3*time.Second, "motion event closed", func() bool {
			list := motionEvents(t, o, cam)
			if len(list) == 1 && list[0]["end"] != nil {
				ev = list[0]
			}
			return ev["end"] != nil
		})
		start, _ := time.Parse(time.RFC3339Nano, ev["start"].(string))
		end, _ := time.Parse(time.RFC3339Nano, ev["end"].(string))
		// Not before the post-buffer has run out: a loaded machine can stall
		// the pull long enough for the status to read "not recording" for a
		// moment in the middle of it.
		time.Sleep(time.Until(end.Add(10*time.Second + 500*time.Millisecond)))
		o.waitStatus(t, cam, 15*time.Second, "done recording after the post-buffer", func(st map[string]any) bool { return st["recording"] != true })
		r.waitSegments(t, 1, end.Add(time.Second), 5*time.Second) // the last one is indexed

		var spans []struct{ Start, End time.Time }
		if err := json.Unmarshal(e.Must(200, "GET", camPath(cam, "/recordings?from=0"), ct.C.Token, nil).Body, &spans); err != nil || len(spans) != 1 {
			t.Fatalf("one event, one span: %v %+v", err, spans)
		}
		sp := spans[0]
		t.Logf("event %s → %s; recorded %s → %s", start.Format("15:04:05.000"), end.Format("15:04:05.000"),
			sp.Start.Format("15:04:05.000"), sp.End.Format("15:04:05.000"))
		// Pre-buffer: from the keyframe at or before start-5s (1 s GOP).
		if pre := start.Sub(sp.Start); pre < 5*time.Second-200*time.Millisecond || pre > 6500*time.Millisecond {
			t.Errorf("recording starts %v before the event, want 5 s to 5 s + a GOP", pre)
		}
		// Post-buffer: 10 s after the server heard the event end.
		if post := sp.End.Sub(end); post < 10*time.Second-500*time.Millisecond || post > 13*time.Second {
			t.Errorf("recording ends %v after the event, want about 10 s", post)
		}
		segs := r.segments(t)
		var held time.Duration
		for _, s := range segs {
			codec, w, h, dur := ffprobeFile(t, s.Path)
			if codec != "h264" || w != 640 || h != 360 {
				t.Errorf("%s: %s %dx%d", s.Path, codec, w, h)
			}
			held += dur
		}
		if d := sp.End.Sub(sp.Start); held < d-time.Second || held > d+time.Duration(len(segs))*time.Second {
			t.Errorf("segments hold %v for a %v span", held, d)
		}

		// The events module is enforced: switched off, an open motion event
		// (reported just before) records nothing.
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(ct.C.ID)+"/modules", ct.A.Token, map[string]any{"events": false})
		ctx := context.Background()
		if _, err := e.Main.App.OpenCameraEvent(ctx, cam, "motion", time.Time{}, "test"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(4 * time.Second)
		if n := len(r.segments(t)); n != len(segs) {
			t.Fatalf("with the events module off, an event recorded %d more segments", n-len(segs))
		}
		if st := e.Must(200, "GET", camPath(cam), ct.A.Token, nil).JSON["status"].(map[string]any); st["recording"] == true {
			t.Fatalf("records with the events module off: %v", st)
		}
	})
}
