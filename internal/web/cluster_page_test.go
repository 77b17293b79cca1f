package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/fleet"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestClusterPage: the operator sees every node with roles, state and last
// heartbeat (a silent recorder marked so); nobody else sees the page or its
// link; a single node says it is one.
func TestClusterPage(t *testing.T) {
	n := testenv.NATS(t)
	e := apitest.Boot(t, apitest.Options{Postgres: true, Env: map[string]string{"VIGILO_NATS_URL": n.URL, "VIGILO_NODE_ID": "web-1"}})
	silent := fleet.Node{ID: "rec-9", Instance: "x", Roles: []string{fleet.RoleRecorder}, URL: "http://10.0.0.9:8080", Capacity: 100,
		StartedAt: time.Now().Add(-time.Hour), LastSeen: time.Now().Add(-time.Minute)}
	if ok, err := e.Main.Store.W().Heartbeat(context.Background(), silent, 5*time.Second); !ok || err != nil {
		t.Fatal(ok, err)
	}
	op := newClient(t, e)
	op.signIn(apitest.AdminEmail, apitest.AdminPassword)
	p := op.get("/cluster")
	if p.Status != 200 || !strings.Contains(p.Body, `href="/cluster" aria-current="page"`) {
		t.Fatalf("cluster page: %d %.300s", p.Status, p.Body)
	}
	row := func(id string) string {
		i := strings.Index(p.Body, `data-node="`+id+`"`)
		if i < 0 {
			t.Fatalf("no row for %s:\n%s", id, p.Body)
		}
		return p.Body[i:min(len(p.Body), i+800)]
	}
	if r := row("web-1"); !strings.Contains(r, "api, recorder") || !strings.Contains(r, ">alive<") {
		t.Fatalf("this node's row: %s", r)
	}
	if r := row("rec-9"); !strings.Contains(r, "<strong>silent</strong>") || !strings.Contains(r, "http://10.0.0.9:8080") ||
		!strings.Contains(r, "1m0s ago") {
		t.Fatalf("the silent recorder's row: %s", r)
	}

	in := e.CreateAccount(e.Root, 1, "integrator", "Cluster Page Int")
	c := newClient(t, e)
	c.signIn(in.Email, in.Password)
	if p := c.get("/"); strings.Contains(p.Body, `href="/cluster"`) {
		t.Fatal("an integrator is shown the Cluster link")
	}
	if p := c.get("/cluster"); p.Status != 403 {
		t.Fatalf("an integrator opens the cluster page: %d", p.Status)
	}

	single := apitest.Boot(t, apitest.Options{})
	sc := newClient(t, single)
	sc.signIn(apitest.AdminEmail, apitest.AdminPassword)
	if p := sc.get("/cluster"); p.Status != 200 || !strings.Contains(p.Body, `id="cluster-single"`) {
		t.Fatalf("single node's cluster page: %d %.300s", p.Status, p.Body)
	}
}
