package media

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph265"
	"github.com/pion/rtp"
)

// endpoint is a camera URL split the way gortsplib dials it.
type endpoint struct {
	u    *base.URL
	host string // host:port, with the scheme's default port filled in
}

func parseEndpoint(raw string) (endpoint, error) {
	u, err := base.ParseURL(raw)
	if err != nil {
		return endpoint{}, fmt.Errorf("invalid URL: %w", err)
	}
	host := u.Host
	if _, _, err := net.SplitHostPort(host); err != nil {
		if u.Scheme == "rtsps" {
			host = net.JoinHostPort(host, "322")
		} else {
			host = net.JoinHostPort(host, "554")
		}
	}
	return endpoint{u: u, host: host}, nil
}

// session is one RTSP session of a camera: the packet handlers turn RTP into
// access units and hand them to the recording and the live readers.
type session struct {
	c      *camera
	client *gortsplib.Client
	tc     *trackChoice

	mu         sync.Mutex // serializes the handlers (UDP delivers tracks on different goroutines)
	closed     bool
	waitingKey bool
	params     [][]byte
	info       *segmentInfo // the recording's description at the last keyframe
	rec        *recWriter   // nil while the camera is not recorded
	recGen     uint64
	lastRec    int64 // live-timeline DTS of the last unit recorded (an event's pre-buffer starts after it)
	aacDec     interface {
		Decode(*rtp.Packet) ([][]byte, error)
	}
	// live fan-out
	unit     Unit
	tsOffset int64
	anchored bool
}

// ownHostOnly lets a camera's RTSP session dial only the host it was
// registered with. The client follows DESCRIBE redirects through the same
// dialer, and the dialer maps a P&P camera's stand-in host to that camera's
// agent tunnel: a camera answering "302 Location: rtsp://<another camera's
// stand-in host>/" must not get the server to open someone else's tunnel
// (and any other host was not checked when the camera was registered).
func ownHostOnly(host string, dial DialFunc) DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		h, _, err := net.SplitHostPort(addr)
		if err != nil || !strings.EqualFold(h, host) {
			return nil, fmt.Errorf("refused to follow the camera to %s: a camera's stream stays on its own host %s", addr, host)
		}
		return dial(ctx, network, addr)
	}
}

// dial connects and describes; the client is started but not playing.
func (c *camera) dial(ep endpoint) (*gortsplib.Client, *trackChoice, error) {
	proto := gortsplib.ProtocolTCP
	if c.r.cfg.Transport == "udp" {
		proto = gortsplib.ProtocolUDP
	}
	client := &gortsplib.Client{
		Scheme:            ep.u.Scheme,
		Host:              ep.host,
		Protocol:          &proto,
		ReadTimeout:       rtspTimeout,
		WriteTimeout:      rtspTimeout,
		OnPacketsLost:     c.addLost,
		OnDecodeError:     func(error) { c.addLost(1) },
		OnTransportSwitch: func(error) {},
		DialContext:       ownHostOnly(ep.u.Hostname(), c.r.dial),
	}
	if err := client.Start(); err != nil {
		return nil, nil, err
	}
	desc, _, err := client.Describe(ep.u)
	if err != nil {
		client.Close()
		return nil, nil, err
	}
	tc, err := chooseTracks(desc)
	if err != nil {
		client.Close()
		return nil, nil, err
	}
	if _, err := client.Setup(desc.BaseURL, tc.vmedia, 0, 0); err != nil {
		client.Close()
		return nil, nil, err
	}
	if tc.amedia != nil {
		if _, err := client.Setup(desc.BaseURL, tc.amedia, 0, 0); err != nil {
			tc.amedia = nil // audio is a nice-to-have; keep video
		}
	}
	return client, tc, nil
}

