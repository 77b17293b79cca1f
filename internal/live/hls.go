package live

import (
	"context"
	"net/http"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gohlslib/v2"
	"github.com/bluenviron/gohlslib/v2/pkg/codecs"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/media"
)

const (
	// Parts of 200 ms (at most one frame interval more) keep LL-HLS
	// players about a second behind live; segments are cut at the
	// camera's keyframes, at least one second apart.
	hlsPart    = 200 * time.Millisecond
	hlsSegment = time.Second
	hlsKeep    = 7
)

// hlsSource is one camera's LL-HLS muxer, shared by all its HLS viewers. It
// starts at the camera's next keyframe (its parameter sets describe the
// track) and is closed after Config.HLSIdle without requests.
type hlsSource struct {
	cameraID int64
	unwatch  func()
	used     atomic.Int64 // unix nanoseconds of the last request
	log      func(err error)

	mu     sync.Mutex
	mux    *gohlslib.Muxer
	track  *gohlslib.Track
	codec  string
	closed bool
	ready  chan struct{} // closed once mux is started
}

func (h *hlsSource) touch()              { h.used.Store(time.Now().UnixNano()) }
func (h *hlsSource) lastUsed() time.Time { return time.Unix(0, h.used.Load()) }

// WriteUnit implements media.Reader. The muxer works in memory, so writing
// on the ingest goroutine is cheap and keeps the frames in order.
func (h *hlsSource) WriteUnit(u *media.Unit) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	if h.mux == nil || h.codec != u.Codec {
		if !u.Key || !h.start(u) {
			return
		}
	}
	var err error
	if u.Codec == "h264" {
		err = h.mux.WriteH264(h.track, u.NTP, u.PTS, u.AU)
	} else {
		err = h.mux.WriteH265(h.track, u.NTP, u.PTS, u.AU)
	}
	if err != nil {
		h.log(err)
	}
}

// start creates the muxer from a keyframe's parameter sets.
func (h *hlsSource) start(u *media.Unit) bool {
	var c codecs.Codec
	switch u.Codec {
	case "h264":
		c = &codecs.H264{SPS: clone(u.Params[0]), PPS: clone(u.Params[1])}
	case "h265":
		c = &codecs.H265{VPS: clone(u.Params[0]), SPS: clone(u.Params[1]), PPS: clone(u.Params[2])}
	default:
		return false
	}
	if h.mux != nil {
		h.mux.Close() // the camera changed codec: a new stream
	}
	track := &gohlslib.Track{Codec: c, ClockRate: 90000}
	mux := &gohlslib.Muxer{
		Tracks:             []*gohlslib.Track{track},
		Variant:            gohlslib.MuxerVariantLowLatency,
		SegmentCount:       hlsKeep,
		SegmentMinDuration: hlsSegment,
		PartMinDuration:    hlsPart,
		OnEncodeError:      h.log,
	}
	if err := mux.Start(); err != nil {
		h.log(err)
		return false
	}
	h.mux, h.track, h.codec = mux, track, u.Codec
	select {
	case <-h.ready:
	default:
		close(h.ready)
	}
	return true
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func (h *hlsSource) close() {
	h.mu.Lock()
	h.closed = true
	if h.mux != nil {
		h.mux.Close()
	}
	h.mu.Unlock()
	h.unwatch()
}

func (h *hlsSource) muxer() *gohlslib.Muxer {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	return h.mux
}

// ServeHLS serves the camera's LL-HLS stream: index.m3u8 and every playlist,
// init section, segment and part it names, by the last path element of the
// request. The first request of a camera starts its muxer (and its pull).
func (s *Service) ServeHLS(w http.ResponseWriter, r *http.Request, cameraID int64, check Check) {
	if err := s.serveHLS(w, r, cameraID, check); err != nil {
		httpx.WriteError(w, r, s.log, err)
	}
}

func (s *Service) serveHLS(w http.ResponseWriter, r *http.Request, cameraID int64, check Check) error {
	if err := s.recheck(r.Context(), cameraID, check); err != nil {
		return err
	}
	file := path.Base(r.URL.Path)
	if !strings.HasSuffix(file, ".m3u8") && !strings.HasSuffix(file, ".mp4") {
		return errs.NotFoundf("no such live file")
	}
	h, err := s.acquireHLS(r.Context(), cameraID)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.CodecWait)
	defer cancel()
	select {
	case <-h.ready:
	case <-ctx.Done():
		if r.Context().Err() != nil {
			return nil // the viewer left
		}
		st := s.hub.Status(cameraID)
		return errs.Conflictf("camera_unavailable", "the camera is not streaming: %s", st.LastError)
	}
	mux := h.muxer()
	if mux == nil {
		return errs.Conflictf("camera_unavailable", "the live stream was restarted; reload the playlist")
	}
	cw := &countingWriter{ResponseWriter: w}
	mux.Handle(cw, r)
	h.touch()
	if cw.status == 0 {
		return errs.NotFoundf("no such live file (it may have left the live window)")
	}
	check.meter(cw.n)
	return nil
}

// acquireHLS returns the camera's muxer, creating it (and watching the
// camera) on the first request.
func (s *Service) acquireHLS(ctx context.Context, cameraID int64) (*hlsSource, error) {
	s.mu.Lock()
	if h := s.hls[cameraID]; h != nil {
		h.touch()
		s.mu.Unlock()
		return h, nil
	}
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, errs.Conflictf("shutting_down", "the server is shutting down")
	}
	ms, err := s.source(ctx, cameraID)
	if err != nil {
		return nil, err
	}
	h := &hlsSource{cameraID: cameraID, ready: make(chan struct{}),
		log: func(err error) { s.log.Debug("hls muxer", "camera", cameraID, "err", err) }}
	h.touch()
	s.mu.Lock()
	if cur := s.hls[cameraID]; cur != nil {
		s.mu.Unlock()
		return cur, nil
	}
	unwatch, err := s.hub.Watch(ms, h)
	if err != nil {
		s.mu.Unlock()
		return nil, errs.Wrap(err, "watch camera")
	}
	h.unwatch = unwatch
	s.hls[cameraID] = h
	s.mu.Unlock()
	return h, nil
}

// countingWriter counts the bytes of one response for metering.
type countingWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (c *countingWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	return n, err
}

func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
