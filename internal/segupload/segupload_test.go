package segupload_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/fleet"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/objstore"
	"github.com/vigilo/vigilo/internal/segupload"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
	"github.com/vigilo/vigilo/internal/testenv"
)

// fixture is a store with one camera, a recordings directory and a real S3
// server (versitygw) with its bucket.
type fixture struct {
	t     *testing.T
	st    *store.Store
	srv   *testenv.S3Server
	objs  *objstore.Store
	dir   string
	queue string
	cam   int64
	t0    time.Time
	n     int
}

func dbs(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			dsn := ""
			if pg {
				dsn = testenv.PostgresDSN(t)
			}
			srv := testenv.S3(t)
			ctx := context.Background()
			st, err := store.Open(ctx, dsn, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			root := tenancy.Account{Type: tenancy.Integrator, Name: "Root", Status: tenancy.Active,
				StoragePrice: money.MustParse("0.03"), TrafficPrice: money.MustParse("0.01")}
			if err := st.InTx(ctx, func(q store.Q) error { return q.InsertAccount(ctx, &root, "") }); err != nil {
				t.Fatal(err)
			}
			cams, err := st.W().SeedCameras(ctx, []store.SeedCamera{{IntegratorID: root.ID, Name: "cam", Enabled: true}})
			if err != nil {
				t.Fatal(err)
			}
			objs, err := objstore.New(ctx, objstore.Config{Endpoint: srv.Endpoint, Bucket: srv.Bucket, Region: srv.Region,
				AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, PathStyle: true, PartSize: 5 << 20})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { objs.Close() })
			dir := t.TempDir()
			fn(t, &fixture{t: t, st: st, srv: srv, objs: objs, dir: filepath.Join(dir, "recordings"),
				queue: filepath.Join(dir, "upload-queue"), cam: cams[0], t0: time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)})
		})
	}
}

// segment writes a finished segment file of random bytes and indexes it.
func (f *fixture) segment(size int) camera.Segment {
	f.t.Helper()
	start := f.t0.Add(time.Duration(f.n) * 2 * time.Second)
	f.n++
	p := filepath.Join(f.dir, fmt.Sprint(f.cam), "2026", "12", "02", fmt.Sprintf("%d.mp4", start.UnixMilli()))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	b := make([]byte, size)
	_, _ = rand.Read(b)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		f.t.Fatal(err)
	}
	s := camera.Segment{CameraID: f.cam, Start: start, End: start.Add(2 * time.Second), Bytes: int64(size), Path: p,
		Codec: "h264", Width: 640, Height: 360}
	if ok, err := f.st.W().InsertSegment(context.Background(), &s); err != nil || !ok {
		f.t.Fatalf("index segment: %v %v", ok, err)
	}
	return s
}