// pull runs one RTSP session until it fails or the camera is stopped; it
// reports whether the camera got as far as streaming.
func (c *camera) pull() (bool, error) {
	ep, err := parseEndpoint(c.target().URL)
	if err != nil {
		return false, err
	}
	// Stopping the camera (or changing its URL) closes the client, which
	// unblocks whatever request is in flight (a silent server could
	// otherwise hold Describe until the read timeout).
	var mu sync.Mutex
	var client *gortsplib.Client
	kicked := false
	kick := func() {
		mu.Lock()
		kicked = true
		if client != nil {
			client.Close()
		}
		mu.Unlock()
	}
	c.kick.Store(&kick)
	defer c.kick.Store(nil)
	stop := context.AfterFunc(c.ctx, kick)
	defer stop()

	cl, tc, err := c.dial(ep)
	if err != nil {
		return false, err
	}
	defer cl.Close()
	mu.Lock()
	client = cl
	if kicked {
		cl.Close()
	}
	mu.Unlock()
	c.setCodec(tc.video.name)

	s := &session{c: c, client: cl, tc: tc, params: tc.params, waitingKey: true, lastRec: math.MinInt64}
	s.unit.Codec = tc.video.name
	if tc.amedia != nil {
		if d, err := tc.aac.CreateDecoder(); err == nil {
			s.aacDec = d
		} else {
			tc.amedia = nil
		}
	}
	cl.OnPacketRTP(tc.vmedia, tc.vformat, s.onVideo)
	if tc.amedia != nil {
		cl.OnPacketRTP(tc.amedia, tc.aac, s.onAudio)
	}
	if _, err := cl.Play(nil); err != nil {
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
	c.r.log.Info("camera online", "camera", c.id, "codec", tc.video.name, "audio", tc.amedia != nil)

	err = cl.Wait()

	s.mu.Lock()
	s.closed = true
	s.stopRecording() // the segment is on disk and reported before we return
	s.mu.Unlock()
	c.mu.Lock()
	c.st.Online = false
	c.st.Recording = false
	c.st.BitrateKbps = 0
	c.st.OverBitrate = false
	c.mu.Unlock()
	if c.ctx.Err() != nil {
		return true, nil
	}
	return true, err
}

func (s *session) onVideo(pkt *rtp.Packet) {
	c := s.c
	c.countRx(len(pkt.Payload))
	// PacketPTS must see every packet: the timestamp decoder anchors on
	// the first packet of a keyframe, not on the packet that completes an
	// access unit.
	pts, ok := s.client.PacketPTS(s.tc.vmedia, pkt)
	if !ok {
		return
	}
	au, err := s.tc.video.decode(pkt)
	if err != nil {
		if !errors.Is(err, rtph264.ErrMorePacketsNeeded) && !errors.Is(err, rtph264.ErrNonStartingPacketAndNoPrevious) &&
			!errors.Is(err, rtph265.ErrMorePacketsNeeded) && !errors.Is(err, rtph265.ErrNonStartingPacketAndNoPrevious) {
			c.addLost(1)
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	vt := s.tc.video
	var changed bool
	s.params, changed = vt.params(au, s.params)
	key := vt.key(au)
	var ki *segmentInfo
	if key {
		if changed || s.info == nil {
			ni, err := vt.info(s.params)
			if err != nil {
				c.setErr(err)
				return
			}
			s.tc.audioInfo(ni)
			s.info = ni
		}
		ki = s.info
		au = vt.withParams(au, s.params)
		s.waitingKey = false
	}
	if s.waitingKey {
		return
	}
	dts, err := vt.dts(au, pts)
	if err != nil {
		// Lost sync (usually a missing packet): resume at the next
		// keyframe rather than pass on undecodable frames.
		c.addLost(1)
		s.waitingKey = true
		return
	}
	now := time.Now()
	s.anchor(dts, now)
	s.record(dts, pts, au, key, ki)
	s.fanOut(dts, pts, au, key, now)
}

func (s *session) onAudio(pkt *rtp.Packet) {
	s.c.countRx(len(pkt.Payload))
	pts, ok := s.client.PacketPTS(s.tc.amedia, pkt)
	if !ok {
		return
	}
	aus, err := s.aacDec.Decode(pkt)
	if err != nil || len(aus) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.waitingKey || s.rec == nil {
		return
	}
	for i, a := range aus {
		s.rec.w.writeAudio(1, pts+int64(i)*1024, a)
	}
}
