package app

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/media"
)

// RecordingConfig configures the recording service of one process.
type RecordingConfig struct {
	// Dir is the root of the segment files.
	Dir string
	// SegmentLength is the length of one file (default one minute).
	SegmentLength time.Duration
	// ReconcileEvery is the safety-net timer: events make the recorder react
	// at once, the timer makes a missed event harmless. Default 5 s.
	ReconcileEvery time.Duration
	// RetentionEvery is how often retention runs. Default one minute.
	RetentionEvery time.Duration
	// DefaultRetentionDays applies to segments of cameras without a plan
	// (unassigned since). Default 30; negative keeps them forever.
	DefaultRetentionDays int
	// MinFreeBytes is the disk-space floor: below it the oldest segments
	// go, whatever their plan, so that recording never stops on a full
	// disk. Default: 5% of the volume, at most 5 GiB; negative disables.
	MinFreeBytes int64
	// FreeBytes reports the free and total bytes of the volume holding
	// Dir (default statfs; tests replace it).
	FreeBytes func(dir string) (free, total int64, err error)
	// Transport is "tcp" (default) or "udp".
	Transport string
	// UsageEvery is how often today's stored bytes per camera are
	// snapshotted for usage billing (app/statistics.go). Default one hour.
	UsageEvery time.Duration
	// LiveLinger keeps a camera pulled only for live viewers connected this
	// long after its last viewer left (media.Config.LiveLinger).
	LiveLinger time.Duration
}

// Recording is the glue between the database and the recorder engine: it
// keeps media.Recorder's running set equal to store.DesiredRecordings (on
// every event and on a timer), indexes every finished segment, and runs
// retention.
type Recording struct {
	a   *App
	cfg RecordingConfig
	rec *media.Recorder

	mu      sync.Mutex
	desired map[int64]bool
	// purged holds cameras whose recordings were deleted while they may
	// still have been writing: a segment that started before the cut-off
	// and is finalized afterwards is dropped, not indexed.
	purged map[int64]time.Time

	cancel context.CancelFunc
	done   chan struct{}
}

// StartRecording recovers segments left open by a crash (indexing them),
// reconciles once, and then follows events and its timers until Close.
func (a *App) StartRecording(ctx context.Context, cfg RecordingConfig) (*Recording, error) {
	if cfg.Dir == "" {
		return nil, errors.New("recording: no directory")
	}
	if cfg.SegmentLength <= 0 {
		cfg.SegmentLength = camera.DefaultSegmentLength
	}
	if cfg.ReconcileEvery <= 0 {
		cfg.ReconcileEvery = 5 * time.Second
	}
	if cfg.RetentionEvery <= 0 {
		cfg.RetentionEvery = time.Minute
	}
	if cfg.DefaultRetentionDays == 0 {
		cfg.DefaultRetentionDays = 30
	}
	if cfg.FreeBytes == nil {
		cfg.FreeBytes = statfsFree
	}
	if cfg.UsageEvery <= 0 {
		cfg.UsageEvery = time.Hour
	}
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, err
	}
	r := &Recording{a: a, cfg: cfg, desired: map[int64]bool{}, purged: map[int64]time.Time{}, done: make(chan struct{})}
	r.rec = media.New(media.Config{
		RecordingsDir:        cfg.Dir,
		Sink:                 media.SinkFunc(r.index),
		Logger:               a.Log.With("part", "recorder"),
		DefaultSegmentLength: cfg.SegmentLength,
		Transport:            cfg.Transport,
		Dial:                 a.Cameras.Addresses.DialContext, // checked at every dial
		LiveLinger:           cfg.LiveLinger,
	})
	// Recovery must finish before any camera writes: files being written
	// carry the same ".part" suffix as files left by a crash.
	segs, err := r.rec.RecoverAll(ctx)
	if err != nil {
		a.Log.Warn("recovering segments", "err", err)
	}
	if len(segs) > 0 {
		a.Log.Info("recovered segments after an unclean stop", "count", len(segs))
	}
	if n, err := r.indexTail(ctx); err != nil {
		a.Log.Warn("indexing unindexed segments", "err", err)
	} else if n > 0 {
		a.Log.Info("indexed finished segments missing from the index", "count", n)
	}
	a.Cameras.Recording = r
	a.Cameras.RecordingsDir = cfg.Dir
	if err := r.Reconcile(ctx); err != nil {
		a.Log.Error("first reconcile", "err", err)
	}
	if err := a.SnapshotStorage(ctx); err != nil {
		a.Log.Warn("storage snapshot", "err", err)
	}
	evs, unsub := a.Events.Subscribe(256)
	loopCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go r.loop(loopCtx, evs, unsub)
	return r, nil
}

