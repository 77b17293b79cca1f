package server

import (
	"net/http"
	"path/filepath"

	"github.com/vigilo/vigilo/internal/acmetls"
	"github.com/vigilo/vigilo/internal/config"
)

// startTLS serves the handler over HTTPS on VIGILO_TLS_ADDR for verified
// custom domains, with certificates from the ACME directory. With
// PostgreSQL (the database every api node of a cluster shares) they are
// kept there, sealed with secret.key, so every node serves the one
// certificate; with SQLite (one node) in <data dir>/acme. Empty: no TLS.
func (m *Main) startTLS(h http.Handler) error {
	c := m.Config.TLS
	if !c.Enabled() {
		return nil
	}
	ac := acmetls.Config{Addr: c.Addr, Directory: c.Directory, Email: c.Email,
		CacheDir: filepath.Join(m.Config.DataDir, "acme"), Verified: m.App.DomainVerified, Handler: h, Log: m.Log}
	if m.Store.Dialect() == "postgres" {
		ac.Shared, ac.Seal = m.Store.W(), m.App.Cameras.Secrets
	}
	if c.CARoots != "" {
		pool, err := config.LoadCARoots(c.CARoots)
		if err != nil {
			return err
		}
		ac.Roots = pool
	}
	s, err := acmetls.New(ac)
	if err != nil {
		return err
	}
	m.TLSAddr = s.Addr
	m.OnClose(func() { _ = s.Close() })
	return nil
}
