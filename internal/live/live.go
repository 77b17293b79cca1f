// Package live serves cameras live to viewers: WebRTC (WHEP, RFC 9725) with
// H.264 passed through, and LL-HLS (fMP4) for everything else. Both read the
// camera through the media hub, so a camera is pulled once however many
// people watch it and whether or not it is recorded.
//
// # Serving API
//
// The HTTP handlers of this package are plain functions so that any route can
// serve live video with its own authorization: the API routes
// (/api/v1/cameras/{id}/whep, /api/v1/cameras/{id}/live/…) and public share
// links (/s/{token}/…) alike. Each takes the camera id and a Check:
//
//	svc.ServeWHEP(w, r, cameraID, check, location)   // POST: SDP offer → 201 SDP answer
//	svc.DeleteWHEP(w, r, cameraID, sessionID)         // DELETE of the Location
//	svc.ServeHLS(w, r, cameraID, check)               // GET index.m3u8 and its files
//
// Check.Recheck is the viewer's authorization: it is called before anything
// is served and then at least once a second for as long as the viewer
// watches (an open WebRTC session is closed, an HLS request refused, within
// two seconds of it failing). Check.Meter receives the bytes delivered, a
// few times a minute per viewer rather than per packet; the caller adds them
// to the camera's traffic. Check.Key identifies the credential behind
// Recheck so HLS requests of one viewer share one check per second.
//
// ServeHLS serves every file of the stream by its last path element, so the
// caller routes a whole directory to it (…/live/{file}); the playlists name
// their files relatively and carry the request's query (e.g. ?token=) along.
package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/vigilo/vigilo/internal/media"
)

// Config configures the live service.
type Config struct {
	// UDPPort is the one UDP port of every WebRTC session (the same TCP
	// port serves ICE-TCP). 0 picks a free port (tests).
	UDPPort int
	// Hosts are the addresses announced as host candidates instead of the
	// machine's own (NAT 1:1); empty announces the interfaces' addresses.
	Hosts []string
	// ICEServers are STUN/TURN servers handed to pion (see ParseICEServers).
	ICEServers []webrtc.ICEServer
	// HLSIdle closes a camera's HLS muxer after this long without requests.
	// Default 10s.
	HLSIdle time.Duration
	// Source resolves the RTSP URL of a camera that is not pulled yet.
	Source func(ctx context.Context, cameraID int64) (string, error)
	// CodecWait bounds the wait for a camera pulled on demand to describe
	// its stream. Default 10s.
	CodecWait time.Duration
	Logger    *slog.Logger
}

// Check is the per-viewer authorization and metering a serving function
// needs; see the package documentation.
type Check struct {
	// Key identifies the credential (e.g. a token hash); required for HLS.
	Key string
	// Recheck returns nil while the viewer may still watch the camera; its
	// error (an errs.Error) is what the viewer is answered with.
	Recheck func(ctx context.Context) error
	// Meter receives delivered bytes; may be nil.
	Meter func(bytes int64)
}

func (c Check) meter(n int64) {
	if c.Meter != nil && n > 0 {
		c.Meter(n)
	}
}

// recheckEvery is how often open sessions are re-authorized.
const recheckEvery = time.Second

// Service owns the WebRTC transport, the per-camera WebRTC tracks and HLS
// muxers and the open sessions. New starts it; Close ends every session.
type Service struct {
	cfg Config
	log *slog.Logger
	hub *media.Recorder

	api   *webrtc.API
	udp   net.PacketConn
	tcp   net.Listener
	muxes []interface{ Close() error }

	mu       sync.Mutex
	rtc      map[int64]*rtcSource
	hls      map[int64]*hlsSource
	sessions map[string]*whepSession
	closed   bool
	checks   map[string]time.Time // Check.Key+camera → last successful recheck

	wg     sync.WaitGroup
	cancel context.CancelFunc
}

