// Package whepclient is a small WHEP (RFC 9725) viewer built on pion: it
// offers to receive H.264 video, counts the frames that arrive and can end
// its session with DELETE. Tests and `vigilo bench live` use it to watch a
// server the way a browser would, on loopback.
package whepclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// Options shape the offer.
type Options struct {
	// Header is added to the offer request (e.g. Authorization).
	Header http.Header
	// Codecs are the video codecs offered; default H.264 only.
	Codecs []webrtc.RTPCodecCapability
	// OnFrame, if set, is called with each complete frame's RTP timestamp
	// and its last packet's payload (the frame's tail) as it arrives.
	OnFrame func(rtpTS uint32, tail []byte)
	// HTTP is the client for the offer and DELETE; default http.DefaultClient.
	HTTP *http.Client
}

// Conn is one viewer.
type Conn struct {
	PC       *webrtc.PeerConnection
	Location string // absolute URL of the session
	http     *http.Client
	header   http.Header
	offered  time.Time

	mu         sync.Mutex
	frames     int
	firstFrame time.Time
	firstKey   time.Time
	lastPacket time.Time
	packets    int
	bytes      int64
}

// H264 is the capability offered by default.
var H264 = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
	SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}

// Connect posts an offer to endpoint and connects. Only loopback candidates
// are gathered, so tests never leave the machine.
func Connect(ctx context.Context, endpoint string, o Options) (*Conn, error) {
	if len(o.Codecs) == 0 {
		o.Codecs = []webrtc.RTPCodecCapability{H264}
	}
	if o.HTTP == nil {
		o.HTTP = http.DefaultClient
	}
	me := &webrtc.MediaEngine{}
	for i, c := range o.Codecs {
		if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: c, PayloadType: webrtc.PayloadType(96 + i)},
			webrtc.RTPCodecTypeVideo); err != nil {
			return nil, err
		}
	}
	// NACKs and reports, like a browser: a packet lost on a busy machine is
	// asked for again instead of costing a frame.
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, reg); err != nil {
		return nil, err
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(0)
	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se), webrtc.WithInterceptorRegistry(reg))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	c := &Conn{PC: pc, http: o.HTTP, header: o.Header}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		pc.Close()
		return nil, err
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { c.read(tr, o.OnFrame) })
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		pc.Close()
		return nil, err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		pc.Close()
		return nil, err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		pc.Close()
		return nil, ctx.Err()
	}
	c.offered = time.Now()
	status, answer, loc, err := c.post(ctx, endpoint, pc.LocalDescription().SDP)
	if err != nil {
		pc.Close()
		return nil, err
	}
	if status != http.StatusCreated {
		pc.Close()
		return nil, &StatusError{Status: status, Body: answer}
	}
	base, _ := url.Parse(endpoint)
	if l, err := base.Parse(loc); err == nil {
		c.Location = l.String()
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		pc.Close()
		return nil, err
	}
	return c, nil
}

// StatusError is a refused offer.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string { return fmt.Sprintf("whep: status %d: %s", e.Status, e.Body) }

// Post sends a raw offer body (for tests of bad input) and returns status
// and body.
func Post(ctx context.Context, client *http.Client, endpoint, contentType, body string, header http.Header) (int, string, error) {
	c := &Conn{http: client, header: header}
	if client == nil {
		c.http = http.DefaultClient
	}
	st, b, _, err := c.postType(ctx, endpoint, contentType, body)
	return st, b, err
}

func (c *Conn) post(ctx context.Context, endpoint, sdp string) (int, string, string, error) {
	return c.postType(ctx, endpoint, "application/sdp", sdp)
}

func (c *Conn) postType(ctx context.Context, endpoint, contentType, body string) (int, string, string, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", endpoint, bytes.NewBufferString(body))
	if err != nil {
		return 0, "", "", err
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location"), nil
}

func (c *Conn) read(tr *webrtc.TrackRemote, onFrame func(uint32, []byte)) {
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		now := time.Now()
		c.mu.Lock()
		c.packets++
		c.bytes += int64(len(pkt.Payload))
		c.lastPacket = now
		if c.firstKey.IsZero() && startsKeyframe(pkt.Payload) {
			c.firstKey = now
		}
		if pkt.Marker {
			c.frames++
			if c.firstFrame.IsZero() {
				c.firstFrame = now
			}
		}
		c.mu.Unlock()
		if pkt.Marker && onFrame != nil {
			onFrame(pkt.Timestamp, pkt.Payload)
		}
	}
}

// startsKeyframe reports whether an H.264 RTP payload carries an IDR slice
// or the SPS that precedes one (single NAL, STAP-A or the first FU-A).
func startsKeyframe(p []byte) bool {
	if len(p) < 2 {
		return false
	}
	switch t := p[0] & 0x1f; t {
	case 5, 7:
		return true
	case 24: // STAP-A: look at the first aggregated NAL
		return len(p) > 3 && (p[3]&0x1f == 5 || p[3]&0x1f == 7)
	case 28: // FU-A: start bit and the fragmented NAL's type
		return p[1]&0x80 != 0 && (p[1]&0x1f == 5)
	}
	return false
}

// Stats is what arrived so far.
type Stats struct {
	Frames, Packets int
	Bytes           int64
	// FirstFrame is how long after the offer the first complete frame
	// arrived (0: none yet).
	FirstFrame time.Duration
	// FirstKeyframe is how long after the offer the first keyframe began
	// to arrive: when a player can show a picture (0: none yet).
	FirstKeyframe time.Duration
	LastPacket    time.Time
}

// Stats reports what arrived so far.
func (c *Conn) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Stats{Frames: c.frames, Packets: c.packets, Bytes: c.bytes, LastPacket: c.lastPacket}
	if !c.firstFrame.IsZero() {
		s.FirstFrame = c.firstFrame.Sub(c.offered)
	}
	if !c.firstKey.IsZero() {
		s.FirstKeyframe = c.firstKey.Sub(c.offered)
	}
	return s
}

// Delete ends the session at the server (DELETE of its Location), then
// closes the peer connection.
func (c *Conn) Delete(ctx context.Context) error {
	defer c.PC.Close()
	if c.Location == "" {
		return errors.New("whep: no session location")
	}
	req, err := http.NewRequestWithContext(ctx, "DELETE", c.Location, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("whep: DELETE: status %d", resp.StatusCode)
	}
	return nil
}

// Close closes the peer connection without telling the server (a viewer
// that vanished).
func (c *Conn) Close() error { return c.PC.Close() }
