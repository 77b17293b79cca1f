package live

import (
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	vmedia "github.com/vigilo/vigilo/internal/media"
)

// rtcQueue bounds the frames waiting for the WebRTC writer of one camera:
// about two seconds at 25 fps. A full queue drops frames for the WebRTC
// viewers of that camera; it never holds back the ingest (and so never the
// recording).
const rtcQueue = 64

// rtcSource is one camera's video for all its WebRTC viewers: one shared
// track, so each frame is packetized once and only encrypted and sent per
// viewer (pion writes a shared track to every peer connection bound to it).
type rtcSource struct {
	cameraID int64
	track    *webrtc.TrackLocalStaticSample
	unwatch  func()
	refs     int // Service.mu

	// frames is never closed: the hub may still be delivering a unit when
	// unwatch returns (it reads its reader list without a lock), so the
	// writer is stopped through quit instead.
	frames chan rtcFrame
	quit   chan struct{}
	done   chan struct{}
	// sent counts payload bytes written to the track; a session meters the
	// growth while it is connected.
	sent atomic.Int64

	// writer goroutine state
	lastDTS int64
	haveDTS bool
	lastDur time.Duration
}

type rtcFrame struct {
	annexB []byte
	dts    int64 // 90 kHz
}

func newRTCSource(cameraID int64) (*rtcSource, error) {
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000},
		"video", "vigilo")
	if err != nil {
		return nil, err
	}
	src := &rtcSource{cameraID: cameraID, track: track, frames: make(chan rtcFrame, rtcQueue),
		quit: make(chan struct{}), done: make(chan struct{})}
	go src.write()
	return src, nil
}

// WriteUnit implements media.Reader: it runs on the ingest goroutine, so it
// only converts and queues.
func (s *rtcSource) WriteUnit(u *vmedia.Unit) {
	if u.Codec != "h264" {
		return
	}
	n := 0
	for _, nalu := range u.AU {
		n += 4 + len(nalu)
	}
	b := make([]byte, 0, n)
	for _, nalu := range u.AU {
		b = append(b, 0, 0, 0, 1)
		b = append(b, nalu...)
	}
	select {
	case s.frames <- rtcFrame{annexB: b, dts: u.DTS}:
	default: // viewers too slow: drop rather than stall the camera
	}
}

func (s *rtcSource) write() {
	defer close(s.done)
	for {
		select {
		case <-s.quit:
			return
		case f := <-s.frames:
			if err := s.track.WriteSample(media.Sample{Data: f.annexB, Duration: s.duration(f.dts)}); err == nil {
				s.sent.Add(int64(len(f.annexB)))
			}
		}
	}
}

// duration is what a sample advances the RTP clock by. The next DTS is not
// known yet, so the interval since the previous written frame stands in
// (cameras send a constant frame rate); a frame dropped from the queue thus
// leaves a gap in the RTP timeline, as a lost frame should.
func (s *rtcSource) duration(dts int64) time.Duration {
	dur := s.lastDur
	if s.haveDTS {
		if d := time.Duration(dts-s.lastDTS) * time.Second / 90000; d > 0 && d < time.Second {
			dur = d
		}
	}
	if dur == 0 {
		dur = 40 * time.Millisecond
	}
	s.lastDTS, s.haveDTS, s.lastDur = dts, true, dur
	return dur
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
