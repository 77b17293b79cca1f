package branding

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
)

// ChallengePrefix is the label of the TXT record that proves a domain.
const ChallengePrefix = "_vigilo-challenge."

// ParseDomain checks a custom domain an integrator asks for and returns it
// in canonical form (lower case, no trailing dot). operatorHost is the host
// of the installation's own address: neither it nor any name below it can be
// taken, or an integrator could capture the operator's sign-in cookies and
// mail links.
func ParseDomain(s, operatorHost string) (string, error) {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	switch {
	case d == "":
		return "", fmt.Errorf("is empty")
	case strings.Contains(d, "*"):
		return "", fmt.Errorf("wildcards are not accepted: name one host, e.g. video.example.com")
	case net.ParseIP(strings.Trim(d, "[]")) != nil:
		return "", fmt.Errorf("must be a host name, not an IP address")
	case strings.ContainsAny(d, ":/@ "):
		return "", fmt.Errorf("must be a bare host name (no scheme, port or path), e.g. video.example.com")
	case len(d) > 253:
		return "", fmt.Errorf("is longer than 253 characters")
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", fmt.Errorf("must be a full host name with a dot, e.g. video.example.com")
	}
	for _, l := range labels {
		if !validLabel(l) {
			return "", fmt.Errorf("has an invalid label %q: letters, digits and inner hyphens only (IDN in its xn-- form), 1 to 63 characters", l)
		}
	}
	if last := labels[len(labels)-1]; strings.Trim(last, "0123456789") == "" {
		return "", fmt.Errorf("must be a host name, not an IP address")
	}
	op := strings.TrimSuffix(strings.ToLower(operatorHost), ".")
	if op != "" && (d == op || strings.HasSuffix(d, "."+op)) {
		return "", fmt.Errorf("is the operator's own domain (%s) and cannot be taken", op)
	}
	if d == "localhost" || strings.HasSuffix(d, ".localhost") {
		return "", fmt.Errorf("must be a public host name")
	}
	return d, nil
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// NewChallenge is a fresh random value for the TXT record.
func NewChallenge() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "vigilo-" + hex.EncodeToString(b[:])
}

// ChallengeName is the DNS name whose TXT record proves d.
func ChallengeName(d string) string { return ChallengePrefix + d }

// HostOf is the host part of a request's Host header, lower case, without
// port or trailing dot.
func HostOf(hostport string) string {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	return strings.TrimSuffix(strings.ToLower(h), ".")
}
