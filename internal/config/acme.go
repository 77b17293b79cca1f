package config

import (
	"crypto/x509"
	"flag"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
)

// LetsEncrypt is the ACME directory used when VIGILO_ACME_DIRECTORY is unset.
const LetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"

// TLS is the HTTPS listener of verified custom domains, whose certificates
// come from an ACME server (docs/BRANDING.md). An empty Addr serves no TLS
// (the default): a proxy in front terminates it.
type TLS struct {
	Addr      string // VIGILO_TLS_ADDR, e.g. :443
	Directory string // VIGILO_ACME_DIRECTORY, default Let's Encrypt production
	Email     string // VIGILO_ACME_EMAIL: the ACME account's contact, optional
	// CARoots is a PEM file of the CAs trusted when talking to the ACME
	// server (a test server's own CA); empty: the system's roots.
	CARoots string // VIGILO_ACME_CA_ROOTS
}

// Enabled reports whether the TLS listener runs.
func (t TLS) Enabled() bool { return t.Addr != "" }

// tlsFlags reads the VIGILO_TLS_ADDR and VIGILO_ACME_* settings; finish
// checks them once the flags are parsed, naming the variable that is wrong.
func (c *Config) tlsFlags(fs *flag.FlagSet, env func(k, def string) string) (finish func() error) {
	t := &c.TLS
	fs.StringVar(&t.Addr, "tls-addr", env("VIGILO_TLS_ADDR", ""), "HTTPS listener of verified custom domains with ACME certificates, e.g. :443; empty: none (VIGILO_TLS_ADDR)")
	fs.StringVar(&t.Directory, "acme-directory", env("VIGILO_ACME_DIRECTORY", LetsEncrypt), "ACME directory URL the certificates come from (VIGILO_ACME_DIRECTORY)")
	fs.StringVar(&t.Email, "acme-email", env("VIGILO_ACME_EMAIL", ""), "contact e-mail of the ACME account (VIGILO_ACME_EMAIL)")
	fs.StringVar(&t.CARoots, "acme-ca-roots", env("VIGILO_ACME_CA_ROOTS", ""), "PEM file of CAs trusted for the ACME server; empty: the system's (VIGILO_ACME_CA_ROOTS)")
	return func() error {
		if !t.Enabled() {
			return nil
		}
		if _, _, err := net.SplitHostPort(t.Addr); err != nil {
			return fmt.Errorf("VIGILO_TLS_ADDR: want host:port or :port, e.g. :443")
		}
		u, err := url.Parse(t.Directory)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("VIGILO_ACME_DIRECTORY: want the URL of an ACME directory, e.g. %s", LetsEncrypt)
		}
		if t.Email != "" {
			if _, err := mail.ParseAddress(t.Email); err != nil {
				return fmt.Errorf("VIGILO_ACME_EMAIL: want an e-mail address")
			}
		}
		if t.CARoots != "" {
			if _, err := LoadCARoots(t.CARoots); err != nil {
				return fmt.Errorf("VIGILO_ACME_CA_ROOTS: %v", err)
			}
		}
		return nil
	}
}

// LoadCARoots reads a PEM file of CA certificates into a pool.
func LoadCARoots(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}
