package server

import (
	"context"
	"net"

	"github.com/vigilo/vigilo/internal/app"
)

// startBranding sets how custom domains are proved (DNS through the
// configured resolver) and starts the watcher that drops cached brands when
// an event on the bus says a brand, a domain, a module or the tree changed
// (the App drops them itself after its own writes; this covers every other
// publisher on the bus).
func (m *Main) startBranding() {
	r := net.DefaultResolver
	if addr := m.Config.Branding.DNSResolver; addr != "" {
		r = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}}
	}
	m.App.Brands.Resolver = r
	ch, stop := m.App.Events.Subscribe(256)
	m.OnClose(stop)
	m.goRun(func() {
		for e := range ch {
			if app.BrandEvent(e.Kind) {
				m.App.InvalidateBrands()
			}
		}
	})
}
