package media

import (
	"context"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"
)

// Config configures a Recorder.
type Config struct {
	// RecordingsDir is the root of the segment tree (see package doc).
	RecordingsDir string
	// Sink is told about every finished segment. May be nil (tests, bench).
	Sink Sink
	// Logger defaults to a discarding logger.
	Logger *slog.Logger
	// PartDuration is the fMP4 fragment length, i.e. the most footage a
	// crash can lose. Default 1s.
	PartDuration time.Duration
	// DefaultSegmentLength applies to targets without their own. Default 1m.
	DefaultSegmentLength time.Duration
	// Clock stamps segment start times. Default time.Now; tests replace it.
	Clock func() time.Time
	// Transport is "tcp" (default: works through NAT and firewalls and never
	// loses packets to socket buffers) or "udp".
	Transport string
	// SinkTimeout bounds one Sink call. Default 30s.
	SinkTimeout time.Duration
	// Dial connects to cameras; nil dials anything. The server passes its
	// camera-address policy's DialContext (internal/netpolicy).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Recorder records a changing set of cameras. All methods are safe for
// concurrent use.
type Recorder struct {
	cfg Config
	log *slog.Logger

	mu   sync.Mutex
	cams map[int64]*camera
	// stopping holds cancelled runners still finalizing their segment, so a
	// camera re-added right away waits for them instead of writing twice.
	stopping map[int64]*camera
	closed   bool

	sinkWG sync.WaitGroup
}

// New returns a Recorder that records nothing until Reconcile is called.
func New(cfg Config) *Recorder {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.PartDuration <= 0 {
		cfg.PartDuration = time.Second
	}
	if cfg.DefaultSegmentLength <= 0 {
		cfg.DefaultSegmentLength = time.Minute
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.SinkTimeout <= 0 {
		cfg.SinkTimeout = 30 * time.Second
	}
	return &Recorder{cfg: cfg, log: cfg.Logger, cams: map[int64]*camera{}, stopping: map[int64]*camera{}}
}

// Reconcile makes the running set equal to targets: cameras not running are
// started, cameras not listed are stopped, and cameras whose Target changed
// are restarted. It never blocks on network or disk, so it can be called on
// every event and on a timer. Duplicate camera ids: the last one wins.
func (r *Recorder) Reconcile(targets []Target) {
	want := make(map[int64]Target, len(targets))
	for _, t := range targets {
		want[t.CameraID] = t
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	for id, c := range r.cams {
		if t, ok := want[id]; !ok || t != c.t {
			c.cancel()
			delete(r.cams, id)
			r.stopping[id] = c
			if ok {
				r.startLocked(t, c)
			}
		}
	}
	for id, t := range want {
		if _, ok := r.cams[id]; !ok {
			r.startLocked(t, nil)
		}
	}
}

func (r *Recorder) startLocked(t Target, prev *camera) {
	if prev == nil {
		prev = r.stopping[t.CameraID]
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &camera{r: r, t: t, ctx: ctx, cancel: cancel, done: make(chan struct{}), prev: prev}
	r.cams[t.CameraID] = c
	go func() {
		c.run()
		r.mu.Lock()
		if r.stopping[t.CameraID] == c {
			delete(r.stopping, t.CameraID)
		}
		r.mu.Unlock()
	}()
}

// Running lists the camera ids currently being recorded (or trying to).
func (r *Recorder) Running() []int64 {
	r.mu.Lock()
	ids := make([]int64, 0, len(r.cams))
	for id := range r.cams {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	slices.Sort(ids)
	return ids
}

// Status reports a camera's state; a camera not running has the zero value
// with LastError "not recording".
func (r *Recorder) Status(cameraID int64) CameraStatus {
	r.mu.Lock()
	c := r.cams[cameraID]
	r.mu.Unlock()
	if c == nil {
		return CameraStatus{LastError: "not recording"}
	}
	return c.status()
}

// Close stops every camera, finalizes open segments (renaming them and
// telling the Sink) and waits for the Sink calls to return.
func (r *Recorder) Close() error {
	r.mu.Lock()
	r.closed = true
	cams := make([]*camera, 0, len(r.cams))
	for id, c := range r.cams {
		c.cancel()
		cams = append(cams, c)
		delete(r.cams, id)
	}
	for _, c := range r.stopping {
		cams = append(cams, c)
	}
	r.mu.Unlock()
	for _, c := range cams {
		<-c.done
	}
	r.sinkWG.Wait()
	return nil
}

// Stop is Close without the error, for defer.
func (r *Recorder) Stop() { _ = r.Close() }

// deliver hands a finished segment to the Sink off the ingest goroutine.
func (r *Recorder) deliver(s Segment) {
	r.log.Debug("segment done", "camera", s.CameraID, "path", s.Path, "bytes", s.Bytes, "dur", s.Duration())
	if r.cfg.Sink == nil {
		return
	}
	r.sinkWG.Add(1)
	go func() {
		defer r.sinkWG.Done()
		ctx, cancel := context.WithTimeout(context.Background(), r.cfg.SinkTimeout)
		defer cancel()
		if err := r.cfg.Sink.SegmentDone(ctx, s); err != nil {
			r.log.Error("indexing segment failed", "camera", s.CameraID, "path", s.Path, "err", err)
		}
	}()
}

// RecoverAll runs Recover on RecordingsDir and passes every recovered
// segment to the Sink. Call it once at start-up, before the first Reconcile:
// files being written by a running camera also carry the ".part" suffix.
func (r *Recorder) RecoverAll(ctx context.Context) ([]Segment, error) {
	segs, err := Recover(r.cfg.RecordingsDir)
	if r.cfg.Sink != nil {
		for _, s := range segs {
			if serr := r.cfg.Sink.SegmentDone(ctx, s); serr != nil {
				r.log.Error("indexing recovered segment failed", "path", s.Path, "err", serr)
			}
		}
	}
	return segs, err
}