// New opens the WebRTC port and starts the HLS janitor.
func New(cfg Config, hub *media.Recorder) (*Service, error) {
	if hub == nil {
		return nil, errors.New("live: no media hub")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.HLSIdle <= 0 {
		cfg.HLSIdle = 10 * time.Second
	}
	if cfg.CodecWait <= 0 {
		cfg.CodecWait = 10 * time.Second
	}
	s := &Service{cfg: cfg, log: cfg.Logger, hub: hub, rtc: map[int64]*rtcSource{}, hls: map[int64]*hlsSource{},
		sessions: map[string]*whepSession{}, checks: map[string]time.Time{}}
	if err := s.startWebRTC(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go s.janitor(ctx)
	return s, nil
}

// UDPAddr is the bound WebRTC address (useful with port 0).
func (s *Service) UDPAddr() net.Addr { return s.udp.LocalAddr() }

// Close ends every WebRTC session and HLS muxer and releases the port.
func (s *Service) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	sessions := make([]*whepSession, 0, len(s.sessions))
	for _, ws := range s.sessions {
		sessions = append(sessions, ws)
	}
	hls := make([]*hlsSource, 0, len(s.hls))
	for id, h := range s.hls {
		hls = append(hls, h)
		delete(s.hls, id)
	}
	s.mu.Unlock()
	for _, ws := range sessions {
		ws.end("server shutting down")
	}
	for _, h := range hls {
		h.close()
	}
	s.cancel()
	s.wg.Wait()
	for _, m := range s.muxes {
		_ = m.Close()
	}
	return nil
}

// janitor closes idle HLS muxers and forgets stale recheck results.
func (s *Service) janitor(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			var idle []*hlsSource
			s.mu.Lock()
			for id, h := range s.hls {
				if now.Sub(h.lastUsed()) > s.cfg.HLSIdle {
					idle = append(idle, h)
					delete(s.hls, id)
				}
			}
			for k, at := range s.checks {
				if now.Sub(at) > recheckEvery {
					delete(s.checks, k)
				}
			}
			s.mu.Unlock()
			for _, h := range idle {
				h.close()
			}
		}
	}
}

// recheck runs c.Recheck at most once per second per credential and camera.
func (s *Service) recheck(ctx context.Context, cameraID int64, c Check) error {
	key := fmt.Sprintf("%d/%s", cameraID, c.Key)
	if c.Key != "" {
		s.mu.Lock()
		at, ok := s.checks[key]
		s.mu.Unlock()
		if ok && time.Since(at) < recheckEvery {
			return nil
		}
	}
	if err := c.Recheck(ctx); err != nil {
		return err
	}
	if c.Key != "" {
		s.mu.Lock()
		s.checks[key] = time.Now()
		s.mu.Unlock()
	}
	return nil
}

// source resolves the URL to pull a camera from.
func (s *Service) source(ctx context.Context, cameraID int64) (media.Source, error) {
	if s.cfg.Source == nil {
		return media.Source{}, errors.New("live: no camera source resolver")
	}
	u, err := s.cfg.Source(ctx, cameraID)
	if err != nil {
		return media.Source{}, err
	}
	return media.Source{CameraID: cameraID, URL: u}, nil
}

// ParseICEServers reads VIGILO_ICE_SERVERS: comma-separated STUN/TURN URLs,
// credentials (TURN) written before the host:
//
//	stun:stun.example.com:3478,turn:user:secret@turn.example.com:3478?transport=udp
func ParseICEServers(v string) ([]webrtc.ICEServer, error) {
	var out []webrtc.ICEServer
	for _, raw := range strings.Split(v, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		scheme, rest, ok := strings.Cut(raw, ":")
		if !ok || (scheme != "stun" && scheme != "stuns" && scheme != "turn" && scheme != "turns") {
			return nil, fmt.Errorf("ICE server %q: the scheme must be stun, stuns, turn or turns", raw)
		}
		srv := webrtc.ICEServer{}
		if cred, host, ok := strings.Cut(rest, "@"); ok {
			user, pass, _ := strings.Cut(cred, ":")
			srv.Username, srv.Credential = user, pass
			rest = host
		}
		srv.URLs = []string{scheme + ":" + rest}
		out = append(out, srv)
	}
	return out, nil
}

// SubStreamKey is the key under which the service and the hub serve a
// camera's sub stream (grid tiles): the negative of its id, so it is pulled
// and shared apart from the main stream. Config.Source is asked for it
// like for any camera.
func SubStreamKey(cameraID int64) int64 { return -cameraID }
