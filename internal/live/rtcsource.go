package live

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph264"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	vmedia "github.com/vigilo/vigilo/internal/media"
)

const (
	// rtcQueue bounds the frames waiting for the WebRTC writer of one
	// camera: about six seconds at 25 fps, room for the GOP the hub
	// replays when the first viewer arrives plus the live frames. A full queue drops frames for
	// the WebRTC viewers of that camera until its next keyframe (frames
	// after a hole would not decode); it never holds back the ingest (and
	// so never the recording).
	rtcQueue = 160
	// rtcPayload keeps RTP packets under the path MTU of tunnels and VPNs.
	rtcPayload = 1200
	// replayStep spaces the RTP timestamps of the frames a joining viewer
	// gets from the GOP cache (1 ms): the player decodes them at once and
	// shows live right after, instead of trailing live by the GOP.
	replayStep = 90
	// maxGOPFrames bounds the packets kept for joining viewers.
	maxGOPFrames = 512
	// replayBudget paces joining viewers' catch-up: each gets one pending
	// frame per camera frame (keeping pace), and beyond that they share at
	// most this many bytes per camera frame (~1.6 MB/s at 25 fps). The GOP
	// thus never arrives as one burst that overflows a viewer's socket
	// buffer (the keyframe would be lost, and the picture with it), and
	// many viewers joining at once cannot starve the live frames.
	replayBudget = 64 << 10
	// maxLag is how late the writer may run behind the camera: beyond it
	// (a starved machine) it skips to the next keyframe rather than serve
	// every viewer seconds behind live from a full queue.
	maxLag = 500 * time.Millisecond
)

// rtcSource is one camera's video for all its WebRTC viewers. Each frame is
// packetized once; each viewer has its own track, so its sequence numbers
// are its own and a viewer that joins mid-GOP gets the frames since the
// last keyframe first (a picture at once) while the others get only the
// live frame. Per viewer remain SRTP and the send, as with a shared track.
type rtcSource struct {
	cameraID int64
	unwatch  func()
	refs     int // Service.mu

	// frames is never closed: the hub may still be delivering a unit when
	// unwatch returns (it reads its reader list without a lock), so the
	// writer is stopped through quit instead.
	frames chan rtcFrame
	quit   chan struct{}
	done   chan struct{}
	// skip drops frames until the next keyframe after the queue overflowed
	// (ingest goroutine only).
	skip bool

	mu      sync.Mutex
	viewers atomic.Pointer[[]*rtcViewer] // copy-on-write under mu

	// writer goroutine state
	lagging bool // skipping to the next keyframe (maxLag)
	enc     rtph264.Encoder
	gop     []rtcPackets // the frames since the last keyframe, packetized
}

type rtcFrame struct {
	au     [][]byte // a copy: the hub's unit is valid only during WriteUnit
	dts    int64    // 90 kHz
	key    bool
	replay bool // from the hub's GOP cache: only fills ours
	at     time.Time
}

type rtcPackets struct {
	pkts []*rtp.Packet
	ts   uint32
}

// rtcViewer is one viewer's track. The fields below the atomics belong to
// the writer.
type rtcViewer struct {
	track *webrtc.TrackLocalStaticRTP
	// ready is set once the peer connection is connected (DTLS done):
	// packets written before would be dropped, the keyframe with them.
	ready atomic.Bool
	// restart asks for the GOP again: the viewer lost the picture (it sent
	// a PLI or FIR) and the camera cannot be asked for a keyframe.
	restart atomic.Bool
	// sent counts payload bytes written to this viewer; its session meters
	// the growth while it is connected.
	sent atomic.Int64

	started bool
	seq     uint16
	// off shifts this viewer's RTP timestamps so they keep growing when a
	// restart replays frames older than the last one sent.
	off     uint32
	lastTS  uint32
	sentAny bool
	// pending are frames the viewer still has to catch up on, oldest
	// first, with their timestamps before off.
	pending []rtcPackets
}

func newRTCSource(cameraID int64) (*rtcSource, error) {
	src := &rtcSource{cameraID: cameraID, frames: make(chan rtcFrame, rtcQueue),
		quit: make(chan struct{}), done: make(chan struct{}),
		enc: rtph264.Encoder{PayloadType: 96, PayloadMaxSize: rtcPayload, PacketizationMode: 1}}
	if err := src.enc.Init(); err != nil {
		return nil, err
	}
	src.viewers.Store(&[]*rtcViewer{})
	go src.write()
	return src, nil
}

// addViewer creates a viewer's track; it receives frames once bound.
func (s *rtcSource) addViewer() (*rtcViewer, error) {
	tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000},
		"video", "vigilo")
	if err != nil {
		return nil, err
	}
	v := &rtcViewer{track: tr, seq: uint16(rand.Uint32())}
	s.mu.Lock()
	next := append(append([]*rtcViewer(nil), *s.viewers.Load()...), v)
	s.viewers.Store(&next)
	s.mu.Unlock()
	return v, nil
}

