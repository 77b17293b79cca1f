// Package segupload moves a recorder's finished segments to the object
// store (S3) and turns its disk into a bounded buffer (docs/S3.md):
//
//   - each indexed segment is queued in a journal on the recorder's disk
//     (one small file per segment), so a restart resumes the uploads it did
//     not finish;
//   - workers upload the oldest queued segments (multipart when large, by
//     internal/objstore) and then point the segment's index row at the
//     object;
//   - uploaded local copies are kept up to a byte budget (LocalCache) for
//     fast playback on this machine, oldest deleted first;
//   - while the store is unreachable the segments stay queued on disk and
//     recording goes on; the workers retry with a growing pause and catch up
//     when it answers again.
//
// It is a component with New/Close, wired by internal/server beside the
// recording service, which hands it each segment it indexes.
package segupload

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/store"
)

// Objects is what the uploader needs of the object store.
type Objects interface {
	PutFile(ctx context.Context, key, path string) (etag string, err error)
	Delete(ctx context.Context, key string) error
}

// Config configures the uploader of one recorder.
type Config struct {
	// Dir is the recordings root; a segment's key is its path below Dir.
	Dir string
	// QueueDir holds the journal of queued uploads.
	QueueDir string
	// LocalCache is the byte budget of uploaded segments kept on disk.
	LocalCache int64
	// Workers is how many segments upload at once (default 4).
	Workers int
	// RetryMin and RetryMax bound the pause after a failed upload, which
	// doubles while the store keeps failing (defaults 1 s and 10 s), so a
	// recorder catches up at most RetryMax after the store is back.
	RetryMin, RetryMax time.Duration
	Log                *slog.Logger
	// Uploaded, when set, is told the size of each segment uploaded.
	Uploaded func(bytes int64)
	// Report, when set, is given the queue's Stats every ReportEvery
	// (default 5 s) and once more at Close: a recorder of a cluster
	// publishes its lag with it (GET /api/v1/cluster/nodes).
	Report      func(ctx context.Context, s Stats)
	ReportEvery time.Duration
}

// Uploader is the component.
type Uploader struct {
	cfg   Config
	st    *store.Store
	objs  Objects
	log   *slog.Logger
	jr    journal
	kick  chan struct{}
	stop  context.CancelFunc
	wg    sync.WaitGroup
	close sync.Once

	mu       sync.Mutex
	pending  map[string]entry // by key
	inFlight map[string]bool
	cache    []cached // uploaded local copies, oldest first
	cacheSum int64
	failures int // consecutive failed uploads
	stats    Stats
}

type cached struct {
	path  string
	bytes int64
}

// Stats describes the queue (the cluster page shows its lag).
type Stats struct {
	Pending      int       // segments waiting for upload
	PendingBytes int64     // their size
	Oldest       time.Time // when the oldest waiting segment was queued (zero: none)
	Uploaded     int64     // segments uploaded since start
	Bytes        int64     // bytes uploaded since start
	Failures     int64     // failed attempts since start
	LocalBytes   int64     // uploaded copies still on local disk
}

// New loads the journal left by the previous run, queues finished local
// segments that the index says are not uploaded yet (a crash between the
// index and the journal), counts the uploaded copies still on disk, and
// starts the workers.
func New(ctx context.Context, st *store.Store, objs Objects, cfg Config) (*Uploader, error) {
	if cfg.Dir == "" || cfg.QueueDir == "" {
		return nil, errors.New("segupload: no directory")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = time.Second
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = max(10*time.Second, cfg.RetryMin)
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if err := os.MkdirAll(cfg.QueueDir, 0o750); err != nil {
		return nil, err
	}
	u := &Uploader{cfg: cfg, st: st, objs: objs, log: cfg.Log.With("part", "segupload"), jr: journal{cfg.QueueDir},
		kick: make(chan struct{}, 1), pending: map[string]entry{}, inFlight: map[string]bool{}}
	entries, bad := u.jr.load()
	for _, err := range bad {
		u.log.Warn("unreadable upload queue entry skipped", "err", err)
	}
	for _, e := range entries {
		u.pending[e.Key] = e
	}
	if err := u.scanLocal(ctx); err != nil {
		return nil, fmt.Errorf("segupload: %w", err)
	}
	if len(u.pending) > 0 {
		u.log.Info("segments waiting for upload", "count", len(u.pending))
	}
	u.trim()
	runCtx, cancel := context.WithCancel(context.Background())
	u.stop = cancel
	for range cfg.Workers {
		u.wg.Add(1)
		go u.work(runCtx)
	}
	if cfg.Report != nil {
		if u.cfg.ReportEvery <= 0 { // u.cfg: the copy report reads
			u.cfg.ReportEvery = 5 * time.Second
		}
		u.wg.Add(1)
		go u.report(runCtx)
	}
	return u, nil
}

// report hands the queue's figures to Config.Report on a timer.
func (u *Uploader) report(ctx context.Context) {
	defer u.wg.Done()
	t := time.NewTicker(u.cfg.ReportEvery)
	defer t.Stop()
	for {
		u.cfg.Report(ctx, u.Stats())
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			u.cfg.Report(final, u.Stats())
			cancel()
			return
		case <-t.C:
		}
	}
}

