package server_test

import (
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestACMECertificatesSharedByNodes: two api nodes on one PostgreSQL
// database, each with its own TLS listener and data directory (and the
// same key file, as docs/CLUSTER.md asks). The first handshakes for a
// verified domain reach both nodes at once: the ACME server sees exactly
// one order, both nodes serve that one certificate (same serial), nothing
// lands in either data directory, and the stored key is sealed. A node
// started afterwards serves it too without asking the ACME server.
func TestACMECertificatesSharedByNodes(t *testing.T) {
	portA, portB := testenv.FreePort(t), testenv.FreePort(t)
	pebble := testenv.StartPebble(t, portA)
	acmeEnv := func(port int) map[string]string {
		return map[string]string{
			"VIGILO_TLS_ADDR":       "127.0.0.1:" + strconv.Itoa(port),
			"VIGILO_ACME_DIRECTORY": pebble.Directory,
			"VIGILO_ACME_CA_ROOTS":  pebble.CARoots,
		}
	}
	// Nodes of one cluster: one PostgreSQL database and one key file
	// (VIGILO_SECRET_KEY_FILE, as apitest gives nodes sharing a database),
	// each its own data directory and TLS listener.
	dsn := testenv.PostgresDSN(t)
	node := func(port int) *apitest.Env {
		return apitest.Boot(t, apitest.Options{DBURL: dsn, Quiet: true, Env: acmeEnv(port)})
	}
	a := node(portA)
	b := node(portB)

	acme := a.CreateAccount(a.Root, 1, "integrator", "Acme Security")
	a.Must(200, "PUT", "/api/v1/accounts/"+strconv.FormatInt(acme.ID, 10)+"/branding", acme.Token,
		map[string]any{"product_name": "Acme Video", "custom_domain": "video.acme.test"})
	a.Must(200, "POST", "/api/v1/accounts/"+strconv.FormatInt(acme.ID, 10)+"/branding/verify", a.Root, nil)

	issuer := pebble.IssuerRoot(t)
	serialAt := func(addr string) (string, error) {
		d := &net.Dialer{Timeout: 60 * time.Second}
		c, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{ServerName: "video.acme.test", RootCAs: issuer})
		if err != nil {
			return "", err
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].SerialNumber.String(), nil
	}
	addrs := []string{a.Main.TLSAddr, b.Main.TLSAddr}
	serials := make([]string, len(addrs))
	errs := make([]error, len(addrs))
	var wg sync.WaitGroup
	for i, addr := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			serials[i], errs[i] = serialAt(addr)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("handshake with node %d: %v\npebble:\n%s", i, err, pebble.Log())
		}
	}
	if serials[0] != serials[1] {
		t.Errorf("the nodes serve different certificates: %s and %s", serials[0], serials[1])
	}
	if n := pebble.Orders(); n != 1 {
		t.Errorf("pebble saw %d orders, want 1:\n%s", n, pebble.Log())
	}

	// Stored once, in the database, sealed; in no data directory.
	for _, e := range []*apitest.Env{a, b} {
		if _, err := os.Stat(filepath.Join(e.Main.Config.DataDir, "acme")); !os.IsNotExist(err) {
			t.Errorf("a data directory holds certificates: %v", err)
		}
	}
	data, found, err := a.Main.Store.R().ACMEEntry(t.Context(), "video.acme.test")
	if err != nil || !found || strings.Contains(data, "PRIVATE KEY") || strings.Contains(data, "CERTIFICATE") {
		t.Errorf("stored certificate: found %v, err %v, sealed %v", found, err, !strings.Contains(data, "PRIVATE KEY"))
	}

	// A node that starts later serves the same certificate at once.
	c := node(testenv.FreePort(t))
	serial, err := serialAt(c.Main.TLSAddr)
	if err != nil || serial != serials[0] {
		t.Errorf("a later node serves %s (%v), want %s", serial, err, serials[0])
	}
	if n := pebble.Orders(); n != 1 {
		t.Errorf("pebble saw %d orders after the third node, want 1", n)
	}
}
