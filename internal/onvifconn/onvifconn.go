// Package onvifconn is the ONVIF connector: a background component (New /
// Close, wired by internal/server) that onboards ONVIF cameras — asks each
// device for its identity, profiles and stream address and stores them, so
// the recorder pulls the camera like any other — asks again after failures
// (cameras change their stream address on reboot), collects motion events
// over PullPoint subscriptions for cameras whose customer has the events
// module, and drives PTZ. Every address it dials goes through the
// camera-address policy (App.Cameras.Addresses).
package onvifconn

import (
	"context"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/onvif"
)

// Config tunes the connector; zero values take the defaults.
type Config struct {
	// Every is how often the cameras are looked over (default 2 s); bus
	// events about cameras wake it sooner.
	Every time.Duration
	// Retry spaces the attempts at a camera that failed (default 15 s).
	Retry time.Duration
	// Reresolve: a camera the recorder has failed to reach for this long
	// has its stream address asked again (default 20 s).
	Reresolve time.Duration
	// ProbeTimeout bounds one onboarding (default 20 s).
	ProbeTimeout time.Duration
	// Parallel bounds concurrent onboardings (default 4).
	Parallel int
}

func (c *Config) defaults() {
	if c.Every <= 0 {
		c.Every = 2 * time.Second
	}
	if c.Retry <= 0 {
		c.Retry = 15 * time.Second
	}
	if c.Reresolve <= 0 {
		c.Reresolve = 20 * time.Second
	}
	if c.ProbeTimeout <= 0 {
		c.ProbeTimeout = 20 * time.Second
	}
	if c.Parallel <= 0 {
		c.Parallel = 4
	}
}

// Service is the running connector.
type Service struct {
	a      *app.App
	cfg    Config
	log    *slog.Logger
	kick   chan struct{}
	sem    chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	wg     sync.WaitGroup

	mu   sync.Mutex
	cams map[int64]*camState
}

type camState struct {
	fp           string // address, user and sealed password: a change asks again
	probing      bool
	lastTry      time.Time
	failingSince time.Time
	events       *puller
}

// New starts the connector over a's ONVIF cameras and installs its PTZ
// driver. Open motion events left by an earlier run are closed: nobody
// watched them end.
func New(a *app.App, cfg Config) *Service {
	cfg.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{a: a, cfg: cfg, log: a.Log.With("component", "onvif"), kick: make(chan struct{}, 1),
		sem: make(chan struct{}, cfg.Parallel), cancel: cancel, done: make(chan struct{}), cams: map[int64]*camState{}}
	if open, err := a.Store.R().OpenCameraEvents(ctx, camera.EventMotion); err == nil {
		for _, e := range open {
			_, _, _ = a.CloseCameraEvent(ctx, e.CameraID, camera.EventMotion, time.Time{})
		}
	}
	a.Cameras.PTZ = s.PTZ
	go s.run(ctx)
	return s
}

// Close stops onboarding and every event subscription, and waits for them.
func (s *Service) Close() error {
	s.cancel()
	<-s.done
	s.wg.Wait()
	return nil
}

// Kick makes the connector look over the cameras now.
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *Service) run(ctx context.Context) {
	defer close(s.done)
	bus, stop := s.a.Events.Subscribe(64)
	defer stop()
	t := time.NewTicker(s.cfg.Every)
	defer t.Stop()
	for {
		s.pass(ctx)
		select {
		case <-ctx.Done():
			s.mu.Lock()
			for _, st := range s.cams {
				if st.events != nil {
					st.events.stop()
				}
			}
			s.mu.Unlock()
			return
		case <-t.C:
		case <-s.kick:
		case <-bus:
		}
	}
}

