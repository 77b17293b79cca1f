package camera

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
)

// Agent is what the server knows of a P&P camera's agent: whether it has
// claimed the camera (proved the claim code and received its device
// credential), the version it last reported and when it was last heard.
type Agent struct {
	CameraID   int64
	Claimed    bool
	Version    string
	LastSeenAt time.Time
}

// Reasons a P&P camera does not stream, shown as status.reason.
const (
	// ReasonAgentDisconnected: the camera's agent is not connected now.
	ReasonAgentDisconnected = "agent_disconnected"
	// ReasonAgentUnclaimed: no agent has proved the claim code yet.
	ReasonAgentUnclaimed = "agent_unclaimed"
)

// AgentStream is how a P&P camera's agent reaches the camera on its LAN, as
// the agent reports it: everything of the RTSP address but the host, which
// the server never learns nor dials (the agent connects to it).
type AgentStream struct {
	Scheme   string `json:"scheme"`
	Port     int    `json:"port"`
	Path     string `json:"path"` // path and ?query of the camera's URL
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
}

// AgentONVIF is an ONVIF device an agent serves, as the agent reports it:
// the port and path of its device service and the credentials the
// installer gave the agent — again never the host. The server onboards the
// device through the tunnel as it would a reachable ONVIF camera; every
// address the device names (service XAddrs, stream URIs) is reached on the
// device's own host through the agent, whatever host it names.
type AgentONVIF struct {
	Port     int    `json:"port"`
	Path     string `json:"path"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
}

// Validate checks what an agent reported of its ONVIF device.
func (o AgentONVIF) Validate() error {
	f := errs.Fields{}
	if o.Port < 1 || o.Port > 65535 {
		f.Add("onvif.port", "must be 1 to 65535")
	}
	if strings.Contains(o.Path, "?") {
		f.Add("onvif.path", "must not carry a query")
	} else {
		checkAgentPath(f, "onvif.path", o.Path)
	}
	checkCredentials(f, "onvif.username", "onvif.password", o.Username, o.Password)
	return f.Err()
}

// DeviceURL is the device service address the server asks, on the
// camera's stand-in host.
func (o AgentONVIF) DeviceURL(cameraID int64) string {
	return "http://" + net.JoinHostPort(AgentHost(cameraID), strconv.Itoa(o.Port)) + o.Path
}

// AgentLink is a connected agent as the tunnel holds it: an RTSP camera
// (Stream) or an ONVIF device (ONVIF non-nil).
type AgentLink struct {
	Version     string
	Stream      AgentStream
	ONVIF       *AgentONVIF
	ConnectedAt time.Time
	// Discovered is what the agent last reported finding by WS-Discovery.
	Discovered []DiscoveredDevice
}

// StreamURL is the address the recorder and the live hub pull the camera
// from: the agent's RTSP stream, or for an ONVIF device the stream address
// onboarding stored (rtspURL, on the stand-in host) with the device's
// credentials — "" while it is not onboarded.
func (l AgentLink) StreamURL(cameraID int64, rtspURL string) string {
	if l.ONVIF == nil {
		return l.Stream.URL(cameraID)
	}
	u, err := url.Parse(rtspURL)
	if rtspURL == "" || err != nil || u.Hostname() != AgentHost(cameraID) {
		return ""
	}
	if l.ONVIF.Username != "" || l.ONVIF.Password != "" {
		u.User = url.UserPassword(l.ONVIF.Username, l.ONVIF.Password)
	}
	return u.String()
}

// OnAgentHost rewrites an address an agent's device named (its LAN host)
// to the camera's stand-in host, keeping scheme, port, path and query, and
// dropping credentials: the server reaches it only through the tunnel.
func OnAgentHost(cameraID int64, raw string) string {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.Host == "" {
		return ""
	}
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		case "rtsp":
			port = "554"
		case "rtsps":
			port = "322"
		default:
			return ""
		}
	}
	u.User = nil
	u.Host = net.JoinHostPort(AgentHost(cameraID), port)
	return u.String()
}

// MaxAgentVersion bounds the version string an agent reports.
const MaxAgentVersion = 64

// Validate checks what an agent reported, naming the field at fault: it
// comes from outside, over a connection that only proved a credential.
func (s AgentStream) Validate() error {
	f := errs.Fields{}
	if s.Scheme != "rtsp" && s.Scheme != "rtsps" {
		f.Add("stream.scheme", `must be "rtsp" or "rtsps"`)
	}
	if s.Port < 1 || s.Port > 65535 {
		f.Add("stream.port", "must be 1 to 65535")
	}
	checkAgentPath(f, "stream.path", s.Path)
	checkCredentials(f, "stream.username", "stream.password", s.Username, s.Password)
	return f.Err()
}

// checkAgentPath checks a path (and query) an agent reported.
func checkAgentPath(f errs.Fields, field, p string) {
	if !strings.HasPrefix(p, "/") || len(p) > MaxURL || strings.ContainsAny(p, " #\x00\r\n") {
		f.Add(field, "must be an absolute path of at most 2048 characters")
	} else if _, err := url.ParseRequestURI(p); err != nil {
		f.Add(field, "is not a valid path")
	}
}

// CheckAgentVersion validates the version an agent reports.
func CheckAgentVersion(v string) error {
	if v == "" || len(v) > MaxAgentVersion || strings.IndexFunc(v, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
		return errs.Field("version", "must be 1 to 64 printable ASCII characters")
	}
	return nil
}

// agentHostSuffix is the domain of the stand-in host that names a P&P
// camera in its stream URL. ".invalid" never resolves (RFC 2606), so the URL
// cannot reach anything but the tunnel.
const agentHostSuffix = ".agent.invalid"

// AgentHost is the stand-in host of a P&P camera's stream URL; the
// recorder's dialer recognizes it and opens a stream over the agent's tunnel
// instead of a connection.
func AgentHost(cameraID int64) string {
	return "camera-" + strconv.FormatInt(cameraID, 10) + agentHostSuffix
}

// ParseAgentHost reads the camera id back from AgentHost.
func ParseAgentHost(host string) (int64, bool) {
	rest, ok := strings.CutSuffix(strings.ToLower(host), agentHostSuffix)
	if !ok {
		return 0, false
	}
	rest, ok = strings.CutPrefix(rest, "camera-")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil && id > 0
}

// URL is the stream URL the recorder pulls a P&P camera from: the agent's
// scheme, port, path and credentials on the camera's stand-in host.
func (s AgentStream) URL(cameraID int64) string {
	u := &url.URL{Scheme: s.Scheme, Host: net.JoinHostPort(AgentHost(cameraID), strconv.Itoa(s.Port))}
	if s.Username != "" || s.Password != "" {
		u.User = url.UserPassword(s.Username, s.Password)
	}
	return u.String() + s.Path
}

// DiscoveredDevice is an ONVIF device a P&P agent found on its LAN by
// WS-Discovery, as it reports it: listed for the integrator, who registers
// it (a P&P camera; the agent serves it with --onvif).
type DiscoveredDevice struct {
	// Endpoint is the device's WS-Discovery endpoint (urn:uuid:…).
	Endpoint string `json:"endpoint"`
	// XAddr is its device service address on the agent's LAN.
	XAddr    string `json:"xaddr"`
	Name     string `json:"name,omitempty"`
	Hardware string `json:"hardware,omitempty"`
}

// MaxDiscovered bounds the devices an agent may report at once.
const MaxDiscovered = 64

// Validate checks a reported device: it comes from the agent's LAN.
func (d DiscoveredDevice) Validate() error {
	f := errs.Fields{}
	printable := func(s string, n int) bool {
		return len(s) <= n && strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) < 0
	}
	if d.Endpoint == "" || !printable(d.Endpoint, 256) {
		f.Add("endpoint", "must be 1 to 256 printable characters")
	}
	// The address is shown to an admin inside a command line to paste
	// (AgentFlag), and any device on the LAN can answer a probe: only the
	// characters of a plain URL, nothing a shell would read.
	if u, err := url.Parse(d.XAddr); err != nil || u.Scheme != "http" || u.Hostname() == "" || u.User != nil || len(d.XAddr) > 512 ||
		strings.IndexFunc(d.XAddr, notURLChar) >= 0 {
		f.Add("xaddr", "must be an http:// address of at most 512 characters (letters, digits and . : / _ ~ - [ ] only)")
	}
	if !printable(d.Name, 128) {
		f.Add("name", "must be at most 128 printable characters")
	}
	if !printable(d.Hardware, 128) {
		f.Add("hardware", "must be at most 128 printable characters")
	}
	return f.Err()
}

// notURLChar is a character a discovered device's address may not hold.
func notURLChar(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".:/_~-[]", r))
}

// FlagName is a camera name for the agent's --onvif flag: the device's
// name reduced to the letters the agent takes, else onvif-<n> (n from 1).
func (d DiscoveredDevice) FlagName(i int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(d.Name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && (r == ' ' || r == '-' || r == '_' || r == '.'):
			b.WriteByte('-')
		}
		if b.Len() >= 32 {
			break
		}
	}
	if n := strings.TrimRight(b.String(), "-"); n != "" {
		return n
	}
	return "onvif-" + strconv.Itoa(i+1)
}

// AgentFlag is the agent flag that serves the device (credentials to fill in).
func (d DiscoveredDevice) AgentFlag(i int) string {
	return "--onvif " + d.FlagName(i) + "=" + strings.Replace(d.XAddr, "http://", "http://USER:PASSWORD@", 1)
}
