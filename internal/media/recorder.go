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
	// camera-address policy's DialContext (internal/netpolicy), used for
	// every pull, recorded or live.
	Dial DialFunc
	// LiveLinger is how long a camera pulled only for live viewers stays
	// connected after its last viewer left, so a viewer who comes back (or
	// switches from WebRTC to HLS) does not wait for a new RTSP session.
	// Default 30s.
	LiveLinger time.Duration
	// EventPreBuffer is how much video before an event an events-only
	// camera's recording starts with (at a keyframe at or before it, so up
	// to a GOP more). Default and minimum 5s.
	EventPreBuffer time.Duration
	// EventPostBuffer is how long an events-only camera goes on recording
	// after its event ended. Default and minimum 10s.
	EventPostBuffer time.Duration
}

// Least pre- and post-buffers of event recording: what an events plan
// promises whatever the configuration says.
const (
	MinEventPreBuffer  = 5 * time.Second
	MinEventPostBuffer = 10 * time.Second
)

// Recorder is the stream hub: it pulls each camera once, records the
// cameras of the recorded set (Reconcile) and fans the same access units
// out to live readers (Watch), pulling a camera that is not recorded on
// demand. All methods are safe for concurrent use.
type Recorder struct {
	cfg  Config
	log  *slog.Logger
	dial DialFunc

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
	if cfg.LiveLinger <= 0 {
		cfg.LiveLinger = 30 * time.Second
	}
	cfg.EventPreBuffer = max(cfg.EventPreBuffer, MinEventPreBuffer)
	cfg.EventPostBuffer = max(cfg.EventPostBuffer, MinEventPostBuffer)
	dial := cfg.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	return &Recorder{cfg: cfg, log: cfg.Logger, dial: buffered(dial), cams: map[int64]*camera{}, stopping: map[int64]*camera{}}
}

// Reconcile makes the recorded set equal to targets: cameras not pulled are
// started, recorded cameras not listed stop recording (and are released
// unless live viewers watch them), and cameras whose Target changed pick up
// the change (a new URL reconnects, new recording settings start a new
// segment). It never blocks on network or disk, so it can be called on every
// event and on a timer. Duplicate camera ids: the last one wins.
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
		t, ok := want[id]
		switch {
		case !ok && c.wantRec:
			c.wantRec = false
			c.recording.Store(false)
			if c.nReaders == 0 {
				r.stopLocked(c)
			}
		case ok:
			if c.target() != t {
				c.retarget(t)
			}
			if !c.wantRec {
				c.wantRec = true
				c.recording.Store(true)
				if c.linger != nil {
					c.linger.Stop()
					c.linger = nil
				}
			}
		}
	}
	for id, t := range want {
		if _, ok := r.cams[id]; !ok {
			c := r.startLocked(t)
			c.wantRec = true
			c.recording.Store(true)
		}
	}
}

// startLocked starts pulling a camera; the caller says who wants it.
func (r *Recorder) startLocked(t Target) *camera {
	ctx, cancel := context.WithCancel(context.Background())
	c := &camera{r: r, id: t.CameraID, t: t, ctx: ctx, cancel: cancel, done: make(chan struct{}),
		ready: make(chan struct{}), prev: r.stopping[t.CameraID]}
	c.setEventsOnly(t.EventsOnly)
	r.cams[t.CameraID] = c
	go func() {
		c.run()
		r.mu.Lock()
		if r.stopping[t.CameraID] == c {
			delete(r.stopping, t.CameraID)
		}
		r.mu.Unlock()
	}()
	return c
}

// stopLocked cancels a camera's pull; it finishes its segment in the
// background (a camera started again meanwhile waits for it).
func (r *Recorder) stopLocked(c *camera) {
	c.cancel()
	if c.linger != nil {
		c.linger.Stop()
		c.linger = nil
	}
	delete(r.cams, c.id)
	r.stopping[c.id] = c
}

// Running lists the camera ids currently being recorded (or trying to).
func (r *Recorder) Running() []int64 {
	r.mu.Lock()
	ids := make([]int64, 0, len(r.cams))
	for id, c := range r.cams {
		if c.wantRec {
			ids = append(ids, id)
		}
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
	for _, c := range r.cams {
		cams = append(cams, c)
		r.stopLocked(c)
	}
	for _, c := range r.stopping {
		if !slices.Contains(cams, c) {
			cams = append(cams, c)
		}
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