func (f *fixture) uploader(cache int64) *segupload.Uploader {
	f.t.Helper()
	u, err := segupload.New(context.Background(), f.st, f.objs, segupload.Config{Dir: f.dir, QueueDir: f.queue,
		LocalCache: cache, Workers: 2, RetryMin: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { u.Close() })
	return u
}

func (f *fixture) row(s camera.Segment) camera.Segment {
	f.t.Helper()
	rows, err := f.st.R().SegmentsByPath(context.Background(), []string{s.Path})
	if err != nil {
		f.t.Fatal(err)
	}
	return rows[s.Path]
}

func (f *fixture) journal() int {
	f.t.Helper()
	ents, err := os.ReadDir(f.queue)
	if err != nil {
		f.t.Fatal(err)
	}
	return len(ents)
}

func waitDrained(t *testing.T, u *segupload.Uploader, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for u.Stats().Pending > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("upload queue not drained within %s: %+v", within, u.Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Segments queued while S3 is down stay on disk across restarts (the
// journal, and a segment indexed but never queued is found by the start-up
// scan); once S3 answers they go up, the index points at each object, and
// the local copies go.
func TestQueueSurvivesRestartAndOutage(t *testing.T) {
	dbs(t, func(t *testing.T, f *fixture) {
		f.srv.Stop()
		u := f.uploader(0)
		var segs []camera.Segment
		for range 3 {
			s := f.segment(100_000)
			if err := u.Enqueue(s); err != nil {
				t.Fatal(err)
			}
			segs = append(segs, s)
		}
		for deadline := time.Now().Add(10 * time.Second); u.Stats().Failures < 2 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		if st := u.Stats(); st.Pending != 3 || st.Failures == 0 || st.Uploaded != 0 {
			t.Fatalf("while S3 is down: %+v", st)
		}
		u.Close()
		if n := f.journal(); n != 3 {
			t.Fatalf("journal holds %d entries after a stop, want 3", n)
		}

		// The process died between indexing a segment and queueing it.
		segs = append(segs, f.segment(200_000))
		u = f.uploader(0)
		if st := u.Stats(); st.Pending != 4 {
			t.Fatalf("after restart %d queued, want 4 (3 from the journal, 1 from the scan)", st.Pending)
		}
		for _, s := range segs {
			if !exists(s.Path) || f.row(s).Object != "" {
				t.Fatalf("segment %s left its disk or got an object while S3 was down", s.Path)
			}
		}
		u.Close()

		f.srv.Start()
		u = f.uploader(0)
		waitDrained(t, u, 20*time.Second)
		for _, s := range segs {
			row := f.row(s)
			key, _ := segupload.Key(f.dir, s.Path)
			if row.Object != key {
				t.Fatalf("index of %s points at %q, want %q", s.Path, row.Object, key)
			}
			if exists(s.Path) {
				t.Fatalf("local copy %s kept with a zero cache", s.Path)
			}
			if fi, err := os.Stat(f.srv.ObjectPath(key)); err != nil || fi.Size() != s.Bytes {
				t.Fatalf("object %s on the server: %v", key, err)
			}
		}
		if st := u.Stats(); st.Uploaded != 4 || st.Bytes != 500_000 {
			t.Fatalf("stats after catching up: %+v", st)
		}
		if n := f.journal(); n != 0 {
			t.Fatalf("journal holds %d entries after every upload", n)
		}
	})
}

// The local cache keeps the newest uploaded copies within its budget, is
// counted again after a restart, and gives way when the disk is short.
func TestLocalCacheBudget(t *testing.T) {
	dbs(t, func(t *testing.T, f *fixture) {
		u := f.uploader(250_000)
		var segs []camera.Segment
		for range 4 {
			s := f.segment(100_000)
			segs = append(segs, s)
			if err := u.Enqueue(s); err != nil {
				t.Fatal(err)
			}
			waitDrained(t, u, 10*time.Second) // in order, so "oldest" is well defined
		}
		for i, s := range segs {
			if exists(s.Path) != (i >= 2) {
				t.Fatalf("segment %d local=%v with room for two", i, exists(s.Path))
			}
		}
		u.Close()
		u = f.uploader(250_000)
		if st := u.Stats(); st.LocalBytes != 200_000 || st.Pending != 0 {
			t.Fatalf("after restart: %+v", st)
		}
		if n := u.DropLocalCopies(); n != 200_000 || exists(segs[3].Path) {
			t.Fatalf("dropped %d bytes", n)
		}
		// What was dropped still plays from the bucket.
		key, _ := segupload.Key(f.dir, segs[3].Path)
		r, err := f.objs.Open(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if r.Size() != 100_000 {
			t.Fatalf("object size %d", r.Size())
		}
	})
}

// A segment whose index row went while it was queued (retention, a deleted
// camera) leaves no object behind.
func TestUploadOfDeletedSegmentLeavesNoObject(t *testing.T) {
	dbs(t, func(t *testing.T, f *fixture) {
		u := f.uploader(0)
		s := f.segment(50_000)
		if err := f.st.W().DeleteSegment(context.Background(), s.ID); err != nil {
			t.Fatal(err)
		}
		if err := u.Enqueue(s); err != nil {
			t.Fatal(err)
		}
		waitDrained(t, u, 10*time.Second)
		key, _ := segupload.Key(f.dir, s.Path)
		if exists(f.srv.ObjectPath(key)) || exists(s.Path) {
			t.Fatalf("object or file of a deleted segment kept")
		}
	})
}

// A recorder of a cluster reports its backlog: the report reaches the
// shared database while S3 is down, and the last one at Close.
func TestReportsBacklog(t *testing.T) {
	dbs(t, func(t *testing.T, f *fixture) {
		f.srv.Stop()
		reported := make(chan segupload.Stats, 100)
		u, err := segupload.New(context.Background(), f.st, f.objs, segupload.Config{Dir: f.dir, QueueDir: f.queue,
			Workers: 1, RetryMin: 50 * time.Millisecond, Log: slog.New(slog.DiscardHandler), ReportEvery: 20 * time.Millisecond,
			Report: func(ctx context.Context, s segupload.Stats) {
				if err := f.st.W().PutUploadQueue(ctx, fleet.UploadQueue{NodeID: "rec-1", Segments: s.Pending,
					Bytes: s.PendingBytes, Oldest: s.Oldest, Reported: time.Now()}); err != nil {
					t.Error(err)
				}
				select {
				case reported <- s:
				default: // nobody is waiting for it any more
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := u.Enqueue(f.segment(1000)); err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.After(10 * time.Second)
		for s := (segupload.Stats{}); s.Pending != 2; {
			select {
			case s = <-reported:
			case <-deadline:
				t.Fatal("no report of the two queued segments")
			}
		}
		time.Sleep(30 * time.Millisecond)
		qs, err := f.st.R().UploadQueues(context.Background())
		q := qs["rec-1"]
		if err != nil || q.Segments != 2 || q.Bytes != 2000 || q.Lag(time.Now()) <= 0 {
			t.Fatalf("stored report: %+v %v", q, err)
		}
		f.srv.Start()
		waitDrained(t, u, 20*time.Second)
		u.Close()
		qs, _ = f.st.R().UploadQueues(context.Background())
		if q := qs["rec-1"]; q.Segments != 0 || q.Lag(time.Now()) != 0 {
			t.Fatalf("report after draining and Close: %+v", q)
		}
	})
}
