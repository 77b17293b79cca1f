package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/config"
	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/media/bench"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/objstore"
	"github.com/vigilo/vigilo/internal/segupload"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// s3Bench sends the benchmark's segments down the production S3 path:
// indexed in a SQLite store, journaled, uploaded by internal/segupload to
// the bucket of VIGILO_S3_*, local copies deleted beyond the cache. Its
// CPU and memory are the recorder process's, so they count in its figures.
type s3Bench struct {
	st      *store.Store
	objs    *objstore.Store
	up      *segupload.Uploader
	atStart segupload.Stats
	atEnd   segupload.Stats
	indexed int
}

// setupS3Bench prepares o for an S3 run: a recordings directory of its own
// (the uploader keys objects by their path below it), a store with o.N
// cameras, and the hooks that measure the upload during the window.
func setupS3Bench(ctx context.Context, o *bench.RecordOpts) (cleanup func(), err error) {
	cfg, err := config.Load(nil, os.Getenv)
	if err != nil {
		return nil, err
	}
	if !cfg.S3.Enabled() {
		return nil, fmt.Errorf("-s3: set VIGILO_S3_ENDPOINT, VIGILO_S3_BUCKET and the keys (docs/S3.md)")
	}
	work, err := os.MkdirTemp("", "vigilo-bench-s3-")
	if err != nil {
		return nil, err
	}
	if o.Dir == "" {
		o.Dir = filepath.Join(work, "rec")
	}
	b := &s3Bench{}
	cleanup = func() {
		if b.up != nil {
			b.up.Close()
		}
		if b.objs != nil {
			b.objs.Close()
		}
		if b.st != nil {
			b.st.Close()
		}
		os.RemoveAll(work)
	}
	fail := func(err error) (func(), error) { cleanup(); return nil, err }
	if b.st, err = store.Open(ctx, "", work); err != nil {
		return fail(err)
	}
	root := tenancy.Account{Type: tenancy.Integrator, Name: "bench", Status: tenancy.Active,
		StoragePrice: money.MustParse("0"), TrafficPrice: money.MustParse("0")}
	if err := b.st.InTx(ctx, func(q store.Q) error { return q.InsertAccount(ctx, &root, "") }); err != nil {
		return fail(err)
	}
	cams := make([]store.SeedCamera, o.N)
	for i := range cams {
		cams[i] = store.SeedCamera{IntegratorID: root.ID, Name: fmt.Sprint("cam ", i+1), Enabled: true}
	}
	ids, err := b.st.W().SeedCameras(ctx, cams)
	if err != nil {
		return fail(err)
	}
	if ids[0] != 1 || ids[len(ids)-1] != int64(o.N) {
		return fail(fmt.Errorf("bench store: camera ids %d..%d, want 1..%d", ids[0], ids[len(ids)-1], o.N))
	}
	c := cfg.S3
	if b.objs, err = objstore.New(ctx, objstore.Config{Endpoint: c.Endpoint, Bucket: c.Bucket, Region: c.Region,
		AccessKey: c.AccessKey, SecretKey: c.SecretKey, PathStyle: c.PathStyle, PartSize: c.PartSize}); err != nil {
		return fail(err)
	}
	if b.up, err = segupload.New(ctx, b.st, b.objs, segupload.Config{Dir: filepath.Join(o.Dir, "vigilo"),
		QueueDir: filepath.Join(work, "upload-queue"), LocalCache: c.LocalCache, Workers: c.Uploaders,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}); err != nil {
		return fail(err)
	}
	o.Sink = media.SinkFunc(b.index)
	o.Window = func(start bool) {
		if start {
			b.atStart = b.up.Stats()
		} else {
			b.atEnd = b.up.Stats()
		}
	}
	o.Report = b.report
	return cleanup, nil
}

// index is what the recording service does with a finished segment.
func (b *s3Bench) index(ctx context.Context, seg media.Segment) error {
	row := camera.Segment{CameraID: seg.CameraID, Start: seg.Start, End: seg.End, Bytes: seg.Bytes, Path: seg.Path,
		Codec: seg.Codec, Width: seg.Width, Height: seg.Height}
	if _, err := b.st.W().InsertSegment(ctx, &row); err != nil {
		return err
	}
	b.indexed++
	return b.up.Enqueue(row)
}

func (b *s3Bench) report(out io.Writer, window time.Duration) error {
	up := b.atEnd.Bytes - b.atStart.Bytes
	lag := time.Duration(0)
	if !b.atEnd.Oldest.IsZero() {
		lag = time.Since(b.atEnd.Oldest)
	}
	fmt.Fprintf(out, "s3: in the window %d segments uploaded, %.1f MB, %.2f MB/s (%.1f Mbit/s); failures %d; queue at its end %d segments (%.1f MB), oldest queued %s ago\n",
		b.atEnd.Uploaded-b.atStart.Uploaded, float64(up)/(1<<20), float64(up)/(1<<20)/window.Seconds(),
		float64(up)*8/1e6/window.Seconds(), b.atEnd.Failures-b.atStart.Failures, b.atEnd.Pending,
		float64(b.atEnd.PendingBytes)/(1<<20), lag.Round(time.Millisecond))
	// After the recorder stopped: how long the rest takes to drain.
	t0 := time.Now()
	for b.up.Stats().Pending > 0 && time.Since(t0) < 2*time.Minute {
		time.Sleep(50 * time.Millisecond)
	}
	st := b.up.Stats()
	fmt.Fprintf(out, "s3: after the stop the queue drained in %s (%d left); %d segments indexed, %d uploaded in all, %.1f MB; local copies kept %.1f MB\n",
		time.Since(t0).Round(time.Millisecond), st.Pending, b.indexed, st.Uploaded, float64(st.Bytes)/(1<<20), float64(st.LocalBytes)/(1<<20))
	fmt.Fprintf(out, "s3: the disk/frames columns above count only the local files left (uploaded copies are deleted beyond VIGILO_S3_LOCAL_CACHE)\n")
	return nil
}