// Key is the object key of the segment file at path: its path below the
// recordings root, "/"-separated (<camera>/<YYYY>/<MM>/<DD>/<ms>.mp4).
func Key(dir, path string) (string, error) {
	rel, err := filepath.Rel(dir, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "", fmt.Errorf("segment %s is not under %s", path, dir)
	}
	return filepath.ToSlash(rel), nil
}

// Enqueue queues an indexed segment for upload; once it returns, the
// segment is in the journal and will be uploaded even after a restart.
func (u *Uploader) Enqueue(s camera.Segment) error {
	key, err := Key(u.cfg.Dir, s.Path)
	if err != nil {
		return err
	}
	e := entry{Path: s.Path, Key: key, Bytes: s.Bytes, QueuedAt: time.Now()}
	if err := u.jr.add(e); err != nil {
		return fmt.Errorf("queue upload of %s: %w", key, err)
	}
	u.mu.Lock()
	u.pending[key] = e
	u.mu.Unlock()
	u.wake()
	return nil
}

func (u *Uploader) wake() {
	select {
	case u.kick <- struct{}{}:
	default:
	}
}

// Stats reports the queue now.
func (u *Uploader) Stats() Stats {
	u.mu.Lock()
	defer u.mu.Unlock()
	s := u.stats
	s.Pending = len(u.pending)
	for _, e := range u.pending {
		s.PendingBytes += e.Bytes
		if s.Oldest.IsZero() || e.QueuedAt.Before(s.Oldest) {
			s.Oldest = e.QueuedAt
		}
	}
	s.LocalBytes = u.cacheSum
	return s
}

// DropLocalCopies deletes every uploaded copy still on local disk (the
// disk-space floor asks this before it deletes recordings) and returns the
// bytes freed.
func (u *Uploader) DropLocalCopies() int64 {
	u.mu.Lock()
	drop := u.cache
	u.cache, u.cacheSum = nil, 0
	u.mu.Unlock()
	var n int64
	for _, c := range drop {
		if removeFile(c.path) == nil {
			n += c.bytes
		}
	}
	return n
}

// Close stops the workers; an upload cut short stays queued for the next
// start. Calling it again does nothing.
func (u *Uploader) Close() error {
	u.close.Do(func() {
		u.stop()
		u.wg.Wait()
	})
	return nil
}

// next picks the oldest queued segment nobody uploads now.
func (u *Uploader) next() (entry, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	var best entry
	found := false
	for k, e := range u.pending {
		if u.inFlight[k] {
			continue
		}
		if !found || e.QueuedAt.Before(best.QueuedAt) || (e.QueuedAt.Equal(best.QueuedAt) && e.Key < best.Key) {
			best, found = e, true
		}
	}
	if found {
		u.inFlight[best.Key] = true
	}
	return best, found
}

