// Package tunnel carries a P&P camera's video from its agent to the server
// over the one connection the agent opens: a WebSocket to the API port
// (outbound HTTPS, so it works behind NAT), multiplexed by yamux. The
// server opens a stream whenever the recorder or a live viewer "dials" the
// camera; the agent connects that stream to the camera on its LAN. The
// server never learns the camera's address, let alone dials it.
//
// On the wire, after the WebSocket upgrade (authenticated by the device
// credential, see internal/app/pnp.go):
//
//   - the agent opens the first stream, the control stream, and writes one
//     JSON line, the Hello; then a JSON line {"type":"heartbeat"} every
//     HeartbeatEvery, and {"type":"discovered","devices":[…]} when its
//     WS-Discovery found devices. The server closes a link that stays silent for
//     HeartbeatTimeout.
//   - the server opens one stream per camera connection and writes
//     OpenRequest (the camera's configured address) or "open <port>\n"
//     (that port on the camera's configured host: an ONVIF device's
//     services and streams); the agent answers "ok\n" and then relays
//     bytes, or "error <reason>\n" and closes the stream. The agent never
//     dials a host the server names.
//   - back-fill: after an outage the agent opens one stream per segment it
//     recorded locally meanwhile, writes a BackfillHeader line and then
//     exactly Bytes bytes of the segment file; the server answers "ok\n",
//     "skip <reason>\n" (not needed: the server has that time already) or
//     "error <reason>\n". One at a time per link.
package tunnel

import (
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
)

// HTTP paths and headers of the agent's side of the API.
const (
	ClaimPath     = "/api/v1/agent/claim"
	ConnectPath   = "/api/v1/agent/connect"
	HeaderDevice  = "X-Vigilo-Device-Id"
	HeaderVersion = "X-Vigilo-Agent-Version"
	// HeaderServerTime (Unix milliseconds) is on the server's answer to
	// the connect request: the agent measures its clock against it, and
	// dates back-filled segments in the server's time.
	HeaderServerTime = "X-Vigilo-Server-Time"
)

// Hello is the first line on the control stream: an RTSP camera's Stream,
// or (ONVIF set, Stream zero) an ONVIF device's service.
type Hello struct {
	Type    string             `json:"type"` // "hello"
	Version string             `json:"version"`
	Stream  camera.AgentStream `json:"stream"`
	ONVIF   *camera.AgentONVIF `json:"onvif,omitempty"`
}

// Check validates a hello's camera, naming the field at fault.
func (h Hello) Check() error {
	if h.ONVIF == nil {
		return h.Stream.Validate()
	}
	if h.Stream != (camera.AgentStream{}) {
		return errs.Field("stream", "must be empty when onvif is given")
	}
	return h.ONVIF.Validate()
}

// Heartbeat is every later line on the control stream, but for Discovered.
type Heartbeat struct {
	Type string `json:"type"` // "heartbeat"
}

// Discovered is a control line reporting the ONVIF devices the agent found
// on its LAN by WS-Discovery (each replaces the last; at most MaxLine long).
type Discovered struct {
	Type    string                    `json:"type"` // "discovered"
	Devices []camera.DiscoveredDevice `json:"devices"`
}

// Protocol timings and limits.
const (
	HeartbeatEvery   = 10 * time.Second
	HeartbeatTimeout = 3 * HeartbeatEvery
	// MaxLine bounds one control line or stream reply; longer is malformed.
	MaxLine = 8 << 10
	// MaxMessage bounds one WebSocket message (yamux writes frames of at
	// most its 256 KiB window plus a header).
	MaxMessage = 1 << 20
	// OpenRequest is what the server writes on a new stream for the
	// camera's own address; OpenPortRequest for a port on its host.
	OpenRequest     = "open\n"
	OpenPortRequest = "open %d\n"
	// OpenOK is the agent's answer when it reached the camera.
	OpenOK = "ok\n"
)

// Stream open failures the agent names after "error ".
const (
	OpenUnreachable = "unreachable"
	OpenBadRequest  = "bad_request"
)

// BackfillHeader is the first line of a back-fill stream.
type BackfillHeader struct {
	Type    string `json:"type"` // "segment"
	StartMS int64  `json:"start_ms"`
	Bytes   int64  `json:"bytes"`
}

// MaxBackfillBytes bounds one back-filled segment (a minute at 8 Mbit/s
// is 60 MB).
const MaxBackfillBytes = 256 << 20

// Back-fill answers after "skip " and "error ".
const (
	BackfillCovered      = "covered"       // the server recorded that time itself
	BackfillNotRecording = "not_recording" // the camera is not to be recorded (now)
	BackfillBadSegment   = "bad_segment"   // not a readable segment, or its times are implausible
	BackfillBadRequest   = "bad_request"
)
