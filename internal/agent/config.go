// Package agent is the P&P agent (`vigilo agent`): it runs on a camera's LAN,
// claims its cameras on the server with the device id and claim code, and
// then serves them to the server through one outbound WebSocket per camera
// (internal/tunnel): the server opens a stream for every RTSP connection it
// needs, the agent connects it to the camera. Nothing listens on the LAN.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tunnel"
)

// Camera is one camera the agent serves: a name and its RTSP address on the
// LAN, credentials included — or, with ONVIF set, its ONVIF device service
// address (http://user:pass@host[:port][/path]).
type Camera struct {
	Name  string
	URL   string
	ONVIF bool
}

// DefaultONVIFPath is the device service path nearly every device uses.
const DefaultONVIFPath = "/onvif/device_service"

// ParseONVIF reads an --onvif flag: NAME=http://user:pass@host[:port][/path]
// (host alone is http://host/onvif/device_service).
func ParseONVIF(v string) (Camera, error) {
	name, raw, ok := strings.Cut(v, "=")
	if !ok || !cameraNameRe.MatchString(name) {
		return Camera{}, errors.New("--onvif must be NAME=http://user:pass@host[:port][/path], NAME of 1 to 32 letters, digits or . _ -")
	}
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Hostname() == "" || u.RawQuery != "" || u.Fragment != "" {
		return Camera{}, fmt.Errorf("--onvif %s: the device service must be an http:// address with a host (no query)", name)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = DefaultONVIFPath
	}
	cam := Camera{Name: name, URL: u.String(), ONVIF: true}
	if _, _, err := onvifService(cam); err != nil {
		return Camera{}, fmt.Errorf("--onvif %s: %v", name, err)
	}
	return cam, nil
}

// Config is the agent's configuration (flags and VIGILO_AGENT_* in cmd/vigilo).
type Config struct {
	// Server is the server's base URL (https://…; http:// for tests).
	Server    string
	DeviceID  string
	ClaimCode string
	Cameras   []Camera
	// StateDir keeps the device credentials between runs ("" keeps them
	// in memory only: a restart then needs an unclaimed registration).
	StateDir string
	Version  string
	Logger   *slog.Logger
	// Dial connects to cameras (default net.Dialer).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// HeartbeatEvery (default tunnel.HeartbeatEvery); back-off between
	// connection attempts grows from MinBackoff to MaxBackoff (1 s, 1 min).
	HeartbeatEvery         time.Duration
	MinBackoff, MaxBackoff time.Duration
	// BufferDir, when set, is where the agent records its cameras all the
	// time (BufferMax bytes at most, the newest kept), to back-fill the
	// server's recording after the uplink was lost ("" = no buffer).
	BufferDir string
	BufferMax int64
	// Discover probes the LAN for ONVIF devices by WS-Discovery multicast,
	// and DiscoverTargets by unicast (host:port), every DiscoverEvery
	// (default 5 min); what is found is reported to the server.
	Discover        bool
	DiscoverTargets []string
	DiscoverEvery   time.Duration
}

// MinBufferMax is the least local buffer: a minute of a 2 Mbit/s camera
// is 15 MB.
const MinBufferMax = 16 << 20

var cameraNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)

// ParseCamera reads a --camera flag: NAME=rtsp://user:pass@host/path.
func ParseCamera(v string) (Camera, error) {
	name, raw, ok := strings.Cut(v, "=")
	if !ok || !cameraNameRe.MatchString(name) {
		return Camera{}, errors.New("--camera must be NAME=rtsp://user:pass@host/path, NAME of 1 to 32 letters, digits or . _ -")
	}
	f := errs.Fields{}
	if _, _, ok := camera.ParseRTSPURL(f, "url", raw); !ok {
		return Camera{}, fmt.Errorf("--camera %s: %v", name, f.Err())
	}
	return Camera{Name: name, URL: strings.TrimSpace(raw)}, nil
}

