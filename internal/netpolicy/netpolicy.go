// Package netpolicy decides which network addresses the server may dial on
// behalf of a camera. A camera address is chosen by a customer's integrator,
// not by the operator, so without a policy "register a camera" is a way to
// make the server connect to its own database port, the cloud metadata
// service or the operator's private network, and to read the answers back
// as camera errors (SSRF).
//
// The default refuses loopback, unspecified, link-local, private, shared
// (CGNAT), unique-local, multicast and reserved ranges, and the server's own
// interface addresses; Allow lists CIDRs that are let through anyway (a
// deployment whose cameras sit on a private network). Names are checked
// after resolution — every address they resolve to — and DialContext dials
// the very address it checked, so a name that changes its answer between the
// check and the dial (DNS rebinding) gains nothing.
package netpolicy

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
)

// Resolver looks names up; *net.Resolver is one, tests bring their own.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Policy is safe for concurrent use.
type Policy struct {
	allow []netip.Prefix
	// Resolver defaults to net.DefaultResolver.
	Resolver Resolver
	// Own lists the server's own addresses; defaults to the interface
	// addresses, re-read at most once a minute.
	Own func() []netip.Addr
	// Timeout bounds one dial (default 10 s).
	Timeout time.Duration

	ownMu   sync.Mutex
	ownAt   time.Time
	ownList []netip.Addr
}

// New is the strict default plus the allowed CIDRs.
func New(allow []netip.Prefix) *Policy {
	return &Policy{allow: allow, Resolver: net.DefaultResolver}
}

// Allowed is the allow-list, for the console banner.
func (p *Policy) Allowed() []netip.Prefix { return p.allow }

// RefusedError says which address was refused and why.
type RefusedError struct {
	Host   string     // as given (a name or an address)
	Addr   netip.Addr // the refused address it resolved to
	Reason string     // "loopback", "private", …
}

func (e *RefusedError) Error() string {
	if e.Host != e.Addr.String() {
		return fmt.Sprintf("%s resolves to %s, a %s address, which cameras may not use", e.Host, e.Addr, e.Reason)
	}
	return fmt.Sprintf("%s is a %s address, which cameras may not use", e.Addr, e.Reason)
}

// UnresolvedError says a name had no usable answer.
type UnresolvedError struct {
	Host string
	Err  error
}

func (e *UnresolvedError) Error() string { return "cannot resolve " + e.Host }
func (e *UnresolvedError) Unwrap() error { return e.Err }

type rangeRule struct {
	prefix netip.Prefix
	reason string
}

// refused are the ranges the default policy keeps cameras out of.
var refused = func() []rangeRule {
	var out []rangeRule
	for _, r := range [][2]string{
		{"0.0.0.0/8", "unspecified"}, {"::/128", "unspecified"},
		{"127.0.0.0/8", "loopback"}, {"::1/128", "loopback"},
		{"169.254.0.0/16", "link-local"}, {"fe80::/10", "link-local"},
		{"10.0.0.0/8", "private"}, {"172.16.0.0/12", "private"}, {"192.168.0.0/16", "private"},
		{"100.64.0.0/10", "shared (CGNAT)"}, {"fc00::/7", "unique-local"}, {"fec0::/10", "site-local"},
		{"224.0.0.0/4", "multicast"}, {"ff00::/8", "multicast"},
		{"240.0.0.0/4", "reserved"}, {"192.0.0.0/24", "reserved"}, {"198.18.0.0/15", "reserved"},
		{"192.0.2.0/24", "documentation"}, {"198.51.100.0/24", "documentation"}, {"203.0.113.0/24", "documentation"},
		{"2001:db8::/32", "documentation"},
	} {
		out = append(out, rangeRule{netip.MustParsePrefix(r[0]), r[1]})
	}
	return out
}()

// embedded IPv4 in IPv6 transition prefixes: NAT64 (RFC 6052, 8215) and
// 6to4 carry an IPv4 address that the network may route to; it is checked
// like the IPv4 address itself.
var nat64 = []netip.Prefix{netip.MustParsePrefix("64:ff9b::/96"), netip.MustParsePrefix("64:ff9b:1::/48")}
var sixToFour = netip.MustParsePrefix("2002::/16")

// Check tells whether a may be dialled: nil, or a *RefusedError.
func (p *Policy) Check(a netip.Addr) error { return p.check(a.String(), a) }

func (p *Policy) check(host string, a netip.Addr) error {
	a = a.Unmap().WithZone("")
	for _, pre := range p.allow {
		if pre.Contains(a) {
			return nil
		}
	}
	if reason := p.reason(a); reason != "" {
		return &RefusedError{Host: host, Addr: a, Reason: reason}
	}
	return nil
}

func (p *Policy) reason(a netip.Addr) string {
	for _, r := range refused {
		if r.prefix.Contains(a) {
			return r.reason
		}
	}
	if a.Is6() {
		b := a.As16()
		for _, pre := range nat64 {
			if pre.Contains(a) {
				if r := p.reason(netip.AddrFrom4([4]byte(b[12:16]))); r != "" {
					return r
				}
			}
		}
		if sixToFour.Contains(a) {
			if r := p.reason(netip.AddrFrom4([4]byte(b[2:6]))); r != "" {
				return r
			}
		}
	}
	for _, own := range p.own() {
		if own == a {
			return "server's own"
		}
	}
	return ""
}

func (p *Policy) own() []netip.Addr {
	if p.Own != nil {
		return p.Own()
	}
	p.ownMu.Lock()
	defer p.ownMu.Unlock()
	if time.Since(p.ownAt) < time.Minute && p.ownList != nil {
		return p.ownList
	}
	// A fresh slice each time: callers range over the old one unlocked.
	var list []netip.Addr
	addrs, _ := net.InterfaceAddrs()
	for _, ad := range addrs {
		if pre, err := netip.ParsePrefix(ad.String()); err == nil {
			list = append(list, pre.Addr().Unmap().WithZone(""))
		}
	}
	p.ownAt, p.ownList = time.Now(), list
	return list
}

// Resolve returns the addresses of host (a name or a literal address) and
// refuses them all if any one is refused: a name that answers with one
// public and one private address is not a camera, it is a probe.
func (p *Policy) Resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, p.check(host, a)
	}
	r := p.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return nil, &UnresolvedError{Host: host, Err: err}
	}
	for _, a := range addrs {
		if err := p.check(host, a); err != nil {
			return nil, err
		}
	}
	return addrs, nil
}

// DialContext resolves and checks address ("host:port") and dials the
// checked addresses themselves, in order, until one answers. Its signature
// is net.Dialer's, so RTSP and HTTP clients take it as their dial hook.
func (p *Policy) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	addrs, err := p.Resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	// Control re-checks the address the socket is about to connect to:
	// whatever path led here, nothing else is ever dialled.
	d := &net.Dialer{Timeout: timeout, Control: func(_, addr string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(addr)
		if err != nil {
			return err
		}
		return p.check(host, ap.Addr())
	}}
	var first error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}
