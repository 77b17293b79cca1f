package media

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/pion/rtp"
)

const (
	// Back-off between connection attempts. The cap is low on purpose: a
	// camera that comes back after a network blip must be recording again
	// within seconds, and a failed RTSP dial costs next to nothing.
	backoffMin = 200 * time.Millisecond
	backoffMax = 1 * time.Second
	// A session that stayed up this long resets the back-off.
	backoffReset = 10 * time.Second
	// rtspTimeout bounds reads and writes; a silent camera is declared
	// gone after this long (gortsplib checks it periodically).
	rtspTimeout = 5 * time.Second
	// bitrateWindow is how often the status bitrate is recomputed.
	bitrateWindow = 3 * time.Second
)

// camera runs one Target: connect, record, reconnect, until stopped.
type camera struct {
	r      *Recorder
	t      Target
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	prev   *camera // previous runner of the same camera id, still finishing

	mu sync.Mutex
	st CameraStatus
	// bitrate accounting: rxBytes is bumped per packet without the lock;
	// the rate is derived from it at most every bitrateWindow.
	rxBytes   atomic.Int64
	rateFrom  time.Time
	rateBytes int64
	frames    uint64 // video frames written by finished sessions
	played    bool   // a session reached PLAY before
}

func (c *camera) status() CameraStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshRateLocked(time.Now())
	return c.st
}

func (c *camera) setErr(err error) {
	c.mu.Lock()
	c.st.LastError, c.st.Reason = describeErr(err), ReasonOf(err)
	c.mu.Unlock()
}