func (s *rtcSource) removeViewer(v *rtcViewer) {
	s.mu.Lock()
	var next []*rtcViewer
	for _, x := range *s.viewers.Load() {
		if x != v {
			next = append(next, x)
		}
	}
	s.viewers.Store(&next)
	s.mu.Unlock()
}

// WriteUnit implements media.Reader: it runs on the ingest goroutine, so it
// only copies and queues.
func (s *rtcSource) WriteUnit(u *vmedia.Unit) {
	if u.Codec != "h264" {
		return
	}
	if s.skip && !u.Key {
		return
	}
	n := 0
	for _, nalu := range u.AU {
		n += len(nalu)
	}
	buf := make([]byte, 0, n)
	au := make([][]byte, len(u.AU))
	for i, nalu := range u.AU {
		buf = append(buf, nalu...)
		au[i] = buf[len(buf)-len(nalu):]
	}
	select {
	case s.frames <- rtcFrame{au: au, dts: u.DTS, key: u.Key, replay: u.Replay, at: time.Now()}:
		s.skip = false
	default: // viewers too slow: drop rather than stall the camera
		s.skip = true
	}
}

func (s *rtcSource) write() {
	defer close(s.done)
	for {
		select {
		case <-s.quit:
			return
		case f := <-s.frames:
			if !f.replay && !f.key && (s.lagging || time.Since(f.at) > maxLag) {
				s.lagging = true
				s.gop = s.gop[:0] // what follows would not decode
				continue
			}
			s.lagging = false
			s.writeFrame(f)
		}
	}
}

func (s *rtcSource) writeFrame(f rtcFrame) {
	pkts, err := s.enc.Encode(f.au)
	if err != nil {
		return
	}
	ts := uint32(f.dts)
	if f.key {
		s.gop = s.gop[:0]
	}
	if len(s.gop) < maxGOPFrames && (f.key || len(s.gop) > 0) {
		s.gop = append(s.gop, rtcPackets{pkts: pkts, ts: ts})
	}
	if f.replay {
		// The GOP so far, handed over when this source started: its
		// timestamps are in the past, so viewers get it through the
		// catch-up below at the next live frame, never as is.
		return
	}
	budget := replayBudget
	for _, v := range *s.viewers.Load() {
		if !v.ready.Load() {
			continue
		}
		if v.restart.Swap(false) && !f.key {
			v.started, v.pending = false, nil
		}
		if !v.started {
			first := ts
			if !f.key {
				// Joined mid-GOP: the frames since the keyframe first,
				// packed 1 ms apart just before this one.
				n := len(s.gop) - 1
				if n <= 0 || len(s.gop) >= maxGOPFrames {
					continue // no keyframe cached: wait for the next one
				}
				v.pending = make([]rtcPackets, 0, n+8)
				for i, fr := range s.gop[:n] {
					v.pending = append(v.pending, rtcPackets{pkts: fr.pkts, ts: ts - uint32((n-i)*replayStep)})
				}
				first = v.pending[0].ts
			}
			if v.sentAny && int32(first+v.off-v.lastTS) <= 0 {
				v.off += v.lastTS + replayStep - (first + v.off)
			}
			v.started = true
		}
		if len(v.pending) == 0 {
			s.send(v, pkts, ts)
			continue
		}
		v.pending = append(v.pending, rtcPackets{pkts: pkts, ts: ts})
		s.catchUp(v, &budget)
	}
}

// catchUp sends a joining viewer's oldest pending frame, and more while
// the budget shared by this camera frame's catch-ups lasts.
func (s *rtcSource) catchUp(v *rtcViewer, budget *int) {
	for i := 0; len(v.pending) > 0 && (i == 0 || *budget > 0); i++ {
		fr := v.pending[0]
		v.pending = v.pending[1:]
		n := s.send(v, fr.pkts, fr.ts)
		if i > 0 {
			*budget -= n
		}
	}
	if len(v.pending) == 0 {
		v.pending = nil
	}
}

// send writes one frame's packets to one viewer with its own sequence
// numbers and the given timestamp, and returns the payload bytes.
func (s *rtcSource) send(v *rtcViewer, pkts []*rtp.Packet, ts uint32) int {
	var p rtp.Packet
	n := 0
	for _, pkt := range pkts {
		p.Header = pkt.Header
		p.Payload = pkt.Payload
		p.SequenceNumber = v.seq
		p.Timestamp = ts + v.off
		v.seq++
		n += len(p.Payload)
		if err := v.track.WriteRTP(&p); err == nil {
			v.sent.Add(int64(len(p.Payload)))
		}
	}
	v.lastTS, v.sentAny = ts+v.off, true
	return n
}

// close stops watching the camera and the writer. A unit still being
// delivered lands in the queue and is dropped with it.
func (s *rtcSource) close() {
	if s.unwatch != nil {
		s.unwatch()
	}
	close(s.quit)
	<-s.done
}
