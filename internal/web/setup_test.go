package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/config"
	"github.com/vigilo/vigilo/internal/server"
)

// TestSetupPage: at first start without VIGILO_ADMIN_*, the one-time link
// printed in the banner opens the page that creates the operator's owner,
// once.
func TestSetupPage(t *testing.T) {
	vars := map[string]string{"VIGILO_HTTP_ADDR": "127.0.0.1:0", "VIGILO_BASE_URL": "http://localhost:0",
		"VIGILO_DATA_DIR": t.TempDir(), "VIGILO_RECORD": "false", "VIGILO_WEBRTC_UDP_PORT": "0"}
	cfg, err := config.Load(nil, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	m := &server.Main{Config: cfg, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Out: io.Discard}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	u, err := url.Parse(m.SetupLink)
	if err != nil || u.Path != "/setup" {
		t.Fatalf("setup link %q", m.SetupLink)
	}
	c := newClient(t, &apitest.Env{T: t, Main: m, URL: "http://" + m.Addr})
	tok := u.Query().Get("token")
	if p := c.post(u.RequestURI(), "/setup", url.Values{"token": {tok}, "email": {"boss@vigilo.test"}, "password": {"boss-pass-1"}, "password_again": {"boss-pass-2"}}); fieldError(p.Body, "password_again") == "" {
		t.Fatalf("mismatched passwords: %d", p.Status)
	}
	if p := c.post(u.RequestURI(), "/setup", url.Values{"token": {"wrong"}, "email": {"boss@vigilo.test"}, "password": {"boss-pass-1"}, "password_again": {"boss-pass-1"}}); fieldError(p.Body, "token") == "" {
		t.Fatalf("wrong token: %d", p.Status)
	}
	if p := c.post(u.RequestURI(), "/setup", url.Values{"token": {tok}, "email": {"boss@vigilo.test"}, "name": {"Boss"}, "password": {"boss-pass-1"}, "password_again": {"boss-pass-1"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("setup: %d %.300s", p.Status, p.Body)
	}
	if p := c.post(u.RequestURI(), "/setup", url.Values{"token": {tok}, "email": {"other@vigilo.test"}, "password": {"boss-pass-1"}, "password_again": {"boss-pass-1"}}); !strings.Contains(fieldError(p.Body, "token"), "invalid or has already been used") {
		t.Fatalf("setup link used twice: %d %q", p.Status, fieldError(p.Body, "token"))
	}
	c.signIn("boss@vigilo.test", "boss-pass-1")
	if p := c.get("/"); p.Status != http.StatusOK || !strings.Contains(p.Body, "Dashboard") {
		t.Fatalf("dashboard after setup: %d", p.Status)
	}
}
