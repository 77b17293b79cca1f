package app

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/throttle"
)

// Throttles guard what an attacker can repeat from outside: failed sign-ins
// per account and per client address, and mails per address and per client.
// Keys for accounts are the normalized e-mail whether or not a user has it,
// so unknown and known addresses are throttled alike.
type Throttles struct {
	LoginAccount, LoginClient *throttle.Limiter
	MailAddress, MailClient   *throttle.Limiter
	// KnownClients are clients whose last sign-in succeeded: their
	// password checks wait in the hasher's first lane (identity.LaneKnown).
	KnownClients *throttle.Limiter
	// PnPDevice and PnPClient limit wrong claim codes and device
	// credentials per device id and per client address (app/pnp.go).
	PnPDevice, PnPClient *throttle.Limiter
}

// ThrottleConfig shapes the four limiters.
type ThrottleConfig struct {
	LoginAccount, LoginClient, MailAddress, MailClient, KnownClients throttle.Config
	// Zero P&P configs take DefaultThrottles'.
	PnPDevice, PnPClient throttle.Config
}

// DefaultThrottles: an account gets 5 free failures then locks of 1 s
// doubling to 15 min; a client address (many users behind one NAT) 30 then
// the same; an address gets 3 mails then waits 10 min doubling to a day; a
// client 10 mails then 1 min doubling to an hour. Counts are forgotten after
// 6 h of quiet (a client's failed sign-ins after 1 h: many users may share
// its address, and per-account counts stop guessing anyway).
var DefaultThrottles = ThrottleConfig{
	LoginAccount: throttle.Config{Free: 5, Base: time.Second, Max: 15 * time.Minute, Forget: 6 * time.Hour},
	LoginClient:  throttle.Config{Free: 30, Base: time.Second, Max: 15 * time.Minute, Forget: time.Hour},
	MailAddress:  throttle.Config{Free: 3, Base: 10 * time.Minute, Max: 24 * time.Hour, Forget: 6 * time.Hour},
	MailClient:   throttle.Config{Free: 10, Base: time.Minute, Max: time.Hour, Forget: 6 * time.Hour},
	KnownClients: throttle.Config{Free: math.MaxInt32, Forget: 7 * 24 * time.Hour}, // a set: never locks
	// A device id gets 5 wrong claim codes or credentials, then 1 s
	// doubling to 15 min; a client 20 (an installer's agents share it).
	PnPDevice: throttle.Config{Free: 5, Base: time.Second, Max: 15 * time.Minute, Forget: 6 * time.Hour},
	PnPClient: throttle.Config{Free: 20, Base: time.Second, Max: 15 * time.Minute, Forget: time.Hour},
}

// SetThrottles replaces the limiters (and their counts). Their clock is the
// App's Now, read on every call, so tests that move Now move the locks too.
func (a *App) SetThrottles(c ThrottleConfig) {
	now := func() time.Time { return a.Now() }
	if c.PnPDevice == (throttle.Config{}) {
		c.PnPDevice = DefaultThrottles.PnPDevice
	}
	if c.PnPClient == (throttle.Config{}) {
		c.PnPClient = DefaultThrottles.PnPClient
	}
	a.Throttles = Throttles{
		LoginAccount: throttle.New(c.LoginAccount, now), LoginClient: throttle.New(c.LoginClient, now),
		MailAddress: throttle.New(c.MailAddress, now), MailClient: throttle.New(c.MailClient, now),
		KnownClients: throttle.New(c.KnownClients, now),
		PnPDevice:    throttle.New(c.PnPDevice, now), PnPClient: throttle.New(c.PnPClient, now),
	}
}

// clientKey is the throttling key of a client address: an IPv6 client
// controls its whole /64, so that is one client.
func clientKey(ctx context.Context) string {
	ip, err := netip.ParseAddr(remoteOf(ctx))
	if err != nil {
		return "client:" + remoteOf(ctx)
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return "client:" + p.String()
	}
	return "client:" + ip.String()
}

func errTooMany(wait time.Duration, what string) error {
	return errs.Later(errs.TooMany, "too_many_attempts", wait, "too many %s; try again in %s", what, humanWait(wait))
}

// humanWait rounds a wait up to what a person reads: seconds, then minutes.
func humanWait(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	switch {
	case s <= 1:
		return "1 second"
	case s < 120:
		return fmt.Sprintf("%d seconds", s)
	case s < 2*3600:
		return fmt.Sprintf("%d minutes", (s+59)/60)
	}
	return fmt.Sprintf("%d hours", (s+3599)/3600)
}
