package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/httpx"
)

const (
	maxOfferBytes = 64 << 10
	// gatherWait bounds ICE gathering before the answer goes out; with
	// one muxed port and host candidates only it completes at once.
	gatherWait = 3 * time.Second
	// connectWait closes a session whose viewer never connected.
	connectWait = 20 * time.Second
)

// whepSession is one WebRTC viewer.
type whepSession struct {
	id       string
	cameraID int64
	s        *Service
	pc       *webrtc.PeerConnection
	src      *rtcSource
	viewer   *rtcViewer
	check    Check

	once sync.Once
	done chan struct{}
}

// ServeWHEP answers a WHEP offer (RFC 9725): the request body is an
// application/sdp offer; the answer is 201 with the SDP answer and the
// session's Location, location(sessionID), which DELETE ends (DeleteWHEP).
func (s *Service) ServeWHEP(w http.ResponseWriter, r *http.Request, cameraID int64, check Check, location func(sessionID string) string) {
	if err := s.serveWHEP(w, r, cameraID, check, location); err != nil {
		httpx.WriteError(w, r, s.log, err)
	}
}

func (s *Service) serveWHEP(w http.ResponseWriter, r *http.Request, cameraID int64, check Check, location func(string) string) error {
	if err := check.Recheck(r.Context()); err != nil {
		return err
	}
	offer, err := readOffer(r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.CodecWait)
	defer cancel()
	src, err := s.acquireRTC(ctx, cameraID)
	if err != nil {
		return err
	}
	ws := &whepSession{id: newID(), cameraID: cameraID, s: s, src: src, check: check, done: make(chan struct{})}
	answer, err := ws.negotiate(offer)
	if err != nil {
		s.releaseRTC(src)
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ws.pc.Close()
		src.removeViewer(ws.viewer)
		s.releaseRTC(src)
		return errs.Conflictf("shutting_down", "the server is shutting down")
	}
	s.sessions[ws.id] = ws
	s.mu.Unlock()
	s.wg.Add(1)
	go ws.watch()

	h := w.Header()
	h.Set("Content-Type", "application/sdp")
	h.Set("Location", location(ws.id))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, answer)
	return nil
}

// readOffer reads and validates the SDP offer: 400 naming "sdp" for
// anything a peer connection would choke on, so bad input never reaches
// pion as a 5xx.
func readOffer(r *http.Request) (string, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/sdp") {
		return "", errs.Field("sdp", "must be sent as Content-Type: application/sdp")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxOfferBytes+1))
	if err != nil {
		return "", errs.Field("sdp", "could not be read")
	}
	if len(body) > maxOfferBytes {
		return "", errs.Field("sdp", "is larger than 64 KiB")
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(body)); err != nil {
		return "", errs.Field("sdp", "is not a valid SDP offer: "+err.Error())
	}
	video := false
	for _, m := range sd.MediaDescriptions {
		if m.MediaName.Media != "video" {
			continue
		}
		video = true
		for _, a := range m.Attributes {
			if a.Key == "rtpmap" && strings.Contains(strings.ToUpper(a.Value), " H264/90000") {
				return string(body), nil
			}
		}
	}
	if !video {
		return "", errs.Field("sdp", "the offer has no video section (m=video, recvonly)")
	}
	return "", errs.Field("sdp", "the offer has no H.264 video codec (a=rtpmap:… H264/90000); use the LL-HLS stream instead")
}

// negotiate creates the peer connection with a viewer track of the camera's
// source and returns the SDP answer with every candidate in it (no trickle).
func (ws *whepSession) negotiate(offer string) (string, error) {
	s := ws.s
	v, err := ws.src.addViewer()
	if err != nil {
		return "", errs.Wrap(err, "viewer track")
	}
	ws.viewer = v
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{ICEServers: s.cfg.ICEServers})
	if err != nil {
		ws.src.removeViewer(v)
		return "", errs.Wrap(err, "new peer connection")
	}
	ws.pc = pc
	fail := func(err error) (string, error) {
		pc.Close()
		ws.src.removeViewer(v)
		return "", err
	}
	sender, err := pc.AddTrack(v.track)
	if err != nil {
		return fail(errs.Wrap(err, "add track"))
	}
	go func() {
		// RTCP must be read for NACKs and reports to work; a picture loss
		// (PLI/FIR) replays the GOP to this viewer.
		for {
			pkts, _, err := sender.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				switch p.(type) {
				case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
					v.restart.Store(true)
				}
			}
		}
	}()
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fail(errs.Field("sdp", "cannot be used: "+err.Error()))
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail(errs.Field("sdp", "no answer possible: "+err.Error()))
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return fail(errs.Wrap(err, "set local description"))
	}
	select {
	case <-gathered:
	case <-time.After(gatherWait):
	}
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			v.ready.Store(true)
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			go ws.end("connection " + st.String())
		}
	})
	return pc.LocalDescription().SDP, nil
}

