package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Pebble is Let's Encrypt's ACME test server, the certificate authority of
// the custom-domain TLS tests. .ci/run installs it at exactly PebbleVersion.
const Pebble = "pebble"

// PebbleVersion is the version .ci/run installs.
const PebbleVersion = "v2.10.3"

// PebbleServer is a running pebble that validates every challenge without
// looking (PEBBLE_VA_ALWAYS_VALID): no DNS is needed for test names.
type PebbleServer struct {
	Directory string // https://127.0.0.1:port/dir
	CARoots   string // PEM file of the CA of pebble's own HTTPS (VIGILO_ACME_CA_ROOTS)
	mgmt      string // https://127.0.0.1:port of the management API
	roots     *x509.CertPool
	out       *lockedBuffer
}

// StartPebble starts a pebble of its own for the test on free loopback
// ports, with tlsPort (where it would check TLS-ALPN-01) set to the
// server under test, and kills it when the test ends. Without the binary
// the test skips (fails when CI=true).
func StartPebble(t testing.TB, tlsPort int) *PebbleServer {
	t.Helper()
	bin := RequireTool(t, Pebble)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	roots := writeLoopbackCert(t, certFile, keyFile)
	p := &PebbleServer{CARoots: certFile, roots: roots, out: &lockedBuffer{}}
	var lastErr error
	// A free port found here can be taken before pebble binds it.
	for attempt := 0; attempt < 3; attempt++ {
		api, mgmt := FreePort(t), FreePort(t)
		cfg := map[string]any{"pebble": map[string]any{
			"listenAddress":           "127.0.0.1:" + strconv.Itoa(api),
			"managementListenAddress": "127.0.0.1:" + strconv.Itoa(mgmt),
			"certificate":             certFile, "privateKey": keyFile,
			"httpPort": tlsPort, "tlsPort": tlsPort,
			"ocspResponderURL": "", "externalAccountBindingRequired": false,
		}}
		b, _ := json.Marshal(cfg)
		cfgFile := filepath.Join(dir, "pebble.json")
		if err := os.WriteFile(cfgFile, b, 0o600); err != nil {
			t.Fatal(err)
		}
		p.Directory = "https://127.0.0.1:" + strconv.Itoa(api) + "/dir"
		p.mgmt = "https://127.0.0.1:" + strconv.Itoa(mgmt)
		if lastErr = p.start(t, bin, cfgFile); lastErr == nil {
			return p
		}
	}
	t.Fatalf("testenv: pebble did not start: %v", lastErr)
	return nil
}

func (p *PebbleServer) start(t testing.TB, bin, cfgFile string) error {
	// 127.0.0.1:1 answers no DNS: with every challenge valid none is needed.
	cmd := exec.Command(bin, "-config", cfgFile, "-dnsserver", "127.0.0.1:1")
	cmd.Env = append(os.Environ(), "PEBBLE_VA_ALWAYS_VALID=1", "PEBBLE_VA_NOSLEEP=1",
		"PEBBLE_WFE_NONCEREJECT=0", "PEBBLE_AUTHZREUSE=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); <-exited }
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := p.get(p.Directory); err == nil {
			break
		}
		select {
		case <-exited:
			return fmt.Errorf("pebble exited: %s", p.out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("pebble not serving after 20s: %s", p.out.String())
		}
	}
	t.Cleanup(stop)
	return nil
}

func (p *PebbleServer) get(url string) ([]byte, error) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.roots}}}
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return b, err
}

// IssuerRoot returns the root CA pebble issues under (it makes a new one
// at every start), from its management API.
func (p *PebbleServer) IssuerRoot(t testing.TB) *x509.CertPool {
	t.Helper()
	b, err := p.get(p.mgmt + "/roots/0")
	if err != nil {
		t.Fatalf("testenv: pebble root: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("testenv: pebble root is no PEM: %q", b)
	}
	return pool
}

// Orders is how many orders pebble has received: it logs each one.
func (p *PebbleServer) Orders() int { return strings.Count(p.out.String(), "Added order") }

// Log is what pebble printed.
func (p *PebbleServer) Log() string { return p.out.String() }

// writeLoopbackCert writes a self-signed certificate for 127.0.0.1 and its
// key, for pebble's own HTTPS, and returns a pool trusting it.
func writeLoopbackCert(t testing.TB, certFile, keyFile string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pebble test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}
