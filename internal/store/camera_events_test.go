package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// TestStoreCameraEvents on both engines: one open event per camera and type
// (opening again returns it), closing sets the end (never before the
// start), ranges include open events and overlapping ones only, the limit
// keeps the newest, a deleted camera's events go with it.
func TestStoreCameraEvents(t *testing.T) {
	coreDBs(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tr := tree{t: t, st: st}
		root := tr.add(tenancy.Account{}, tenancy.Integrator, "Root", nil)
		a := tr.add(root, tenancy.Integrator, "A", nil)
		w := st.W()
		cams, err := w.SeedCameras(ctx, []store.SeedCamera{{IntegratorID: a.ID, Name: "one", Enabled: true},
			{IntegratorID: a.ID, Name: "two", Enabled: true}})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

		m1, opened, err := w.OpenCameraEvent(ctx, camera.Event{CameraID: cams[0], Type: camera.EventMotion, Start: at(0), Detail: "cell"})
		if err != nil || !opened || m1.ID == 0 || !m1.Open() {
			t.Fatalf("open: %+v %v %v", m1, opened, err)
		}
		again, opened, err := w.OpenCameraEvent(ctx, camera.Event{CameraID: cams[0], Type: camera.EventMotion, Start: at(5)})
		if err != nil || opened || again.ID != m1.ID || !again.Start.Equal(at(0)) || again.Detail != "cell" {
			t.Fatalf("open again: %+v %v %v", again, opened, err)
		}
		// Another type is its own event; another camera too.
		off, opened, err := w.OpenCameraEvent(ctx, camera.Event{CameraID: cams[0], Type: camera.EventOffline, Start: at(3)})
		if err != nil || !opened || off.ID == m1.ID {
			t.Fatalf("offline: %+v %v %v", off, opened, err)
		}
		if _, opened, err := w.OpenCameraEvent(ctx, camera.Event{CameraID: cams[1], Type: camera.EventMotion, Start: at(1)}); err != nil || !opened {
			t.Fatalf("camera two: %v %v", opened, err)
		}
		closed, ok, err := w.CloseCameraEvent(ctx, cams[0], camera.EventMotion, at(10))
		if err != nil || !ok || closed.ID != m1.ID || closed.End == nil || !closed.End.Equal(at(10)) {
			t.Fatalf("close: %+v %v %v", closed, ok, err)
		}
		if _, ok, err := w.CloseCameraEvent(ctx, cams[0], camera.EventMotion, at(11)); ok || err != nil {
			t.Fatalf("close twice: %v %v", ok, err)
		}
		// A new motion after the close is a new event; an end before the
		// start is clamped to the start.
		m2, opened, err := w.OpenCameraEvent(ctx, camera.Event{CameraID: cams[0], Type: camera.EventMotion, Start: at(20)})
		if err != nil || !opened || m2.ID == m1.ID {
			t.Fatalf("second motion: %+v %v %v", m2, opened, err)
		}
		m2c, _, err := w.CloseCameraEvent(ctx, cams[0], camera.EventMotion, at(15))
		if err != nil || m2c.End == nil || !m2c.End.Equal(at(20)) {
			t.Fatalf("clamped close: %+v %v", m2c, err)
		}

		r := st.R()
		ids := func(list []camera.Event) []int64 {
			var out []int64
			for _, e := range list {
				out = append(out, e.ID)
			}
			return out
		}
		all, err := r.CameraEventsInRange(ctx, cams[0], at(-60), at(60), 100)
		if err != nil || len(all) != 3 || all[0].ID != m1.ID || all[1].ID != off.ID || all[2].ID != m2.ID {
			t.Fatalf("all: %v %v", ids(all), err)
		}
		if all[1].End != nil {
			t.Fatalf("offline should be open: %+v", all[1])
		}
		// [12, 19): m1 ended at 10 (out), offline still open (in), m2 starts at 20 (out).
		mid, err := r.CameraEventsInRange(ctx, cams[0], at(12), at(19), 100)
		if err != nil || len(mid) != 1 || mid[0].ID != off.ID {
			t.Fatalf("middle: %v %v", ids(mid), err)
		}
		newest, err := r.CameraEventsInRange(ctx, cams[0], at(-60), at(60), 2)
		if err != nil || len(newest) != 2 || newest[0].ID != off.ID || newest[1].ID != m2.ID {
			t.Fatalf("limit keeps the newest, oldest first: %v %v", ids(newest), err)
		}
		open, err := r.OpenCameraEvents(ctx, camera.EventMotion)
		if err != nil || len(open) != 1 || open[0].CameraID != cams[1] {
			t.Fatalf("open motion: %+v %v", open, err)
		}
		if _, _, err := w.OpenCameraEvent(ctx, camera.Event{CameraID: 999999, Type: camera.EventMotion, Start: at(0)}); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("unknown camera: %v", err)
		}
		if err := w.DeleteCamera(ctx, cams[0]); err != nil {
			t.Fatal(err)
		}
		gone, err := r.CameraEventsInRange(ctx, cams[0], at(-60), at(60), 100)
		if err != nil || len(gone) != 0 {
			t.Fatalf("deleted camera's events: %v %v", ids(gone), err)
		}
	})
}
