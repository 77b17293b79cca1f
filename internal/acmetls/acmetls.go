// Package acmetls serves verified custom domains over HTTPS with
// certificates it obtains from an ACME server (docs/BRANDING.md).
package acmetls

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// Config is what the listener needs.
type Config struct {
	Addr      string         // listen address, e.g. :443
	Directory string         // ACME directory URL
	Email     string         // ACME account contact, optional
	Roots     *x509.CertPool // CAs trusted for the ACME server; nil: the system's
	CacheDir  string         // certificates and the account key live here, unless Shared is set
	// Shared, when set, keeps certificates and the account key in a store
	// every api node reaches, sealed by Seal, and lets one node at a time
	// order a domain's certificate (docs/BRANDING.md).
	Shared Shared
	Seal   Sealer
	// Verified says whether host is a verified custom domain. It is asked
	// before any ACME request, so that nobody can make us request a
	// certificate for a name they merely point at us.
	Verified func(ctx context.Context, host string) (bool, error)
	Handler  http.Handler
	Log      *slog.Logger
}

// Server is the running HTTPS listener.
type Server struct {
	Addr string // the address bound
	srv  *http.Server
	done chan struct{}
}

// ErrUnverified refuses a name that is not a verified custom domain.
var ErrUnverified = errors.New("acmetls: not a verified custom domain")

// New listens on c.Addr and serves c.Handler over TLS. Certificates are
// obtained on the first handshake for a verified name (TLS-ALPN-01 is
// answered on this same listener, by any node when the store is shared)
// and renewed by the manager.
func New(c Config) (*Server, error) {
	hc := &http.Client{Timeout: 30 * time.Second}
	if c.Roots != nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: c.Roots, MinVersion: tls.VersionTLS12}
		hc.Transport = tr
	}
	var cache autocert.Cache = autocert.DirCache(c.CacheDir)
	var shared *sharedCache
	if c.Shared != nil {
		if c.Seal == nil {
			return nil, errors.New("acmetls: a shared store needs a sealer")
		}
		shared = newSharedCache(c.Shared, c.Seal)
		cache = shared
	}
	m := &autocert.Manager{
		Prompt: autocert.AcceptTOS,
		Cache:  cache,
		Email:  c.Email,
		Client: &acme.Client{DirectoryURL: c.Directory, HTTPClient: hc},
		HostPolicy: func(ctx context.Context, host string) error {
			ok, err := c.Verified(ctx, strings.ToLower(host))
			if err != nil {
				return err
			}
			if !ok {
				return ErrUnverified
			}
			if shared != nil {
				return shared.order(ctx, strings.ToLower(host))
			}
			return nil
		},
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (VIGILO_TLS_ADDR): %w", c.Addr, err)
	}
	s := &Server{Addr: ln.Addr().String(), done: make(chan struct{})}
	cfg := m.TLSConfig()
	cfg.MinVersion = tls.VersionTLS12
	s.srv = &http.Server{Handler: c.Handler, TLSConfig: cfg, ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(c.Log.Handler(), slog.LevelDebug)}
	go func() {
		defer close(s.done)
		if err := s.srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.Log.Error("tls server", "err", err)
		}
	}()
	return s, nil
}

// Close stops serving, letting requests in flight finish for a while.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	return err
}
