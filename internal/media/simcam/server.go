package simcam

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/pion/rtp"
)

// tick is how often the single feeder goroutine wakes up. Frames are sent
// when due, so 10 ms gives < 10 ms jitter at any frame rate for hundreds of
// streams with one timer.
const tick = 10 * time.Millisecond

// Server serves the clip on every path. Paths are created on first DESCRIBE.
type Server struct {
	clip *Clip

	// InBandParamsOnly leaves SPS/PPS (and VPS) out of the SDP, like
	// cameras that only send them in-band before each keyframe. Set before
	// Start.
	InBandParamsOnly bool

	// OnVideoFrame, when set (before Start), is called on the feeder
	// goroutine as each video frame goes out, with the payload of its last
	// packet: the frame's final bytes identify it at a receiver, so
	// benchmarks measure glass-to-glass latency without touching the video.
	OnVideoFrame func(tail []byte, sent time.Time)

	mu       sync.Mutex
	addr     string
	srv      *gortsplib.Server
	streams  map[string]*stream
	offline  map[string]bool
	running  bool
	stopFeed chan struct{}
	feedDone chan struct{}

	packets atomic.Uint64

	// playing holds the RTSP sessions that reached PLAY and are still
	// open: what a camera with a session limit would count.
	playing map[*gortsplib.ServerSession]bool
	peak    int
}

type stream struct {
	st    *gortsplib.ServerStream
	t0    time.Time
	video trackState
	audio trackState
}

// trackState is where one track of one stream is in the shared clip.
type trackState struct {
	media   *description.Media
	frames  []frame
	loopDur int64 // in clock units
	clock   int64
	i, loop int    // next frame, loops done
	seq     uint16 // RTP sequence number of the next packet
	base    uint32 // random RTP timestamp origin, as a real camera has
}

// New returns a server for clip; call Start.
func New(clip *Clip) *Server {
	return &Server{clip: clip, streams: map[string]*stream{}, offline: map[string]bool{},
		playing: map[*gortsplib.ServerSession]bool{}}
}

// Start listens on addr ("127.0.0.1:0" picks a port; after a Stop, Start("")
// reuses the previous address so clients reconnect to the same URL).
func (s *Server) Start(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return errors.New("simcam: already running")
	}
	if addr == "" {
		addr = s.addr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.addr = ln.Addr().String()
	srv := &gortsplib.Server{
		Handler:     &handler{s: s},
		RTSPAddress: s.addr,
		// Large enough for an I-frame burst to many readers.
		WriteQueueSize: 1024,
		Listen: func(string, string) (net.Listener, error) {
			return ln, nil
		},
	}
	if err := srv.Start(); err != nil {
		ln.Close()
		return err
	}
	s.srv = srv
	s.running = true
	s.stopFeed = make(chan struct{})
	s.feedDone = make(chan struct{})
	go s.feed(s.stopFeed, s.feedDone)
	return nil
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// URL returns the RTSP URL of camera n.
func (s *Server) URL(n int) string { return fmt.Sprintf("rtsp://%s/cam/%d", s.Addr(), n) }

// Stop closes every connection and the listener (a whole-site outage).
func (s *Server) Stop() {
	s.mu.Lock()
	if !s.running {
		s.mu.Unlock()
		return
	}
	s.running = false
	close(s.stopFeed)
	done := s.feedDone
	srv := s.srv
	streams := s.streams
	s.streams = map[string]*stream{}
	s.mu.Unlock()
	<-done
	for _, st := range streams {
		st.st.Close()
	}
	srv.Close()
}

// SetOnline takes one path off the air (its readers are disconnected and
// DESCRIBE answers 404) or back on.
func (s *Server) SetOnline(path string, on bool) {
	path = normPath(path)
	s.mu.Lock()
	var st *stream
	if on {
		delete(s.offline, path)
	} else {
		s.offline[path] = true
		st = s.streams[path]
		delete(s.streams, path)
	}
	s.mu.Unlock()
	if st != nil {
		st.st.Close()
	}
}

// PacketsSent counts RTP packets written to streams.
func (s *Server) PacketsSent() uint64 { return s.packets.Load() }

func normPath(p string) string {
	return strings.Trim(p, "/")
}

// streamFor returns the stream of path, creating it (starting the clip from
// its beginning) on first use.
func (s *Server) streamFor(path string) (*gortsplib.ServerStream, error) {
	path = normPath(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running || s.offline[path] {
		return nil, errNotFound
	}
	if st, ok := s.streams[path]; ok {
		return st.st, nil
	}
	c := s.clip
	vf := cloneFormat(c.vformat, s.InBandParamsOnly)
	desc := &description.Session{Medias: []*description.Media{{Type: description.MediaTypeVideo, Formats: []format.Format{vf}}}}
	if c.aformat != nil {
		a := c.aformat
		af := &format.MPEG4Audio{PayloadTyp: a.PayloadTyp, Config: a.Config, SizeLength: a.SizeLength, IndexLength: a.IndexLength, IndexDeltaLength: a.IndexDeltaLength}
		desc.Medias = append(desc.Medias, &description.Media{Type: description.MediaTypeAudio, Formats: []format.Format{af}})
	}
	ss := &gortsplib.ServerStream{Server: s.srv, Desc: desc}
	if err := ss.Initialize(); err != nil {
		return nil, err
	}
	st := &stream{st: ss, t0: time.Now(), video: trackState{
		media: desc.Medias[0], frames: c.video, loopDur: c.loopDur, clock: 90000,
		seq: uint16(rand.Uint32()), base: rand.Uint32(),
	}}
	if c.aformat != nil {
		st.audio = trackState{
			media: desc.Medias[1], frames: c.audio, loopDur: c.aLoopDur, clock: int64(c.aformat.ClockRate()),
			seq: uint16(rand.Uint32()), base: rand.Uint32(),
		}
	}
	s.streams[path] = st
	return ss, nil
}

func cloneFormat(f format.Format, noParams bool) format.Format {
	switch x := f.(type) {
	case *format.H264:
		if noParams {
			return &format.H264{PayloadTyp: x.PayloadTyp, PacketizationMode: x.PacketizationMode}
		}
		return &format.H264{PayloadTyp: x.PayloadTyp, PacketizationMode: x.PacketizationMode, SPS: x.SPS, PPS: x.PPS}
	case *format.H265:
		if noParams {
			return &format.H265{PayloadTyp: x.PayloadTyp}
		}
		return &format.H265{PayloadTyp: x.PayloadTyp, VPS: x.VPS, SPS: x.SPS, PPS: x.PPS}
	}
	return f
}

var errNotFound = errors.New("no such camera")

// feed is the single goroutine that sends due frames of every stream.
func (s *Server) feed(stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(tick)
	defer t.Stop()
	var list []*stream
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			s.mu.Lock()
			list = list[:0]
			for _, st := range s.streams {
				list = append(list, st)
			}
			s.mu.Unlock()
			for _, st := range list {
				s.sendDue(st, now)
			}
		}
	}
}