// pass looks over every ONVIF camera once: who needs onboarding, whose
// events should be collected.
func (s *Service) pass(ctx context.Context) {
	list, err := s.a.ONVIFCameras(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("list onvif cameras", "err", err)
		}
		return
	}
	now := time.Now()
	seen := make(map[int64]bool, len(list))
	for _, c := range list {
		seen[c.ID] = true
		s.mu.Lock()
		st := s.cams[c.ID]
		if st == nil {
			st = &camState{}
			s.cams[c.ID] = st
		}
		fp := c.ONVIFAddress + "\x00" + c.Username + "\x00" + c.SecretEnc
		need := false
		switch {
		case !c.Enabled:
			// Switched off (privacy): the device is left alone.
		case st.fp != fp:
			need = true
		case c.RTSPURL == "" || c.ConnectReason != "":
			need = now.Sub(st.lastTry) >= s.cfg.Retry
		default:
			desired, online, _ := s.a.RecorderState(c.ID)
			if !desired || online {
				st.failingSince = time.Time{}
			} else if st.failingSince.IsZero() {
				st.failingSince = now
			} else if now.Sub(st.failingSince) >= s.cfg.Reresolve && now.Sub(st.lastTry) >= s.cfg.Reresolve {
				need = true
			}
		}
		if need && !st.probing {
			st.probing, st.fp, st.lastTry = true, fp, now
			s.wg.Add(1)
			go s.probe(ctx, c)
		}
		s.mu.Unlock()
		s.syncEvents(ctx, c, st)
	}
	s.mu.Lock()
	for id, st := range s.cams {
		if !seen[id] {
			if st.events != nil {
				st.events.stop()
			}
			delete(s.cams, id)
		}
	}
	s.mu.Unlock()
}

// probe onboards one camera and stores the outcome.
func (s *Service) probe(ctx context.Context, c camera.Camera) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		if st := s.cams[c.ID]; st != nil {
			st.probing, st.lastTry, st.failingSince = false, time.Now(), time.Time{}
		}
		s.mu.Unlock()
	}()
	select {
	case s.sem <- struct{}{}:
		defer func() { <-s.sem }()
	case <-ctx.Done():
		return
	}
	res := s.onboard(ctx, c)
	if ctx.Err() != nil {
		return
	}
	if err := s.a.SetConnectResult(ctx, c.ID, res); err != nil && ctx.Err() == nil {
		s.log.Warn("store onvif result", "camera", c.ID, "err", err)
	}
	if res.Reason != "" {
		s.log.Info("onvif camera not onboarded", "camera", c.ID, "reason", res.Reason)
	}
}

func (s *Service) client(c camera.Camera) (*onvif.Client, error) {
	user, pw, err := s.a.ONVIFCredentials(c)
	if err != nil {
		return nil, err
	}
	cl := onvif.NewClient(s.a.ONVIFDialer(c), user, pw)
	cl.SetClockOffset(time.Duration(c.ONVIF.ClockOffsetMS) * time.Millisecond)
	return cl, nil
}

func (s *Service) onboard(ctx context.Context, c camera.Camera) camera.ConnectResult {
	cl, err := s.client(c)
	if err != nil {
		return camera.ConnectResult{Reason: onvif.ReasonUnauthorized}
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ProbeTimeout)
	defer cancel()
	r, err := cl.Probe(ctx, c.ONVIFAddress)
	if err != nil {
		return camera.ConnectResult{Reason: onvif.ReasonOf(err)}
	}
	info := &camera.ONVIFInfo{Manufacturer: r.Info.Manufacturer, Model: r.Info.Model, Firmware: r.Info.Firmware,
		Serial: r.Info.Serial, MainProfile: r.Main.Token, SubStreamURL: withoutUser(r.SubStreamURI), DeviceURL: r.DeviceURL,
		EventsURL: r.Services.Events, PTZURL: r.Services.PTZ, PTZProfile: r.PTZToken(), ClockOffsetMS: r.ClockOffset.Milliseconds()}
	if r.Sub != nil {
		info.SubProfile = r.Sub.Token
	}
	if c.Type == camera.PnP {
		behindAgent(c.ID, &r, info)
	}
	for _, p := range r.Profiles {
		info.Profiles = append(info.Profiles, camera.ONVIFProfile{Token: p.Token, Name: p.Name, Encoding: p.Encoding, Width: p.Width, Height: p.Height})
	}
	return camera.ConnectResult{RTSPURL: withoutUser(r.StreamURI), Info: info}
}

// behindAgent moves every address a device behind a P&P agent named (its
// LAN host) to the camera's stand-in host, which only its agent's tunnel
// reaches.
func behindAgent(id int64, r *onvif.Result, info *camera.ONVIFInfo) {
	r.StreamURI = camera.OnAgentHost(id, r.StreamURI)
	info.SubStreamURL = camera.OnAgentHost(id, info.SubStreamURL)
	info.DeviceURL = camera.OnAgentHost(id, info.DeviceURL)
	info.EventsURL = camera.OnAgentHost(id, info.EventsURL)
	info.PTZURL = camera.OnAgentHost(id, info.PTZURL)
}

// withoutUser drops credentials a device put in a stream address: the
// camera's own are added when dialling, and none is ever stored.
func withoutUser(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return ""
	}
	u.User = nil
	return u.String()
}
