package httpx

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

type clientIPKey struct{}

// ClientIP is the address of the client: the TCP peer, or — when the peer is
// a trusted proxy (see TrustProxies) — the address that proxy forwarded.
func ClientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey{}).(string); ok {
		return ip
	}
	return peerIP(r)
}

func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// TrustProxies resolves every request's client address once: the TCP peer,
// unless the peer is within trusted, in which case X-Forwarded-For is read
// from the right, skipping trusted hops, and the first other address is the
// client. A header from any other peer is ignored, so a client cannot choose
// its own address (and with it its throttling key) by sending one.
func TrustProxies(trusted []netip.Prefix, next http.Handler) http.Handler {
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := peerIP(r)
		if a, err := netip.ParseAddr(ip); err == nil && len(trusted) > 0 && isTrusted(a) {
			ip = forwardedClient(r.Header.Values("X-Forwarded-For"), isTrusted, a.Unmap().String())
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientIPKey{}, ip)))
	})
}

// forwardedClient walks the X-Forwarded-For hops from the nearest; peer is
// the answer when the header says nothing usable.
func forwardedClient(headers []string, trusted func(netip.Addr) bool, peer string) string {
	var hops []string
	for _, h := range headers {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a garbled hop: trust nothing further out
		}
		client = a.Unmap().String()
		if !trusted(a) {
			break
		}
	}
	return client
}
