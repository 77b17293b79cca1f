package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// TestStoreSegments covers the recording index on both engines: idempotent
// inserts, spans merged in SQL with gaps kept, retention selection with and
// without a plan, storage per camera and per subtree, traffic per UTC day.
func TestStoreSegments(t *testing.T) {
	coreDBs(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tr := tree{t: t, st: st}
		root := tr.add(tenancy.Account{}, tenancy.Integrator, "Root", nil)
		a := tr.add(root, tenancy.Integrator, "A", nil)
		c := tr.add(a, tenancy.Customer, "C", nil)
		b := tr.add(root, tenancy.Integrator, "B", nil)
		w := st.W()
		plan, err := w.SeedPlan(ctx, root.ID, "7 days", 7, 0)
		if err != nil {
			t.Fatal(err)
		}
		cams, err := w.SeedCameras(ctx, []store.SeedCamera{
			{IntegratorID: a.ID, CustomerID: c.ID, PlanID: plan, Name: "on plan", Enabled: true},
			{IntegratorID: a.ID, Name: "no plan", Enabled: true},
			{IntegratorID: b.ID, Name: "elsewhere", Enabled: true},
		})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 3, 1, 23, 59, 0, 0, time.UTC)
		add := func(cam int64, startSec, durSec int, bytes int64) camera.Segment {
			t.Helper()
			s := camera.Segment{CameraID: cam, Start: t0.Add(time.Duration(startSec) * time.Second),
				End: t0.Add(time.Duration(startSec+durSec) * time.Second), Bytes: bytes,
				Path: fmt.Sprintf("/rec/%d/%d.mp4", cam, startSec), Codec: "h264", Width: 640, Height: 360}
			ok, err := w.InsertSegment(ctx, &s)
			if err != nil || !ok || s.ID == 0 {
				t.Fatalf("insert segment: %v %v", ok, err)
			}
			return s
		}
		// Camera 0: 0–60, 60–120 (adjacent), a gap, then 200–260, 260–320.
		s0 := add(cams[0], 0, 60, 100)
		add(cams[0], 60, 60, 100)
		add(cams[0], 200, 60, 100)
		last := add(cams[0], 260, 60, 100)
		// Camera 1 (no plan): one old segment; camera 2: one in B.
		add(cams[1], 0, 60, 1000)
		add(cams[2], 0, 60, 5000)

		// The same file twice is not a second row.
		dup := s0
		if ok, err := w.InsertSegment(ctx, &dup); ok || err != nil {
			t.Fatalf("duplicate insert: %v %v", ok, err)
		}
		// A segment of a camera that does not exist is NotFound.
		orphan := camera.Segment{CameraID: 987654, Start: t0, End: t0.Add(time.Second), Path: "/rec/x.mp4"}
		if _, err := w.InsertSegment(ctx, &orphan); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("orphan segment: %v", err)
		}

		spans, err := st.R().RecordedSpans(ctx, cams[0], t0.Add(-time.Hour), t0.Add(time.Hour), camera.SpanGap)
		if err != nil {
			t.Fatal(err)
		}
		if len(spans) != 2 || !spans[0].Start.Equal(t0) || !spans[0].End.Equal(t0.Add(120*time.Second)) ||
			spans[0].Bytes != 200 || spans[0].Segments != 2 || !spans[1].Start.Equal(t0.Add(200*time.Second)) ||
			!spans[1].End.Equal(last.End) || spans[1].Segments != 2 {
			t.Fatalf("spans: %+v", spans)
		}
		// A window in the middle only sees the overlapping segments.
		spans, _ = st.R().RecordedSpans(ctx, cams[0], t0.Add(130*time.Second), t0.Add(210*time.Second), camera.SpanGap)
		if len(spans) != 1 || spans[0].Segments != 1 || !spans[0].Start.Equal(t0.Add(200*time.Second)) {
			t.Fatalf("windowed spans: %+v", spans)
		}
		in, _ := st.R().SegmentsInRange(ctx, cams[0], t0.Add(59*time.Second), t0.Add(61*time.Second))
		if len(in) != 2 {
			t.Fatalf("segments in range: %d", len(in))
		}

		// Storage per camera and per subtree (registered or assigned within).
		cs, err := st.R().CameraStorageUsed(ctx, cams[0])
		if err != nil || cs.Bytes != 400 || cs.Segments != 4 || !cs.LastEnd.Equal(last.End) {
			t.Fatalf("camera storage: %+v %v", cs, err)
		}
		for path, want := range map[string]int64{root.Path: 6400, a.Path: 1400, c.Path: 400, b.Path: 5000} {
			if n, err := st.R().StorageUsedInSubtree(ctx, path); err != nil || n != want {
				t.Fatalf("storage under %s: %d, want %d (%v)", path, n, want, err)
			}
		}
		many, err := st.R().CamerasStorageUsed(ctx, cams)
		if err != nil || many[cams[0]].Bytes != 400 || many[cams[2]].Bytes != 5000 {
			t.Fatalf("cameras storage: %+v %v", many, err)
		}

		// Retention: the plan keeps 7 days; cameras without a plan keep the
		// default (here 10 days), and 0 keeps them.
		now := s0.End.Add(7*24*time.Hour + 60*time.Second) // the first two segments of camera 0 have expired
		exp, err := st.R().ExpiredSegments(ctx, now, 10, 100)
		if err != nil || len(exp) != 2 || exp[0].ID != s0.ID {
			t.Fatalf("expired at +7d: %+v %v", exp, err)
		}
		exp, _ = st.R().ExpiredSegments(ctx, s0.End.Add(10*24*time.Hour), 10, 100)
		if len(exp) != 6 {
			t.Fatalf("expired at +10d: %d", len(exp))
		}
		exp, _ = st.R().ExpiredSegments(ctx, s0.End.Add(10*24*time.Hour), 0, 100)
		if len(exp) != 4 {
			t.Fatalf("expired at +10d without default: %d", len(exp))
		}
		if err := w.DeleteSegment(ctx, s0.ID); err != nil {
			t.Fatal(err)
		}
		if old, _ := st.R().OldestSegments(ctx, 1); len(old) != 1 || old[0].ID == s0.ID {
			t.Fatalf("oldest after delete: %+v", old)
		}

		// Traffic adds up per UTC day.
		for _, at := range []time.Time{t0, t0.Add(30 * time.Second), t0.Add(2 * time.Minute)} {
			if err := w.AddTraffic(ctx, cams[0], at, 1000); err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := st.R().CameraTraffic(ctx, cams[0], "2026-03-01", "2026-03-01"); n != 2000 {
			t.Fatalf("traffic on day one: %d", n)
		}
		if n, _ := st.R().CameraTraffic(ctx, cams[0], "2026-03-01", "2026-03-02"); n != 3000 {
			t.Fatalf("traffic over two days: %d", n)
		}

		// Deleting a camera takes its index with it.
		if err := w.DeleteCamera(ctx, cams[0]); err != nil {
			t.Fatal(err)
		}
		if cs, _ := st.R().CameraStorageUsed(ctx, cams[0]); cs.Segments != 0 {
			t.Fatalf("segments of a deleted camera: %+v", cs)
		}
		exist, _ := st.R().ExistingCameraIDs(ctx, cams)
		if exist[cams[0]] || !exist[cams[1]] || !exist[cams[2]] {
			t.Fatalf("existing: %v", exist)
		}
	})
}