func (u *Uploader) work(ctx context.Context) {
	defer u.wg.Done()
	for ctx.Err() == nil {
		e, ok := u.next()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-u.kick:
			case <-time.After(5 * time.Second):
			}
			continue
		}
		err := u.upload(ctx, e)
		u.mu.Lock()
		delete(u.inFlight, e.Key)
		if err == nil {
			u.failures = 0
			u.mu.Unlock()
			u.wake() // another worker may be sleeping on an empty pick
			continue
		}
		u.failures++
		u.stats.Failures++
		fails := u.failures
		pause := u.cfg.RetryMin << min(fails-1, 16)
		u.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		if fails&(fails-1) == 0 { // 1st, 2nd, 4th, 8th… failure in a row: an outage is not a log flood
			u.log.Warn("segment upload failed; it stays queued on disk", "key", e.Key, "failures_in_a_row", fails,
				"retry_in", min(pause, u.cfg.RetryMax), "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(pause, u.cfg.RetryMax)):
		}
	}
}

// upload sends one segment and points its index row at the object. A
// segment whose file or row disappeared meanwhile (retention, a deleted
// camera) leaves the queue, and an object written for a row that is gone
// is deleted again.
func (u *Uploader) upload(ctx context.Context, e entry) error {
	if _, err := os.Stat(e.Path); errors.Is(err, fs.ErrNotExist) {
		u.forget(e)
		return nil
	}
	if _, err := u.objs.PutFile(ctx, e.Key, e.Path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			u.forget(e)
			return nil
		}
		return err
	}
	found, err := u.st.W().SetSegmentObject(ctx, e.Path, e.Key)
	if err != nil {
		return err // uploaded again next time; the PUT is idempotent
	}
	if !found {
		if err := u.objs.Delete(ctx, e.Key); err != nil {
			return err
		}
		u.forget(e)
		_ = removeFile(e.Path)
		return nil
	}
	u.forget(e)
	u.mu.Lock()
	u.stats.Uploaded++
	u.stats.Bytes += e.Bytes
	u.cache = append(u.cache, cached{path: e.Path, bytes: e.Bytes})
	u.cacheSum += e.Bytes
	u.mu.Unlock()
	if u.cfg.Uploaded != nil {
		u.cfg.Uploaded(e.Bytes)
	}
	u.trim()
	return nil
}

// forget takes e out of the queue and its journal.
func (u *Uploader) forget(e entry) {
	if err := u.jr.done(e.Key); err != nil {
		u.log.Warn("remove upload queue entry", "key", e.Key, "err", err)
	}
	u.mu.Lock()
	delete(u.pending, e.Key)
	u.mu.Unlock()
}

// trim deletes the oldest uploaded local copies beyond the budget.
func (u *Uploader) trim() {
	u.mu.Lock()
	var drop []cached
	for u.cacheSum > u.cfg.LocalCache && len(u.cache) > 0 {
		drop = append(drop, u.cache[0])
		u.cacheSum -= u.cache[0].bytes
		u.cache = u.cache[1:]
	}
	u.mu.Unlock()
	for _, c := range drop {
		if err := removeFile(c.path); err != nil {
			u.log.Warn("remove uploaded local copy", "path", c.path, "err", err)
		}
	}
}

// scanLocal looks at the finished segment files on disk: uploaded ones
// join the local copies (oldest first, by their time-stamped names), and
// indexed ones that are neither uploaded nor queued are queued.
func (u *Uploader) scanLocal(ctx context.Context) error {
	var paths []string
	err := filepath.WalkDir(u.cfg.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".mp4") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	rows, err := u.st.R().SegmentsByPath(ctx, paths)
	if err != nil {
		return err
	}
	type local struct {
		seg camera.Segment
		key string
	}
	var up []local
	for _, p := range paths {
		s, ok := rows[p]
		if !ok {
			continue // not indexed (yet): the recording service decides
		}
		key, err := Key(u.cfg.Dir, p)
		if err != nil {
			continue
		}
		if s.Object != "" {
			up = append(up, local{s, key})
			continue
		}
		if _, queued := u.pending[key]; !queued {
			e := entry{Path: p, Key: key, Bytes: s.Bytes, QueuedAt: s.End}
			if err := u.jr.add(e); err != nil {
				return err
			}
			u.pending[key] = e
		}
	}
	slices.SortFunc(up, func(a, b local) int { return a.seg.Start.Compare(b.seg.Start) })
	for _, l := range up {
		u.cache = append(u.cache, cached{path: l.seg.Path, bytes: l.seg.Bytes})
		u.cacheSum += l.seg.Bytes
	}
	return nil
}

func removeFile(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