func (r *Recording) loop(ctx context.Context, evs <-chan events.Event, unsub func()) {
	defer close(r.done)
	defer unsub()
	tick := time.NewTicker(r.cfg.ReconcileEvery)
	defer tick.Stop()
	ret := time.NewTicker(r.cfg.RetentionEvery)
	defer ret.Stop()
	usage := time.NewTicker(r.cfg.UsageEvery)
	defer usage.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-evs:
			if !ok {
				return
			}
			// Every kind of change can affect the desired set (a plan
			// deleted, a module switched, an account disabled); a burst of
			// events costs one reconcile.
			r.onEvent(e)
			r.drain(evs)
		case <-tick.C:
		case <-ret.C:
			if _, err := r.a.RunRetention(ctx, r.a.Now(), r.policy()); err != nil {
				r.a.Log.Error("retention", "err", err)
			}
			continue
		case <-usage.C:
			if err := r.a.SnapshotStorage(ctx); err != nil && ctx.Err() == nil {
				r.a.Log.Error("storage snapshot", "err", err)
			}
			continue
		}
		if err := r.Reconcile(ctx); err != nil && ctx.Err() == nil {
			r.a.Log.Error("reconcile recordings", "err", err)
		}
	}
}

func (r *Recording) drain(evs <-chan events.Event) {
	for {
		select {
		case e, ok := <-evs:
			if !ok {
				return
			}
			r.onEvent(e)
		default:
			return
		}
	}
}

// onEvent handles what an event asks beyond a reconcile: deleting an
// account removes its cameras' rows in the database, and the files are
// ours to remove (app/delete.go).
func (r *Recording) onEvent(e events.Event) {
	if e.Kind != events.AccountDeleted {
		return
	}
	at := r.a.Now()
	if e.CameraID != 0 {
		// A camera that survives unassigned lost its recordings' rows.
		r.mu.Lock()
		r.purged[e.CameraID] = at
		for id, t := range r.purged {
			if at.Sub(t) > time.Hour {
				delete(r.purged, id)
			}
		}
		r.mu.Unlock()
		r.a.removeCameraFiles(e.CameraID, nil, at)
		return
	}
	go r.sweepDeletedCameras(at)
}

