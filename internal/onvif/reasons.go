package onvif

import (
	"errors"
	"net"
	"syscall"

	"github.com/vigilo/vigilo/internal/netpolicy"
)

// Why a device could not be onboarded or driven. The integrator sees the
// reason and its sentence (Describe), never the device's own error text.
const (
	ReasonUnauthorized   = "unauthorized"       // the device refused the user name or password
	ReasonUnreachable    = "unreachable"        // nothing answers at the address
	ReasonAddressRefused = "address_refused"    // the camera-address policy refused an address
	ReasonNameUnresolved = "name_not_resolved"  // the host name does not resolve
	ReasonTimeout        = "timeout"            // the device did not answer in time
	ReasonNotONVIF       = "not_onvif"          // something answers, but not an ONVIF device service
	ReasonBadResponse    = "bad_response"       // a malformed, huge or unexpected answer
	ReasonNoH264         = "no_h264_profile"    // no media profile with H.264 video
	ReasonNoStream       = "no_stream_uri"      // the device gave no usable RTSP address
	ReasonNotSupported   = "not_supported"      // the device does not offer this service (events, PTZ)
	ReasonBadAddress     = "bad_address"        // an address the device returned is not a URL we can use
	ReasonConnRefused    = "connection_refused" // the device's port is closed
	ReasonNoPreset       = "no_such_preset"     // GotoPreset: the device has no preset of that token or name
)

var reasonText = map[string]string{
	ReasonUnauthorized:   "the device refused the user name or password",
	ReasonUnreachable:    "the device cannot be reached at this address",
	ReasonAddressRefused: "an address of the device is refused by the server's camera-address policy",
	ReasonNameUnresolved: "the device's host name does not resolve",
	ReasonTimeout:        "the device did not answer in time",
	ReasonNotONVIF:       "something answers at this address, but not an ONVIF device service",
	ReasonBadResponse:    "the device gave a malformed or unexpected ONVIF answer",
	ReasonNoH264:         "the device offers no H.264 media profile",
	ReasonNoStream:       "the device gave no usable RTSP stream address",
	ReasonNotSupported:   "the device does not offer this ONVIF service",
	ReasonBadAddress:     "the device returned an address that cannot be used",
	ReasonConnRefused:    "the device refuses connections on this port",
	ReasonNoPreset:       "the camera has no preset of that name",
}

// Describe is the sentence for a reason.
func Describe(reason string) string {
	if t, ok := reasonText[reason]; ok {
		return t
	}
	return reasonText[ReasonBadResponse]
}

// Error is a failed ONVIF exchange with its reason.
type Error struct {
	Reason string
	Op     string
	Err    error
}

func (e *Error) Error() string {
	s := "onvif"
	if e.Op != "" {
		s += " " + e.Op
	}
	s += ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ReasonOf names why err happened ("" for nil).
func ReasonOf(err error) string {
	var oe *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &oe) {
		return oe.Reason
	}
	return reasonOfNetErr(err)
}

func reasonOfNetErr(err error) string {
	var refused *netpolicy.RefusedError
	var unresolved *netpolicy.UnresolvedError
	var dnsErr *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &refused):
		return ReasonAddressRefused
	case errors.As(err, &unresolved), errors.As(err, &dnsErr):
		return ReasonNameUnresolved
	case errors.Is(err, syscall.ECONNREFUSED):
		return ReasonConnRefused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return ReasonUnreachable
	case errors.As(err, &ne) && ne.Timeout():
		return ReasonTimeout
	}
	return ReasonUnreachable
}
