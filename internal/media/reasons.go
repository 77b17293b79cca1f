package media

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/bluenviron/gortsplib/v5/pkg/liberrors"

	"github.com/vigilo/vigilo/internal/netpolicy"
)

// Why a camera is not recording, as a named reason. A camera's address is
// chosen by a customer's integrator, so what the far end said (a status
// line, a banner, a protocol error quoting its bytes) is never shown: an
// error only ever becomes one of these reasons and its fixed sentence, so
// the camera page cannot be used to read other services' answers.
const (
	ReasonAddressRefused    = "address_refused"    // the camera-address policy refused the address
	ReasonNameNotResolved   = "name_not_resolved"  // the host name does not resolve
	ReasonConnectionRefused = "connection_refused" // nothing listens at the address
	ReasonUnreachable       = "unreachable"        // no route to the address
	ReasonTimeout           = "timeout"            // no answer, or the video stopped
	ReasonUnauthorized      = "unauthorized"       // the camera refused the credentials
	ReasonNotFound          = "not_found"          // no stream at this path
	ReasonClosed            = "closed"             // the camera closed the connection
	ReasonNoVideo           = "no_video"           // no H.264 or H.265 track
	ReasonBadResponse       = "bad_response"       // anything else the camera said
	ReasonWriteFailed       = "write_failed"       // our side: the recording could not be written
)

var reasonText = map[string]string{
	ReasonAddressRefused:    "the camera's address is refused by the server's camera-address policy",
	ReasonNameNotResolved:   "the camera's host name does not resolve",
	ReasonConnectionRefused: "cannot connect to the camera: connection refused",
	ReasonUnreachable:       "cannot connect to the camera: the address is unreachable",
	ReasonTimeout:           "the camera did not answer in time or stopped sending video (timeout)",
	ReasonUnauthorized:      "the camera refused the user name or password (401)",
	ReasonNotFound:          "the camera has no stream at this address (404)",
	ReasonClosed:            "the camera closed the connection",
	ReasonNoVideo:           "the camera offers no H.264 or H.265 video",
	ReasonBadResponse:       "the camera gave an answer that is not a usable RTSP stream",
	ReasonWriteFailed:       "the recording could not be written to disk",
}

// errNoVideo and errWrite mark our own failures so they keep their reason.
var (
	errNoVideo = errors.New("camera offers no H.264 or H.265 video")
	errWrite   = errors.New("writing the recording")
)

// ReasonOf names why err happened ("" for nil).
func ReasonOf(err error) string {
	var refused *netpolicy.RefusedError
	var unresolved *netpolicy.UnresolvedError
	var dnsErr *net.DNSError
	var status liberrors.ErrClientBadStatusCode
	var ne net.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &refused):
		return ReasonAddressRefused
	case errors.As(err, &unresolved), errors.As(err, &dnsErr):
		return ReasonNameNotResolved
	case errors.Is(err, errNoVideo):
		return ReasonNoVideo
	case errors.Is(err, errWrite):
		return ReasonWriteFailed
	case errors.Is(err, syscall.ECONNREFUSED):
		return ReasonConnectionRefused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return ReasonUnreachable
	case errors.As(err, &ne) && ne.Timeout():
		return ReasonTimeout
	case errors.As(err, &status):
		switch status.Code {
		case 401, 403:
			return ReasonUnauthorized
		case 404:
			return ReasonNotFound
		}
		return ReasonBadResponse
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, net.ErrClosed), strings.Contains(err.Error(), "connection reset"):
		return ReasonClosed
	}
	return ReasonBadResponse
}

// describeErr is the sentence shown for err: its reason's, never err's text.
func describeErr(err error) string { return reasonText[ReasonOf(err)] }

// ReasonText is the fixed sentence of a named reason ("" when unknown).
func ReasonText(reason string) string { return reasonText[reason] }