// Validate checks the configuration before anything connects.
func (c *Config) Validate() error {
	var problems []string
	u, err := url.Parse(c.Server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		problems = append(problems, "--server must be the server's https:// address")
	}
	if !deviceIDOK(c.DeviceID) {
		problems = append(problems, "--device-id must be 3 to 64 letters, digits or . _ : -")
	}
	if n := len(strings.TrimSpace(c.ClaimCode)); n < 6 || n > 64 {
		problems = append(problems, "--claim-code must be 6 to 64 characters")
	}
	if len(c.Cameras) == 0 {
		problems = append(problems, "at least one --camera NAME=rtsp://… or --onvif NAME=http://… is needed")
	}
	seen := map[string]bool{}
	for _, cam := range c.Cameras {
		if seen[cam.Name] {
			problems = append(problems, "--camera "+cam.Name+" is given twice")
		}
		seen[cam.Name] = true
	}
	// The ids a first run gives (a later one keeps the ids of known cameras).
	if _, err := c.assignDeviceIDs(map[string]string{}); err != nil && deviceIDOK(c.DeviceID) {
		problems = append(problems, err.Error())
	}
	if c.BufferDir != "" && c.BufferMax < MinBufferMax {
		problems = append(problems, "--buffer-max must be at least 16 MiB")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Dial == nil {
		c.Dial = (&net.Dialer{Timeout: 10 * time.Second}).DialContext
	}
	if c.HeartbeatEvery <= 0 {
		c.HeartbeatEvery = 10 * time.Second
	}
	if c.DiscoverEvery <= 0 {
		c.DiscoverEvery = 5 * time.Minute
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = time.Second
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(time.Minute, c.MinBackoff)
	}
	return nil
}

func deviceIDOK(id string) bool {
	return len(id) >= 3 && len(id) <= 64 && camera.ValidDeviceID(id)
}

// hello is what the agent tells the server of a camera, and the address it
// connects the server's streams to.
func hello(cam Camera, version string) (tunnel.Hello, string, error) {
	h := tunnel.Hello{Type: "hello", Version: version}
	var addr string
	var err error
	if cam.ONVIF {
		var o camera.AgentONVIF
		o, addr, err = onvifService(cam)
		h.ONVIF = &o
	} else {
		h.Stream, addr, err = stream(cam)
	}
	return h, addr, err
}

// onvifService is what the agent tells the server of an ONVIF device:
// everything but the host.
func onvifService(cam Camera) (camera.AgentONVIF, string, error) {
	u, err := url.Parse(cam.URL)
	if err != nil {
		return camera.AgentONVIF{}, "", err
	}
	o := camera.AgentONVIF{Path: u.EscapedPath()}
	var addr string
	o.Username, o.Password, o.Port, addr, err = endpoint(u, "80")
	if err != nil {
		return o, "", err
	}
	return o, addr, o.Validate()
}

// stream is what the agent tells the server of an RTSP camera: everything
// but the host, which the server never needs.
func stream(cam Camera) (camera.AgentStream, string, error) {
	u, err := url.Parse(cam.URL)
	if err != nil {
		return camera.AgentStream{}, "", err
	}
	s := camera.AgentStream{Scheme: strings.ToLower(u.Scheme), Path: u.EscapedPath()}
	if s.Path == "" {
		s.Path = "/"
	}
	if u.RawQuery != "" {
		s.Path += "?" + u.RawQuery
	}
	defPort := "554"
	if s.Scheme == "rtsps" {
		defPort = "322"
	}
	var addr string
	s.Username, s.Password, s.Port, addr, err = endpoint(u, defPort)
	if err != nil {
		return s, "", err
	}
	return s, addr, s.Validate()
}

// endpoint reads a camera address's credentials, port (defPort when it
// names none) and host:port.
func endpoint(u *url.URL, defPort string) (user, pass string, port int, addr string, err error) {
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	p := u.Port()
	if p == "" {
		p = defPort
	}
	if port, err = strconv.Atoi(p); err != nil {
		return "", "", 0, "", err
	}
	return user, pass, port, net.JoinHostPort(u.Hostname(), p), nil
}