func (c *camera) run() {
	defer close(c.done)
	if c.prev != nil {
		// A restarted camera must not write alongside its old runner.
		<-c.prev.done
		c.prev = nil
	}
	log := c.r.log.With("camera", c.t.CameraID)
	backoff := backoffMin
	for {
		began := time.Now()
		wasOnline, err := c.session()
		if c.ctx.Err() != nil {
			return
		}
		c.setErr(err)
		if wasOnline {
			// Transitions are worth an operator's attention; the retries
			// of a camera that stays down are not.
			log.Info("camera offline", "reason", ReasonOf(err), "err", err)
		} else {
			log.Debug("camera unreachable", "err", err)
		}
		if time.Since(began) > backoffReset {
			backoff = backoffMin
		}
		select {
		case <-c.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff *= 2
		if backoff > backoffMax {
			backoff = backoffMax
		}
	}
}

// videoTrack abstracts the H.264 / H.265 differences the ingest cares about.
type videoTrack struct {
	name   string
	decode func(*rtp.Packet) ([][]byte, error)
	// params extracts parameter sets from an access unit into cur and
	// reports whether they changed.
	params func(au [][]byte, cur [][]byte) ([][]byte, bool)
	// key reports whether au is a random access point.
	key func(au [][]byte) bool
	// dts computes the decode timestamp.
	dts func(au [][]byte, pts int64) (int64, error)
	// info builds the fMP4 description from parameter sets.
	info func(ps [][]byte) (*segmentInfo, error)
	// withParams prepends parameter sets to a keyframe lacking them, so
	// each segment is decodable from its first sample on.
	withParams func(au [][]byte, ps [][]byte) [][]byte
}

func h264Track(f *format.H264) (*videoTrack, [][]byte, error) {
	dec, err := f.CreateDecoder()
	if err != nil {
		return nil, nil, err
	}
	var ext h264.DTSExtractor
	ext.Initialize()
	sps, pps := f.SafeParams()
	vt := &videoTrack{
		name:   "h264",
		decode: dec.Decode,
		params: func(au [][]byte, cur [][]byte) ([][]byte, bool) {
			changed := false
			for _, n := range au {
				if len(n) == 0 {
					continue
				}
				switch h264.NALUType(n[0] & 0x1f) {
				case h264.NALUTypeSPS:
					if !bytesEq(cur[0], n) {
						cur[0] = append([]byte(nil), n...)
						changed = true
					}
				case h264.NALUTypePPS:
					if !bytesEq(cur[1], n) {
						cur[1] = append([]byte(nil), n...)
						changed = true
					}
				}
			}
			return cur, changed
		},
		key: h264.IsRandomAccess,
		dts: ext.Extract,
		info: func(ps [][]byte) (*segmentInfo, error) {
			if ps[0] == nil || ps[1] == nil {
				return nil, errors.New("no SPS/PPS yet")
			}
			var s h264.SPS
			if err := s.Unmarshal(ps[0]); err != nil {
				return nil, fmt.Errorf("bad SPS: %w", err)
			}
			return &segmentInfo{
				codecs:     []fmp4.Codec{&fmp4.CodecH264{SPS: ps[0], PPS: ps[1]}},
				timescales: []uint32{videoClock},
				codecName:  "h264", width: s.Width(), height: s.Height(),
			}, nil
		},
		withParams: func(au [][]byte, ps [][]byte) [][]byte {
			for _, n := range au {
				if len(n) > 0 && h264.NALUType(n[0]&0x1f) == h264.NALUTypeSPS {
					return au
				}
			}
			return append([][]byte{ps[0], ps[1]}, au...)
		},
	}
	return vt, [][]byte{sps, pps}, nil
}

func h265Track(f *format.H265) (*videoTrack, [][]byte, error) {
	dec, err := f.CreateDecoder()
	if err != nil {
		return nil, nil, err
	}
	var ext h265.DTSExtractor
	ext.Initialize()
	vps, sps, pps := f.SafeParams()
	vt := &videoTrack{
		name:   "h265",
		decode: dec.Decode,
		params: func(au [][]byte, cur [][]byte) ([][]byte, bool) {
			changed := false
			for _, n := range au {
				if len(n) == 0 {
					continue
				}
				i := -1
				switch h265.NALUType((n[0] >> 1) & 0x3f) {
				case h265.NALUType_VPS_NUT:
					i = 0
				case h265.NALUType_SPS_NUT:
					i = 1
				case h265.NALUType_PPS_NUT:
					i = 2
				}
				if i >= 0 && !bytesEq(cur[i], n) {
					cur[i] = append([]byte(nil), n...)
					changed = true
				}
			}
			return cur, changed
		},
		key: h265.IsRandomAccess,
		dts: ext.Extract,
		info: func(ps [][]byte) (*segmentInfo, error) {
			if ps[0] == nil || ps[1] == nil || ps[2] == nil {
				return nil, errors.New("no VPS/SPS/PPS yet")
			}
			var s h265.SPS
			if err := s.Unmarshal(ps[1]); err != nil {
				return nil, fmt.Errorf("bad SPS: %w", err)
			}
			return &segmentInfo{
				codecs:     []fmp4.Codec{&fmp4.CodecH265{VPS: ps[0], SPS: ps[1], PPS: ps[2]}},
				timescales: []uint32{videoClock},
				codecName:  "h265", width: s.Width(), height: s.Height(),
			}, nil
		},
		withParams: func(au [][]byte, ps [][]byte) [][]byte {
			for _, n := range au {
				if len(n) > 0 && h265.NALUType((n[0]>>1)&0x3f) == h265.NALUType_SPS_NUT {
					return au
				}
			}
			return append([][]byte{ps[0], ps[1], ps[2]}, au...)
		},
	}
	return vt, [][]byte{vps, sps, pps}, nil
}

func bytesEq(a, b []byte) bool { return string(a) == string(b) }

// session runs one RTSP session until it fails or the camera is stopped; it
// reports whether the camera got as far as streaming.
func (c *camera) session() (bool, error) {
	u, err := base.ParseURL(c.t.URL)
	if err != nil {
		return false, fmt.Errorf("invalid URL: %w", err)
	}
	host := u.Host
	if _, _, err := net.SplitHostPort(host); err != nil {
		if u.Scheme == "rtsps" {
			host = net.JoinHostPort(host, "322")
		} else {
			host = net.JoinHostPort(host, "554")
		}
	}
	proto := gortsplib.ProtocolTCP
	if c.r.cfg.Transport == "udp" {
		proto = gortsplib.ProtocolUDP
	}

	var mu sync.Mutex // serializes the callbacks (UDP delivers tracks on different goroutines)
	client := &gortsplib.Client{
		Scheme:            u.Scheme,
		Host:              host,
		Protocol:          &proto,
		ReadTimeout:       rtspTimeout,
		WriteTimeout:      rtspTimeout,
		OnPacketsLost:     c.addLost,
		OnDecodeError:     func(error) { c.addLost(1) },
		OnTransportSwitch: func(error) {},
		DialContext:       bufferedDialer(c.r.cfg.Dial),
	}
	if err := client.Start(); err != nil {
		return false, err
	}
	defer client.Close()

	// Stopping the camera closes the client, which unblocks whatever
	// request is in flight (a silent server could otherwise hold Describe
	// until the read timeout).
	stop := context.AfterFunc(c.ctx, client.Close)
	defer stop()

	desc, _, err := client.Describe(u)
	if err != nil {
		return false, err
	}

	var vt *videoTrack
	var params [][]byte
	var vmedia *description.Media
	var vformat format.Format
	var f264 *format.H264
	var f265 *format.H265
	if m := desc.FindFormat(&f264); m != nil {
		vt, params, err = h264Track(f264)
		vmedia, vformat = m, f264
	} else if m := desc.FindFormat(&f265); m != nil {
		vt, params, err = h265Track(f265)
		vmedia, vformat = m, f265
	} else {
		return false, errNoVideo
	}
	if err != nil {
		return false, err
	}
	var faac *format.MPEG4Audio
	amedia := desc.FindFormat(&faac)
	if amedia != nil && (faac.Config == nil || faac.Config.SampleRate == 0) {
		amedia = nil
	}

	if _, err := client.Setup(desc.BaseURL, vmedia, 0, 0); err != nil {
		return false, err
	}
	if amedia != nil {
		if _, err := client.Setup(desc.BaseURL, amedia, 0, 0); err != nil {
			amedia = nil // audio is a nice-to-have; keep video
		}
	}

	// File I/O runs on its own goroutine so a slow disk does not hold
	// back the RTSP reads; it is drained before the session returns.
	fw := newFileWriter(true)
	defer fw.close()
	fw.onPart = func(end time.Time, n int) {
		c.mu.Lock()
		c.st.LastSegmentAt = end
		c.refreshRateLocked(time.Now())
		c.mu.Unlock()
	}
	fw.onSegment = c.r.deliver
	fw.onError = func(err error) {
		c.setErr(fmt.Errorf("%w: %w", errWrite, err))
		c.r.log.Warn("segment write failed", "camera", c.t.CameraID, "err", err)
	}
	w := &segmentWriter{
		dir:      c.r.cfg.RecordingsDir,
		cameraID: c.t.CameraID,
		partDur:  durToClock(c.r.cfg.PartDuration, videoClock),
		segLen:   durToClock(c.segmentLength(), videoClock),
		now:      c.r.cfg.Clock,
		io:       fw,
	}
	var info *segmentInfo
	var aacDec interface {
		Decode(*rtp.Packet) ([][]byte, error)
	}
	if amedia != nil {
		d, err := faac.CreateDecoder()
		if err != nil {
			amedia = nil
		} else {
			aacDec = d
		}
	}
	waitingKey := true
	closed := false

	client.OnPacketRTP(vmedia, vformat, func(pkt *rtp.Packet) {
		c.countRx(len(pkt.Payload))
		// PacketPTS must see every packet: the timestamp decoder anchors
		// on the first packet of a keyframe, not on the packet that
		// completes an access unit.
		pts, ok := client.PacketPTS(vmedia, pkt)
		if !ok {
			return
		}
		au, err := vt.decode(pkt)
		if err != nil {
			if !errors.Is(err, rtph264.ErrMorePacketsNeeded) && !errors.Is(err, rtph264.ErrNonStartingPacketAndNoPrevious) &&
				!errors.Is(err, rtph265.ErrMorePacketsNeeded) && !errors.Is(err, rtph265.ErrNonStartingPacketAndNoPrevious) {
				c.addLost(1)
			}
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if closed {
			return
		}
		var changed bool
		params, changed = vt.params(au, params)
		key := vt.key(au)
		if key {
			if changed || info == nil {
				ni, err := vt.info(params)
				if err != nil {
					c.setErr(err)
					return
				}
				if amedia != nil {
					ni.codecs = append(ni.codecs, &fmp4.CodecMPEG4Audio{Config: *faac.Config})
					ni.timescales = append(ni.timescales, uint32(faac.ClockRate()))
				}
				info = ni
			}
			au = vt.withParams(au, params)
			waitingKey = false
		}
		if waitingKey {
			return
		}
		dts, err := vt.dts(au, pts)
		if err != nil {
			// Lost sync (usually a missing packet): resume at the
			// next keyframe rather than write undecodable frames.
			c.addLost(1)
			waitingKey = true
			return
		}
		var ki *segmentInfo
		if key {
			ki = info
		}
		if err := w.writeVideo(dts, int32(pts-dts), au, key, ki); err != nil {
			c.setErr(err)
			c.r.log.Warn("cannot start a segment", "camera", c.t.CameraID, "err", err)
		}
		c.mu.Lock()
		c.st.FramesWritten = c.frames + w.frames
		c.st.Recording = w.open()
		c.mu.Unlock()
	})

	if amedia != nil {
		client.OnPacketRTP(amedia, faac, func(pkt *rtp.Packet) {
			c.countRx(len(pkt.Payload))
			pts, ok := client.PacketPTS(amedia, pkt)
			if !ok {
				return
			}
			aus, err := aacDec.Decode(pkt)
			if err != nil || len(aus) == 0 {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if closed || waitingKey {
				return
			}
			for i, a := range aus {
				w.writeAudio(1, pts+int64(i)*1024, a)
			}
		})
	}

	if _, err := client.Play(nil); err != nil {
		return false, err
	}
	c.mu.Lock()
	if c.played {
		c.st.Reconnects++
	}
	c.played = true
	c.st.Online = true
	c.st.LastError, c.st.Reason = "", ""
	c.rateFrom = time.Now()
	c.rateBytes = c.rxBytes.Load()
	c.mu.Unlock()
	c.r.log.Info("camera online", "camera", c.t.CameraID, "codec", vt.name, "audio", amedia != nil)

	err = client.Wait()

	mu.Lock()
	closed = true
	w.finish(true)
	mu.Unlock()
	fw.close() // the segment is on disk and reported before we return
	c.mu.Lock()
	c.st.Online = false
	c.st.Recording = false
	c.st.BitrateKbps = 0
	c.st.OverBitrate = false
	c.frames += w.frames
	c.mu.Unlock()
	if c.ctx.Err() != nil {
		return true, nil
	}
	return true, err
}

func (c *camera) segmentLength() time.Duration {
	if c.t.SegmentLength > 0 {
		return c.t.SegmentLength
	}
	return c.r.cfg.DefaultSegmentLength
}

func (c *camera) addLost(n uint64) {
	c.mu.Lock()
	c.st.FramesLost += n
	c.mu.Unlock()
}

// countRx accounts received payload bytes; called for every packet.
func (c *camera) countRx(n int) { c.rxBytes.Add(int64(n)) }

// refreshRateLocked recomputes the bitrate once per bitrateWindow.
func (c *camera) refreshRateLocked(now time.Time) {
	if !c.st.Online {
		return
	}
	el := now.Sub(c.rateFrom)
	if el < bitrateWindow {
		return
	}
	rx := c.rxBytes.Load()
	kbps := int(float64(rx-c.rateBytes) * 8 / el.Seconds() / 1000)
	c.st.BitrateKbps = kbps
	over := c.t.MaxBitrateKbps > 0 && kbps > c.t.MaxBitrateKbps
	if over {
		c.st.LastError = fmt.Sprintf("bitrate %d kbps is above the plan limit of %d kbps", kbps, c.t.MaxBitrateKbps)
	} else if c.st.OverBitrate {
		c.st.LastError = ""
	}
	c.st.OverBitrate = over
	c.rateFrom, c.rateBytes = now, rx
}

// readBufferSize is the socket read buffer under gortsplib's own 4 KiB
// bufio.Reader. Profiling 50-200 cameras showed read(2) as the largest CPU
// cost: one syscall per ~3 RTP packets. Reading up to 32 KiB at a time makes
// it about one per burst of packets, for 32 KiB of memory per camera.
const readBufferSize = 32 << 10

type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// bufferedDialer wraps dial (nil: a plain net.Dialer) with a read buffer.
func bufferedDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &bufferedConn{Conn: conn, r: bufio.NewReaderSize(conn, readBufferSize)}, nil
	}
}