// watch re-authorizes the viewer every second, meters what was sent and
// ends the session when the check fails or the viewer never connects.
func (ws *whepSession) watch() {
	defer ws.s.wg.Done()
	t := time.NewTicker(recheckEvery)
	defer t.Stop()
	started := time.Now()
	var base int64
	connected := false
	flush := func() {
		if connected {
			cur := ws.viewer.sent.Load()
			ws.check.meter(cur - base)
			base = cur
		}
	}
	defer flush()
	for {
		select {
		case <-ws.done:
			return
		case <-t.C:
		}
		if !connected && ws.pc.ConnectionState() == webrtc.PeerConnectionStateConnected {
			connected, base = true, ws.viewer.sent.Load()
		}
		if !connected && time.Since(started) > connectWait {
			go ws.end("never connected")
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := ws.check.Recheck(ctx)
		cancel()
		if err != nil {
			ws.s.log.Info("live session refused", "camera", ws.cameraID, "session", ws.id, "reason", errs.CodeOf(err))
			go ws.end("access withdrawn")
			continue
		}
		flush()
	}
}

// end closes the peer connection and releases the camera's track.
func (ws *whepSession) end(reason string) {
	ws.once.Do(func() {
		s := ws.s
		s.mu.Lock()
		delete(s.sessions, ws.id)
		s.mu.Unlock()
		close(ws.done)
		_ = ws.pc.Close()
		ws.src.removeViewer(ws.viewer)
		s.releaseRTC(ws.src)
		s.log.Debug("live session ended", "camera", ws.cameraID, "session", ws.id, "reason", reason)
	})
}

// DeleteWHEP ends a session (the DELETE of its Location). The session id is
// an unguessable capability handed only to the viewer who opened it.
func (s *Service) DeleteWHEP(w http.ResponseWriter, r *http.Request, cameraID int64, sessionID string) {
	s.mu.Lock()
	ws := s.sessions[sessionID]
	s.mu.Unlock()
	if ws == nil || (ws.cameraID != cameraID && ws.cameraID != SubStreamKey(cameraID)) {
		httpx.WriteError(w, r, s.log, errs.NotFoundf("no such live session"))
		return
	}
	ws.end("deleted by the viewer")
	w.WriteHeader(http.StatusOK)
}

// Sessions is the number of open WebRTC sessions.
func (s *Service) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// acquireRTC returns the camera's shared track, pulling the camera if
// needed; H.265 cameras are refused with a pointer to HLS.
func (s *Service) acquireRTC(ctx context.Context, cameraID int64) (*rtcSource, error) {
	s.mu.Lock()
	if src := s.rtc[cameraID]; src != nil {
		src.refs++
		s.mu.Unlock()
		return src, nil
	}
	s.mu.Unlock()
	ms, err := s.source(ctx, cameraID)
	if err != nil {
		return nil, err
	}
	src, err := newRTCSource(cameraID)
	if err != nil {
		return nil, errs.Wrap(err, "webrtc track")
	}
	unwatch, err := s.hub.Watch(ms, src)
	if err != nil {
		src.close()
		return nil, errs.Wrap(err, "watch camera")
	}
	src.unwatch = unwatch
	codec, err := s.hub.Codec(ctx, cameraID)
	if err != nil {
		src.close()
		return nil, errs.Conflictf("camera_unavailable", "the camera is not streaming: %v", err)
	}
	if codec != "h264" {
		src.close()
		return nil, errs.Conflictf("codec_unsupported",
			"this camera sends %s, which WebRTC cannot carry without transcoding; play the LL-HLS stream (live/index.m3u8) instead",
			strings.ToUpper(codec))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.rtc[cameraID]; cur != nil {
		// Another viewer raced us here: share theirs.
		cur.refs++
		go src.close()
		return cur, nil
	}
	src.refs = 1
	s.rtc[cameraID] = src
	return src, nil
}

func (s *Service) releaseRTC(src *rtcSource) {
	s.mu.Lock()
	src.refs--
	last := src.refs <= 0
	if last && s.rtc[src.cameraID] == src {
		delete(s.rtc, src.cameraID)
	}
	s.mu.Unlock()
	if last {
		src.close()
	}
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