// sweepDeletedCameras removes the files of camera directories whose camera
// no longer exists.
func (r *Recording) sweepDeletedCameras(at time.Time) {
	entries, err := os.ReadDir(r.cfg.Dir)
	if err != nil {
		return
	}
	var ids []int64
	for _, en := range entries {
		if id, err := strconv.ParseInt(en.Name(), 10, 64); err == nil && en.IsDir() {
			ids = append(ids, id)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	exist, err := r.a.Store.R().ExistingCameraIDs(ctx, ids)
	if err != nil {
		r.a.Log.Warn("sweep deleted cameras", "err", err)
		return
	}
	for _, id := range ids {
		if !exist[id] {
			r.a.removeCameraFiles(id, nil, at)
		}
	}
}

// Reconcile makes the recorder's running set equal to the desired set now.
func (r *Recording) Reconcile(ctx context.Context) error {
	want, err := r.a.Store.R().DesiredRecordings(ctx)
	if err != nil {
		return err
	}
	targets := make([]media.Target, 0, len(want))
	desired := make(map[int64]bool, len(want))
	for _, d := range want {
		if !camera.Type(d.Type).Connectable() || d.RTSPURL == "" {
			continue // ONVIF / P&P wait for their connectors
		}
		pw, err := r.openSecret(d.SecretEnc)
		if err != nil {
			r.a.Log.Error("camera credentials unreadable", "camera", d.CameraID, "err", err)
			continue
		}
		u, err := camera.StreamURL(d.RTSPURL, d.Username, pw)
		if err != nil {
			r.a.Log.Error("camera URL", "camera", d.CameraID, "err", err)
			continue
		}
		desired[d.CameraID] = true
		targets = append(targets, media.Target{CameraID: d.CameraID, URL: u, SegmentLength: r.cfg.SegmentLength,
			MaxBitrateKbps: d.MaxBitrateKbps})
	}
	r.mu.Lock()
	r.desired = desired
	r.mu.Unlock()
	r.rec.Reconcile(targets)
	r.a.Observe.CamerasRecording(len(targets))
	return nil
}

func (r *Recording) openSecret(enc string) (string, error) { return r.a.openCameraSecret(enc) }

// openCameraSecret unseals a camera's stored password ("" when none).
func (a *App) openCameraSecret(enc string) (string, error) {
	if enc == "" {
		return "", nil
	}
	if a.Cameras.Secrets == nil {
		return "", errors.New("no credentials key")
	}
	return a.Cameras.Secrets.Open(enc)
}

// Status reports a camera's recorder state and whether it should record.
func (r *Recording) Status(cameraID int64) (media.CameraStatus, bool) {
	r.mu.Lock()
	d := r.desired[cameraID]
	r.mu.Unlock()
	return r.rec.Status(cameraID), d
}

// Hub is the media stream hub the recorder runs on; live viewers share it.
func (r *Recording) Hub() *media.Recorder { return r.rec }

// Running lists the cameras the recorder runs now.
func (r *Recording) Running() []int64 { return r.rec.Running() }

// Close stops every camera, finalizes and indexes open segments.
func (r *Recording) Close() error {
	if r.cancel != nil {
		r.cancel()
		<-r.done
	}
	return r.rec.Close()
}

// index is the recorder's Sink: one row per finished segment. A segment of
// a camera deleted meanwhile is an orphan and its file goes.
func (r *Recording) index(ctx context.Context, s media.Segment) error {
	r.mu.Lock()
	cut, purged := r.purged[s.CameraID]
	r.mu.Unlock()
	if purged && !s.Start.After(cut) {
		return removeFile(s.Path)
	}
	seg := fromMedia(s)
	inserted, err := r.a.Store.W().InsertSegment(ctx, &seg)
	if inserted {
		r.a.Observe.SegmentIndexed(s.Bytes)
	}
	if errs.KindOf(err) == errs.NotFound {
		r.a.Log.Info("segment of a deleted camera removed", "camera", s.CameraID, "path", s.Path)
		return removeFile(s.Path)
	}
	return err
}

// indexTail indexes finished segments that a crash left on disk but not in
// the index (the process died between renaming a file and indexing it).
// Only the newest day directory of each camera can hold such files, so
// start-up does not walk months of recordings.
func (r *Recording) indexTail(ctx context.Context) (int, error) {
	cams, err := os.ReadDir(r.cfg.Dir)
	if err != nil {
		return 0, err
	}
	var paths []string
	for _, c := range cams {
		if _, err := strconv.ParseInt(c.Name(), 10, 64); err != nil || !c.IsDir() {
			continue
		}
		day := newestDayDir(filepath.Join(r.cfg.Dir, c.Name()))
		if day == "" {
			continue
		}
		files, _ := os.ReadDir(day)
		for _, f := range files {
			if !f.IsDir() && strings.HasSuffix(f.Name(), ".mp4") {
				paths = append(paths, filepath.Join(day, f.Name()))
			}
		}
	}
	known, err := r.a.Store.R().IndexedPaths(ctx, paths)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range paths {
		if known[p] {
			continue
		}
		s, err := media.ProbeSegment(p)
		if err != nil {
			r.a.Log.Warn("unreadable segment left out of the index", "path", p, "err", err)
			continue
		}
		if err := r.index(ctx, s); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// newestDayDir returns <camDir>/YYYY/MM/DD of the latest day, or "".
func newestDayDir(camDir string) string {
	dir := camDir
	for range 3 {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return ""
		}
		last := ""
		for _, e := range ents { // ReadDir sorts by name; zero-padded names sort by date
			if e.IsDir() {
				last = e.Name()
			}
		}
		if last == "" {
			return ""
		}
		dir = filepath.Join(dir, last)
	}
	return dir
}

func (r *Recording) policy() RetentionPolicy {
	return RetentionPolicy{Dir: r.cfg.Dir, DefaultDays: r.cfg.DefaultRetentionDays, MinFreeBytes: r.cfg.MinFreeBytes,
		FreeBytes: r.cfg.FreeBytes}
}

// RetentionPolicy drives RunRetention.
type RetentionPolicy struct {
	Dir          string
	DefaultDays  int   // for cameras without a plan; <= 0 keeps forever
	MinFreeBytes int64 // 0: default (5% of the volume, at most 5 GiB); negative: no floor
	FreeBytes    func(dir string) (free, total int64, err error)
}

// RetentionResult says what a retention run removed.
type RetentionResult struct {
	Expired    int   // segments past their plan's retention
	ForSpace   int   // segments removed to keep the disk floor
	BytesFreed int64 // both together
}

// RunRetention deletes segments past their plan's retention at now, then,
// while the volume is below the free-space floor, the oldest segments of
// any camera. Each segment leaves the index before its file is removed.
func (a *App) RunRetention(ctx context.Context, now time.Time, p RetentionPolicy) (RetentionResult, error) {
	var res RetentionResult
	const batch = 500
	for {
		segs, err := a.Store.R().ExpiredSegments(ctx, now, max(p.DefaultDays, 0), batch)
		if err != nil {
			return res, err
		}
		for _, s := range segs {
			if err := a.deleteSegment(ctx, s); err != nil {
				return res, err
			}
			res.Expired++
			res.BytesFreed += s.Bytes
		}
		if len(segs) < batch {
			break
		}
	}
	if p.MinFreeBytes < 0 || p.FreeBytes == nil || p.Dir == "" {
		return res, nil
	}
	for round := 0; round < 1000; round++ {
		free, total, err := p.FreeBytes(p.Dir)
		if err != nil {
			return res, err
		}
		floor := p.MinFreeBytes
		if floor == 0 {
			floor = min(total/20, 5<<30)
		}
		if free >= floor {
			break
		}
		oldest, err := a.Store.R().OldestSegments(ctx, 100)
		if err != nil {
			return res, err
		}
		cands := make([]media.Segment, len(oldest))
		byPath := make(map[string]camera.Segment, len(oldest))
		for i, s := range oldest {
			cands[i] = toMedia(s)
			byPath[s.Path] = s
		}
		pick := media.SelectForDeletion(cands, media.RetentionPolicy{Now: now, FreeBytes: free, MinFreeBytes: floor})
		if len(pick) == 0 {
			a.Log.Warn("disk below the free-space floor with no recordings left to delete", "dir", p.Dir, "free", free, "floor", floor)
			break
		}
		for _, m := range pick {
			s := byPath[m.Path]
			if err := a.deleteSegment(ctx, s); err != nil {
				return res, err
			}
			res.ForSpace++
			res.BytesFreed += s.Bytes
		}
	}
	if res.Expired+res.ForSpace > 0 {
		a.Log.Info("retention", "expired", res.Expired, "for_space", res.ForSpace, "bytes", res.BytesFreed)
	}
	return res, nil
}

// deleteSegment removes the index row, then the file: a crash in between
// leaves an unlisted file rather than a listed one that cannot play.
func (a *App) deleteSegment(ctx context.Context, s camera.Segment) error {
	if err := a.Store.W().DeleteSegment(ctx, s.ID); err != nil {
		return err
	}
	if err := removeFile(s.Path); err != nil {
		a.Log.Warn("remove segment file", "path", s.Path, "err", err)
	}
	return nil
}

func removeFile(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func statfsFree(dir string) (free, total int64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), int64(st.Blocks) * int64(st.Bsize), nil
}

// removeCameraFiles deletes a deleted camera's indexed files now and, once
// the recorder has let go of it, whatever it was still writing. Only files
// that started before the deletion go, so a new camera that (on SQLite)
// reuses the id keeps its recordings.
func (a *App) removeCameraFiles(id int64, paths []string, at time.Time) {
	for _, p := range paths {
		if err := removeFile(p); err != nil {
			a.Log.Warn("remove segment file", "path", p, "err", err)
		}
	}
	rec := a.Cameras.Recording
	dir := a.Cameras.RecordingsDir
	if dir == "" {
		return
	}
	camDir := filepath.Join(dir, strconv.FormatInt(id, 10))
	sweep := func() {
		// Index first: a segment indexed in the moment between the
		// deletion and the recorder letting go must not outlive its file.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := a.Store.W().DeleteCameraSegmentsBefore(ctx, id, at); err != nil {
			a.Log.Warn("delete segments of a deleted recording", "camera", id, "err", err)
			return
		}
		_ = filepath.WalkDir(camDir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			name := strings.TrimSuffix(strings.TrimSuffix(d.Name(), ".part"), ".mp4")
			if ms, perr := strconv.ParseInt(name, 10, 64); perr == nil && ms <= at.UnixMilli() {
				_ = removeFile(p)
			}
			return nil
		})
	}
	if rec == nil {
		sweep()
		return
	}
	// The recorder stops the camera on the change event; its last segment
	// is finalized within a part or two. Sweep after that.
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = rec.Reconcile(ctx)
		time.Sleep(5 * time.Second)
		sweep()
	}()
}
