package server_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/config"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/server"
	"github.com/vigilo/vigilo/internal/testenv"
)

// bootNode starts one node of a cluster on the shared database and NATS.
func bootNode(t *testing.T, dsn, natsURL, id string, extra map[string]string) *apitest.Env {
	env := map[string]string{"VIGILO_NATS_URL": natsURL, "VIGILO_NODE_ID": id, "VIGILO_ROLES": "api"}
	for k, v := range extra {
		env[k] = v
	}
	return apitest.Boot(t, apitest.Options{DBURL: dsn, Env: env})
}

// TestClusterDisableRefusedOnOtherNode: a disable committed through node A
// is refused by node B at once (R6 across nodes), although B had the
// principal cached a moment before; and A's events reach B's subscribers
// through JetStream.
func TestClusterDisableRefusedOnOtherNode(t *testing.T) {
	n := testenv.NATS(t)
	dsn := testenv.PostgresDSN(t)
	a := bootNode(t, dsn, n.URL, "node-a", nil)
	b := bootNode(t, dsn, n.URL, "node-b", nil)
	evs, stop := b.Main.App.Events.Subscribe(64)
	defer stop()

	top := a.CreateAccount(a.Root, 1, "integrator", "Top")
	cust := a.CreateAccount(top.Token, top.ID, "customer", "Cust")
	for i := 0; i < 3; i++ {
		for _, path := range []string{"/api/v1/me", "/api/v1/accounts/" + strconv.FormatInt(cust.ID, 10)} {
			b.Must(200, "GET", path, cust.Token, nil) // B caches the principal and the page
		}
	}
	var worst time.Duration
	for round := 0; round < 5; round++ {
		b.Must(200, "GET", "/api/v1/me", cust.Token, nil) // cached on B a moment ago
		a.Must(200, "POST", "/api/v1/accounts/"+strconv.FormatInt(cust.ID, 10)+"/disable", top.Token, nil)
		disabled := time.Now()
		// Node B refuses within 100 ms of the disable's answer on A (its
		// cached entry would live up to a second without the announcement).
		var took time.Duration
		for {
			r := b.Do("GET", "/api/v1/me", cust.Token, nil)
			took = time.Since(disabled)
			if r.Status == 403 && r.Code() == "account_disabled" {
				break
			}
			if took > 100*time.Millisecond {
				t.Fatalf("round %d: node B still serves a disabled account %v after the disable on A: %d %s", round, took, r.Status, r.Body)
			}
			time.Sleep(2 * time.Millisecond)
		}
		worst = max(worst, took)
		a.Must(200, "POST", "/api/v1/accounts/"+strconv.FormatInt(cust.ID, 10)+"/enable", top.Token, nil)
		deadline := time.Now().Add(2 * time.Second)
		for b.Do("GET", "/api/v1/me", cust.Token, nil).Status != 200 {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: enable on A not seen on B", round)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	t.Logf("disable on A refused on B after at most %v", worst)
	metrics := scrape(t, b)
	if !strings.Contains(metrics, "vigilo_cluster_nats_connected 1") || strings.Contains(metrics, "vigilo_cluster_auth_announcements_total 0") ||
		!strings.Contains(metrics, "vigilo_cluster_auth_announcements_total") {
		t.Errorf("node B's cluster metrics:\n%s", grepLines(metrics, "vigilo_cluster_"))
	}

	// Events published on A are delivered on B (not only B's own).
	waitEvent := func(kind events.Kind, what string) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case e := <-evs:
				if e.Kind == kind && e.AccountID == cust.ID {
					return
				}
			case <-deadline:
				t.Fatalf("A's %s event never reached B's bus", what)
			}
		}
	}
	waitEvent(events.AccountDisabled, "account.disabled")

	// NATS restarts: both nodes reconnect by themselves, and a disable on A
	// is again refused on B by the announcement, well before the one-second
	// lifetime of the entry B cached just before (700 ms: right after a
	// restart it takes 200–300 ms on a loaded machine, against 10–20 ms
	// before — docs/CLUSTER.md), and A's events reach B again.
	n.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(scrape(t, a), "vigilo_cluster_nats_connected 1") || !strings.Contains(scrape(t, b), "vigilo_cluster_nats_connected 1") {
		if time.Now().After(deadline) {
			t.Fatal("the nodes did not reconnect to the restarted NATS")
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Must(200, "GET", "/api/v1/me", cust.Token, nil)
	a.Must(200, "POST", "/api/v1/accounts/"+strconv.FormatInt(cust.ID, 10)+"/disable", top.Token, nil)
	disabled := time.Now()
	for b.Do("GET", "/api/v1/me", cust.Token, nil).Status != 403 {
		if time.Since(disabled) > 700*time.Millisecond {
			t.Fatalf("after the NATS restart B still serves a disabled account %v after the disable on A", time.Since(disabled))
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Logf("after a NATS restart, disable on A refused on B after %v", time.Since(disabled))
	waitEvent(events.AccountDisabled, "account.disabled (after the NATS restart)")
}

// scrape reads a node's /metrics.
func scrape(t *testing.T, e *apitest.Env) string {
	t.Helper()
	resp, err := http.Get("http://" + e.Main.MetricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestClusterBadConfigurationFailsFast: an unreachable NATS, or one that
// refuses the credentials, stops the start with a message naming
// VIGILO_NATS_URL; a second live node with one id, naming VIGILO_NODE_ID; a
// camera credentials key not the cluster's, naming VIGILO_SECRET_KEY_FILE.
// (S3's cases: TestS3BadConfigurationFailsStart.)
func TestClusterBadConfigurationFailsFast(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	port := testenv.FreePort(t)
	vars := map[string]string{"VIGILO_HTTP_ADDR": "127.0.0.1:0", "VIGILO_DATA_DIR": t.TempDir(), "VIGILO_DB_URL": dsn,
		"VIGILO_NATS_URL": "nats://127.0.0.1:" + strconv.Itoa(port), "VIGILO_RECORD": "false", "VIGILO_WEBRTC_UDP_PORT": "0"}
	cfg, err := config.Load(nil, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	m := &server.Main{Config: cfg, Out: io.Discard}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = m.Run(ctx)
	if err == nil {
		_ = m.Close()
		t.Fatal("started without a reachable NATS")
	}
	if !strings.Contains(err.Error(), "VIGILO_NATS_URL") || time.Since(start) > 10*time.Second {
		t.Fatalf("want a quick error naming VIGILO_NATS_URL, got after %v: %v", time.Since(start), err)
	}

	// NATS that wants a user and password: the wrong password fails the
	// start naming VIGILO_NATS_URL, without printing the password; the
	// right one starts.
	authed := testenv.NATSAuth(t, "vigilo", "right-password")
	wrong := strings.Replace(authed.URL, "nats://", "nats://vigilo:wrong-password@", 1)
	vars["VIGILO_NATS_URL"] = wrong
	if cfg, err = config.Load(nil, func(k string) string { return vars[k] }); err != nil {
		t.Fatal(err)
	}
	m = &server.Main{Config: cfg, Out: io.Discard}
	start = time.Now()
	if err := m.Run(ctx); err == nil {
		_ = m.Close()
		t.Fatal("started with a wrong NATS password")
	} else if !strings.Contains(err.Error(), "VIGILO_NATS_URL") || strings.Contains(err.Error(), "wrong-password") ||
		time.Since(start) > 10*time.Second {
		t.Fatalf("want a quick error naming VIGILO_NATS_URL without the password, got after %v: %v", time.Since(start), err)
	}
	bootNode(t, dsn, strings.Replace(authed.URL, "nats://", "nats://vigilo:right-password@", 1), "authed", nil)

	// Two running nodes with one id: the second waits out one TTL (a killed
	// node restarting would be silent by then) and refuses, naming
	// VIGILO_NODE_ID.
	n := testenv.NATS(t)
	extra := map[string]string{"VIGILO_LEASE_TTL": "1s"}
	bootNode(t, dsn, n.URL, "twin", extra)
	vars["VIGILO_NATS_URL"], vars["VIGILO_NODE_ID"], vars["VIGILO_LEASE_TTL"] = n.URL, "twin", "1s"
	if cfg, err = config.Load(nil, func(k string) string { return vars[k] }); err != nil {
		t.Fatal(err)
	}
	m = &server.Main{Config: cfg, Out: io.Discard}
	if err := m.Run(ctx); err == nil {
		_ = m.Close()
		t.Fatal("a second node named twin started beside the first")
	} else if !strings.Contains(err.Error(), "VIGILO_NODE_ID") {
		t.Fatalf("want an error naming VIGILO_NODE_ID: %v", err)
	}
	// A node whose camera credentials key is not the cluster's (its own
	// secret.key, made at its first start), or whose key file is missing,
	// refuses to start naming VIGILO_SECRET_KEY_FILE.
	vars["VIGILO_NODE_ID"] = "third"
	for _, keyFile := range []string{"", filepath.Join(t.TempDir(), "missing.key")} {
		vars["VIGILO_SECRET_KEY_FILE"] = keyFile
		if cfg, err = config.Load(nil, func(k string) string { return vars[k] }); err != nil {
			t.Fatal(err)
		}
		m = &server.Main{Config: cfg, Out: io.Discard}
		if err := m.Run(ctx); err == nil {
			_ = m.Close()
			t.Fatalf("a node with key file %q started beside the cluster's key", keyFile)
		} else if !strings.Contains(err.Error(), "VIGILO_SECRET_KEY_FILE") {
			t.Fatalf("key file %q: want an error naming VIGILO_SECRET_KEY_FILE: %v", keyFile, err)
		}
	}

	// Another id is welcome; as a recorder it shows its leases' metrics.
	rec := bootNode(t, dsn, n.URL, "other", map[string]string{"VIGILO_LEASE_TTL": "1s", "VIGILO_ROLES": "recorder", "VIGILO_RECORD": "true"})
	if m := scrape(t, rec); !strings.Contains(m, "vigilo_cluster_leases_held 0") || !strings.Contains(m, "vigilo_cluster_leases_taken_total 0") {
		t.Errorf("a recorder's lease metrics:\n%s", grepLines(m, "vigilo_cluster_"))
	}
}
