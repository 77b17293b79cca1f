package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// stored reports whether a certificate for name is kept where this
// database keeps them: the data directory with SQLite, the shared
// database with PostgreSQL.
func stored(t *testing.T, e *apitest.Env, pg bool, name string) bool {
	t.Helper()
	if pg {
		_, found, err := e.Main.Store.R().ACMEEntry(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		return found
	}
	_, err := os.Stat(filepath.Join(e.Main.Config.DataDir, "acme", name))
	return err == nil
}

// TestACMECertificates: the TLS listener gets a certificate from a real
// ACME server (pebble) for a verified custom domain on the first handshake,
// serves that domain's branded sign-in page through it and keeps the
// certificate (data directory or shared database); a name that is not verified (set but
// unproven, or never set) fails the handshake without any order reaching
// the ACME server.
func TestACMECertificates(t *testing.T) {
	eachDB(t, func(t *testing.T, pg bool) {
		tlsPort := testenv.FreePort(t)
		pebble := testenv.StartPebble(t, tlsPort)
		e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true, Env: map[string]string{
			"VIGILO_TLS_ADDR":       "127.0.0.1:" + strconv.Itoa(tlsPort),
			"VIGILO_ACME_DIRECTORY": pebble.Directory,
			"VIGILO_ACME_CA_ROOTS":  pebble.CARoots,
			"VIGILO_ACME_EMAIL":     "ops@vigilo.test",
		}})
		acme := e.CreateAccount(e.Root, 1, "integrator", "Acme Security")
		other := e.CreateAccount(e.Root, 1, "integrator", "Other Integrator")
		brand := func(id int64, token, name, domain string) {
			e.Must(200, "PUT", "/api/v1/accounts/"+strconv.FormatInt(id, 10)+"/branding", token,
				map[string]any{"product_name": name, "custom_domain": domain})
		}
		brand(acme.ID, acme.Token, "Acme Video", "video.acme.test")
		e.Must(200, "POST", "/api/v1/accounts/"+strconv.FormatInt(acme.ID, 10)+"/branding/verify", e.Root, nil)
		brand(other.ID, other.Token, "Other Video", "video.other.test") // never verified

		issuer := pebble.IssuerRoot(t)
		addr := e.Main.TLSAddr
		handshake := func(name string) (*tls.Conn, error) {
			d := &net.Dialer{Timeout: 30 * time.Second}
			return tls.DialWithDialer(d, "tcp", addr, &tls.Config{ServerName: name, RootCAs: issuer})
		}

		c, err := handshake("video.acme.test")
		if err != nil {
			t.Fatalf("handshake for the verified domain: %v\npebble:\n%s", err, pebble.Log())
		}
		leaf := c.ConnectionState().PeerCertificates[0]
		c.Close()
		if err := leaf.VerifyHostname("video.acme.test"); err != nil {
			t.Errorf("certificate names %v: %v", leaf.DNSNames, err)
		}
		if pebble.Orders() < 1 {
			t.Errorf("pebble received no order for the verified domain:\n%s", pebble.Log())
		}
		if !stored(t, e, pg, "video.acme.test") {
			t.Error("certificate not kept (data directory with SQLite, database with PostgreSQL)")
		}

		// Through HTTPS, the domain's sign-in page carries its brand.
		client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: issuer},
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			}}}
		resp, err := client.Get("https://video.acme.test/login")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `id="brand-name">Acme Video<`) {
			t.Errorf("sign-in page through https://video.acme.test: %d %.300s", resp.StatusCode, body)
		}

		// Names that are not verified: no certificate, and nothing asked
		// of the ACME server.
		orders := pebble.Orders()
		for _, name := range []string{"video.other.test", "anything.example.com"} {
			if c, err := handshake(name); err == nil {
				c.Close()
				t.Errorf("%s: handshake succeeded", name)
			} else if _, ok := err.(x509.UnknownAuthorityError); ok {
				t.Errorf("%s: a certificate was served: %v", name, err)
			}
			if stored(t, e, pg, name) {
				t.Errorf("%s: a certificate is stored", name)
			}
		}
		if pebble.Orders() != orders || strings.Contains(pebble.Log(), "other.test") || strings.Contains(pebble.Log(), "anything.example") {
			t.Errorf("pebble was asked about an unverified name:\n%s", pebble.Log())
		}
	})
}