func (s *Server) sendDue(st *stream, now time.Time) {
	el := now.Sub(st.t0)
	s.packets.Add(st.video.sendDue(st.st, el, s.OnVideoFrame))
	if st.audio.media != nil {
		s.packets.Add(st.audio.sendDue(st.st, el, nil))
	}
}

// sendDue writes every frame of the track whose time has come (el since the
// stream started) and returns how many packets were written.
func (t *trackState) sendDue(ss *gortsplib.ServerStream, el time.Duration, onFrame func([]byte, time.Time)) uint64 {
	var n uint64
	elc := int64(el) * t.clock / int64(time.Second)
	for {
		f := &t.frames[t.i]
		due := int64(t.loop)*t.loopDur + f.dts
		if due > elc {
			return n
		}
		ts := t.base + uint32(int64(t.loop)*t.loopDur+f.pts)
		for _, p := range f.pkts {
			// Copy the header only; the payload is shared by all streams
			// and never modified (gortsplib marshals it into its own
			// buffer). The encoder stamped packets relative to the frame
			// (0, or 1024·k when it split AAC frames over packets).
			pk := rtp.Packet{Header: p.Header, Payload: p.Payload}
			pk.Timestamp = ts + p.Timestamp
			pk.SequenceNumber = t.seq
			t.seq++
			if ss.WritePacketRTP(t.media, &pk) == nil {
				n++
			}
		}
		if onFrame != nil && len(f.pkts) > 0 {
			onFrame(f.pkts[len(f.pkts)-1].Payload, time.Now())
		}
		t.i++
		if t.i == len(t.frames) {
			t.i = 0
			t.loop++
		}
	}
}

type handler struct{ s *Server }

func (h *handler) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	st, err := h.s.streamFor(ctx.Path)
	if err != nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, st, nil
}

func (h *handler) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	st, err := h.s.streamFor(ctx.Path)
	if err != nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, st, nil
}

func (h *handler) OnPlay(ctx *gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	h.s.mu.Lock()
	h.s.playing[ctx.Session] = true
	h.s.peak = max(h.s.peak, len(h.s.playing))
	h.s.mu.Unlock()
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func (h *handler) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	h.s.mu.Lock()
	delete(h.s.playing, ctx.Session)
	h.s.mu.Unlock()
}

// Sessions is the number of RTSP sessions playing now.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.playing)
}

// PeakSessions is the most sessions that played at once since the last
// ResetPeak (or the start).
func (s *Server) PeakSessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// ResetPeak starts a new PeakSessions window from the sessions playing now.
func (s *Server) ResetPeak() {
	s.mu.Lock()
	s.peak = len(s.playing)
	s.mu.Unlock()
}
