package netpolicy

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
)

// names is a test resolver: no DNS is ever asked.
type names map[string][]string

func (n names) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	list, ok := n[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range list {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

var testNames = names{
	"localhost":        {"127.0.0.1", "::1"},
	"sneaky.example":   {"127.0.0.2"},
	"mixed.example":    {"93.184.215.14", "10.1.2.3"},
	"camera.example":   {"93.184.215.14"},
	"camera6.example":  {"2606:2800:21f:cb07:6820:80da:af6b:8b2c"},
	"metadata.example": {"169.254.169.254"},
}

func strict() *Policy {
	p := New(nil)
	p.Resolver = testNames
	p.Own = func() []netip.Addr {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("93.184.215.99")}
	}
	return p
}

func TestDefaultPolicyRefuses(t *testing.T) {
	p := strict()
	for host, reason := range map[string]string{
		"127.0.0.1": "loopback", "127.1.2.3": "loopback", "::1": "loopback", "::ffff:127.0.0.1": "loopback",
		"localhost": "loopback", "sneaky.example": "loopback",
		"0.0.0.0": "unspecified", "::": "unspecified",
		"169.254.169.254": "link-local", "metadata.example": "link-local", "fe80::1": "link-local", "fe80::1%eth0": "link-local",
		"10.0.0.1": "private", "172.16.5.4": "private", "172.31.255.255": "private", "192.168.1.20": "private",
		"mixed.example": "private", "100.64.0.1": "shared (CGNAT)", "fd00::1": "unique-local", "fc00::5": "unique-local",
		"224.0.0.1": "multicast", "ff02::1": "multicast", "255.255.255.255": "reserved",
		"64:ff9b::a00:1": "private", "2002:7f00:1::1": "loopback",
		"93.184.215.99": "server's own",
	} {
		_, err := p.Resolve(context.Background(), host)
		var re *RefusedError
		if !errors.As(err, &re) || re.Reason != reason {
			t.Errorf("%s: %v, want refused as %s", host, err, reason)
		}
	}
	for _, host := range []string{"93.184.215.14", "camera.example", "camera6.example", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "172.32.0.1", "100.128.0.1"} {
		if _, err := p.Resolve(context.Background(), host); err != nil {
			t.Errorf("%s refused: %v", host, err)
		}
	}
	var ue *UnresolvedError
	if _, err := p.Resolve(context.Background(), "nowhere.example"); !errors.As(err, &ue) {
		t.Errorf("unknown name: %v", err)
	}
}

func TestAllowListLetsRangesThrough(t *testing.T) {
	p := strict()
	p.allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("10.0.0.0/8")}
	for _, host := range []string{"127.0.0.1", "::1", "localhost", "sneaky.example", "10.9.9.9", "::ffff:10.0.0.1"} {
		if _, err := p.Resolve(context.Background(), host); err != nil {
			t.Errorf("%s refused with the range allowed: %v", host, err)
		}
	}
	for _, host := range []string{"192.168.1.1", "169.254.169.254", "metadata.example"} {
		if _, err := p.Resolve(context.Background(), host); err == nil {
			t.Errorf("%s allowed by an allow-list that does not name it", host)
		}
	}
}

// rebinding answers a public address to the first lookup (the check at
// registration) and loopback afterwards (the dial).
type rebinding struct{ n atomic.Int32 }

func (r *rebinding) LookupNetIP(_ context.Context, _, _ string) ([]netip.Addr, error) {
	if r.n.Add(1) == 1 {
		return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
	}
	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}

func TestDialChecksWhatItDials(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ctx := context.Background()

	// Refused by default, by address and by name: nothing reaches the socket.
	p := strict()
	for _, host := range []string{"127.0.0.1", "localhost", "sneaky.example"} {
		var re *RefusedError
		if _, err := p.DialContext(ctx, "tcp", net.JoinHostPort(host, port)); !errors.As(err, &re) {
			t.Errorf("dial %s: %v", host, err)
		}
	}
	// A name that changes its answer between check and dial is caught at
	// the dial: the check passes, the dial is refused.
	rb := &rebinding{}
	p.Resolver = rb
	if _, err := p.Resolve(ctx, "camera.example"); err != nil {
		t.Fatalf("registration-time check: %v", err)
	}
	var re *RefusedError
	if _, err := p.DialContext(ctx, "tcp", net.JoinHostPort("camera.example", port)); !errors.As(err, &re) || re.Reason != "loopback" {
		t.Fatalf("rebound name dialled: %v", err)
	}
	if n := accepted.Load(); n != 0 {
		t.Fatalf("%d connections reached the loopback listener", n)
	}

	// Allowed: the dial goes through to the checked address.
	p = strict()
	p.allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	c, err := p.DialContext(ctx, "tcp", net.JoinHostPort("localhost", port))
	if err != nil {
		t.Fatalf("allowed dial: %v", err)
	}
	if got := c.RemoteAddr().(*net.TCPAddr).IP.String(); got != "127.0.0.1" {
		t.Errorf("dialled %s, want the resolved 127.0.0.1", got)
	}
	c.Close()
}
