package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// money reads a decimal string from a JSON object.
func amt(t *testing.T, m map[string]any, key string) money.Amount {
	t.Helper()
	s, ok := m[key].(string)
	if !ok {
		t.Fatalf("%s is not a decimal string: %v", key, m)
	}
	return money.MustParse(s)
}

func obj(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m, _ = m[k].(map[string]any)
	}
	return m
}

// TestStatisticsMoney builds root → A → B → C with fixed, copied-fixed and
// usage cameras under C, storage snapshots and traffic over several days,
// and checks every level's money to the ten-thousandth: what C pays B is
// B's owed_below, what B pays A is A's, what A pays the root is the root's,
// and the margins over the whole tree add up to zero.
func TestStatisticsMoney(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) { testStatisticsMoney(t, pg) })
	}
}

func testStatisticsMoney(t *testing.T, pg bool) {
	e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
	ctx := context.Background()
	plans := e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items()
	pID, uID := idOf(planByName(t, plans, "Cloud 7 days")), idOf(planByName(t, plans, "Pay as you go"))
	p, u := itoa(pID), itoa(uID)

	a := e.CreateAccount(e.Root, 1, "integrator", "A") // storage 0.03, traffic 0.01
	b := e.CreateAccount(a.Token, a.ID, "integrator", "B")
	c := e.CreateAccount(b.Token, b.ID, "customer", "C")
	other := e.CreateAccount(e.Root, 1, "integrator", "Other")
	e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(b.ID), a.Token, map[string]any{"storage_price": "0.05", "traffic_price": "0.02"})
	e.Must(200, "PATCH", "/api/v1/accounts/"+itoa(c.ID), b.Token, map[string]any{"storage_price": "0.10", "traffic_price": "0.05"})

	// Fixed plan P: A pays 3, B pays 4, C pays 5 per camera-month.
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(a.ID)+"/plans/"+p, e.Root, map[string]any{"cost": "3", "end_user_price": "4"})
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(b.ID)+"/plans/"+p, a.Token, map[string]any{"cost": "4", "end_user_price": "5"})
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(c.ID)+"/plans/"+p, b.Token, map[string]any{"cost": "5"})
	// A's copy of P for B at 4.50; B sells it to C at 6. A still pays the
	// root P's 3 for a camera on the copy.
	cp := e.Must(201, "POST", "/api/v1/plans/"+p+"/copies", a.Token,
		map[string]any{"name": "A special", "cost": "4.50", "account_ids": []int64{b.ID}})
	copyID := itoa(cp.ID())
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(c.ID)+"/plans/"+copyID, b.Token, map[string]any{"cost": "6"})
	// Usage plan U down the chain (its offer costs play no part).
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(a.ID)+"/plans/"+u, e.Root, map[string]any{"cost": "0"})
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(b.ID)+"/plans/"+u, a.Token, map[string]any{"cost": "0"})
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(c.ID)+"/plans/"+u, b.Token, map[string]any{"cost": "0"})

	w := e.Main.Store.W()
	ids, err := w.SeedCameras(ctx, []store.SeedCamera{
		{IntegratorID: b.ID, CustomerID: c.ID, PlanID: pID, Name: "fixed-1", Enabled: true},
		{IntegratorID: b.ID, CustomerID: c.ID, PlanID: pID, Name: "fixed-2", Enabled: true},
		{IntegratorID: b.ID, CustomerID: c.ID, PlanID: cp.ID(), Name: "copy", Enabled: true},
		{IntegratorID: b.ID, CustomerID: c.ID, PlanID: uID, Name: "usage", Enabled: true},
		{IntegratorID: b.ID, Name: "spare"}, // unassigned: billed to nobody
	})
	if err != nil {
		t.Fatal(err)
	}
	fixed1, usage := ids[0], ids[3]
	// Storage snapshots: the usage camera holds 10, 20, 30 GB on three
	// March days (60 GB-days = 2 GB-months); a fixed camera's storage is in
	// the series but not billed; April is outside the period.
	for d, gb := range map[string]int64{"2026-03-01": 10, "2026-03-02": 20, "2026-03-03": 30, "2026-04-01": 90} {
		if err := w.SetStorageUsage(ctx, usage, day(d), gb*1e9); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.SetStorageUsage(ctx, fixed1, day("2026-03-01"), 5e9); err != nil {
		t.Fatal(err)
	}
	// Traffic: 5 GB for the usage camera in March, 1 GB for a fixed one.
	for _, tr := range []struct {
		cam   int64
		at    string
		bytes int64
	}{{usage, "2026-03-02", 3e9}, {usage, "2026-03-03", 2e9}, {fixed1, "2026-03-02", 1e9}, {usage, "2026-04-01", 7e9}} {
		if err := w.AddTraffic(ctx, tr.cam, day(tr.at).Add(13*time.Hour), tr.bytes); err != nil {
			t.Fatal(err)
		}
	}

	q := "?from=2026-03-01&to=2026-04-01" // 31 days
	stats := func(token string, id int64) map[string]any {
		t.Helper()
		return e.Must(200, "GET", "/api/v1/accounts/"+itoa(id)+"/statistics"+q, token, nil).JSON
	}
	sc, sb, sa, sr := stats(c.Token, c.ID), stats(b.Token, b.ID), stats(a.Token, a.ID), stats(e.Root, 1)

	type want struct{ fixed, storage, traffic, total string }
	check := func(who string, s map[string]any, w want) {
		t.Helper()
		o := obj(s, "money", "owes_above")
		for k, v := range map[string]string{"fixed": w.fixed, "storage": w.storage, "traffic": w.traffic, "total": w.total} {
			if got := amt(t, o, k); got != money.MustParse(v) {
				t.Errorf("%s owes_above.%s = %s, want %s (%v)", who, k, got, v, o)
			}
		}
	}
	// C: 2 × 5 + 1 × 6 per month over 31/30 months = 16.5333; 2 GB-months
	// at 0.10; 5 GB at 0.05.
	check("C", sc, want{"16.5333", "0.2000", "0.2500", "16.9833"})
	// B: P at 4, the copy at its own cost 4.50: 12.50 × 31/30 = 12.9167.
	check("B", sb, want{"12.9167", "0.1000", "0.1000", "13.1167"})
	// A: every fixed camera at P's 3 (the copy is A's own): 9 × 31/30.
	check("A", sa, want{"9.3000", "0.0600", "0.0500", "9.4100"})
	check("root", sr, want{"0.0000", "0.0000", "0.0000", "0.0000"})
	if o := obj(sc, "money", "owes_above"); o["fixed_cameras"] != 3.0 || o["storage_gb_months"] != "2.0000" || o["traffic_gb"] != "5.0000" {
		t.Errorf("C quantities: %v", o)
	}

	// Telescoping: each level's owed_below is its child's owes_above, the
	// breakdown names that child, and the margins add up to zero.
	levels := []struct {
		who         string
		s, child    map[string]any
		childID     int64
		owedBelow   string
		margin      string
		nChildren   int
		childAmount string
	}{
		{"root", sr, sa, a.ID, "9.4100", "9.4100", 2, "9.4100"},
		{"A", sa, sb, b.ID, "13.1167", "3.7067", 1, "13.1167"},
		{"B", sb, sc, c.ID, "16.9833", "3.8666", 1, "16.9833"},
		{"C", sc, nil, 0, "0.0000", "-16.9833", 0, ""},
	}
	var sum money.Amount
	for _, l := range levels {
		m := obj(l.s, "money")
		if amt(t, m, "owed_below") != money.MustParse(l.owedBelow) || amt(t, m, "margin") != money.MustParse(l.margin) {
			t.Errorf("%s money: %v", l.who, m)
		}
		sum += amt(t, m, "margin")
		kids, _ := m["children"].([]any)
		if len(kids) != l.nChildren {
			t.Errorf("%s children: %v", l.who, kids)
		}
		if l.child == nil {
			continue
		}
		if amt(t, m, "owed_below") != amt(t, obj(l.child, "money", "owes_above"), "total") {
			t.Errorf("%s owed_below differs from its child's owes_above", l.who)
		}
		found := false
		for _, k := range kids {
			km := k.(map[string]any)
			if int64(km["account_id"].(float64)) == l.childID {
				found = true
				if amt(t, km, "total") != money.MustParse(l.childAmount) {
					t.Errorf("%s breakdown for %d: %v", l.who, l.childID, km)
				}
			} else if amt(t, km, "total") != 0 {
				t.Errorf("%s: a child without cameras owes %v", l.who, km)
			}
		}
		if !found {
			t.Errorf("%s breakdown misses child %d: %v", l.who, l.childID, kids)
		}
	}
	if sum != 0 {
		t.Errorf("margins over the tree add up to %s, want 0", sum)
	}

	// Secrecy (R4): B's and C's statistics never show what A pays the root
	// (A's cost 3, 9.3000 over the period) nor A's total.
	for who, body := range map[string][]byte{
		"B": e.Must(200, "GET", "/api/v1/accounts/"+itoa(b.ID)+"/statistics"+q, b.Token, nil).Body,
		"C": e.Must(200, "GET", "/api/v1/accounts/"+itoa(c.ID)+"/statistics"+q, c.Token, nil).Body,
	} {
		for _, secret := range []string{"9.3000", "9.4100", "3.7067"} {
			if strings.Contains(string(body), secret) {
				t.Errorf("%s's statistics show %s: %s", who, secret, body)
			}
		}
	}

	// Counts, traffic and the daily series.
	if obj(sa, "accounts")["integrators"] != 1.0 || obj(sa, "accounts")["customers"] != 1.0 || obj(sr, "accounts")["integrators"] != 3.0 {
		t.Errorf("account counts: A %v root %v", sa["accounts"], sr["accounts"])
	}
	if obj(sb, "cameras")["total"] != 5.0 || obj(sc, "cameras")["total"] != 4.0 || sb["users"] != 2.0 {
		t.Errorf("B cameras %v users %v, C cameras %v", sb["cameras"], sb["users"], sc["cameras"])
	}
	if sa["traffic_bytes"] != 6e9 || sa["days"] != 31.0 || sa["from"] != "2026-03-01" || sa["to"] != "2026-04-01" {
		t.Errorf("A traffic %v days %v from %v to %v", sa["traffic_bytes"], sa["days"], sa["from"], sa["to"])
	}
	daily, _ := sa["daily"].([]any)
	if len(daily) != 31 {
		t.Fatalf("daily series has %d days", len(daily))
	}
	d1, d2 := daily[0].(map[string]any), daily[1].(map[string]any)
	if d1["day"] != "2026-03-01" || d1["storage_bytes"] != 15e9 || d1["traffic_bytes"] != 0.0 ||
		d2["storage_bytes"] != 20e9 || d2["traffic_bytes"] != 4e9 {
		t.Errorf("daily: %v %v", d1, d2)
	}
	// The other integrator sees nothing of it.
	if so := stats(other.Token, other.ID); amt(t, obj(so, "money"), "owed_below") != 0 || so["traffic_bytes"] != 0.0 {
		t.Errorf("Other: %v", so)
	}
}

// TestStatisticsAccessAndRanges checks isolation (404 outside the subtree)
// and the range rules (400 naming the field).
func TestStatisticsAccessAndRanges(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
			a := e.CreateAccount(e.Root, 1, "integrator", "A")
			b := e.CreateAccount(a.Token, a.ID, "integrator", "B")
			c := e.CreateAccount(b.Token, b.ID, "customer", "C")
			other := e.CreateAccount(e.Root, 1, "integrator", "Other")
			path := func(id int64) string { return "/api/v1/accounts/" + itoa(id) + "/statistics" }
			for _, x := range []struct {
				token string
				id    int64
			}{{c.Token, b.ID}, {b.Token, a.ID}, {other.Token, c.ID}, {other.Token, a.ID}, {a.Token, 1}, {a.Token, 999999}} {
				e.Must(404, "GET", path(x.id), x.token, nil)
			}
			e.Must(401, "GET", path(a.ID), "", nil)
			// A viewer watches video; the money is not for it.
			var viewer int64
			for _, r := range e.Must(200, "GET", "/api/v1/accounts/"+itoa(c.ID)+"/roles", c.Token, nil).Items() {
				if r["name"] == "Viewer" {
					viewer = idOf(r)
				}
			}
			e.Must(201, "POST", "/api/v1/accounts/"+itoa(c.ID)+"/users", c.Token, map[string]any{"email": "viewer-stats@vigilo.test",
				"name": "V", "password": "password-123", "role_id": viewer, "send_confirmation": false})
			e.ConfirmEmail("viewer-stats@vigilo.test")
			e.Must(403, "GET", path(c.ID), e.Login("viewer-stats@vigilo.test", "password-123"), nil)
			// Default: the current calendar month.
			s := e.Must(200, "GET", path(c.ID), c.Token, nil).JSON
			now := time.Now().UTC()
			first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
			if s["from"] != first.Format(time.DateOnly) || s["to"] != first.AddDate(0, 1, 0).Format(time.DateOnly) {
				t.Errorf("default period %v – %v", s["from"], s["to"])
			}
			// RFC 3339 times round out to whole days.
			s = e.Must(200, "GET", path(a.ID)+"?from=2026-02-03T10:00:00Z&to=2026-02-05T00:00:01Z", a.Token, nil).JSON
			if s["from"] != "2026-02-03" || s["to"] != "2026-02-06" || s["days"] != 3.0 {
				t.Errorf("rounded period: %v %v %v", s["from"], s["to"], s["days"])
			}
			e.Must(200, "GET", path(a.ID)+"?from=2025-01-01&to=2026-01-02", a.Token, nil) // 366 days
			for _, bad := range []struct{ q, field string }{
				{"?from=yesterday", "from"},
				{"?from=2026-01-01&to=2026-13-01", "to"},
				{"?from=2026-03-01&to=2026-03-01", "to"},
				{"?from=2026-03-02&to=2026-03-01", "to"},
				{"?from=2025-01-01&to=2026-01-03", "to"},
			} {
				r := e.Must(400, "GET", path(a.ID)+bad.q, a.Token, nil)
				if f := obj(r.JSON, "error", "fields"); f[bad.field] == nil {
					t.Errorf("%s: %s", bad.q, r.Body)
				}
			}
		})
	}
}

// TestStorageSnapshot checks the recorder's daily snapshot on both
// engines: today's row holds what the segment index holds now, and a later
// snapshot the same day replaces it.
func TestStorageSnapshot(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
			ctx := context.Background()
			a := e.CreateAccount(e.Root, 1, "integrator", "A")
			w := e.Main.Store.W()
			ids, err := w.SeedCameras(ctx, []store.SeedCamera{{IntegratorID: a.ID, Name: "one"}, {IntegratorID: a.ID, Name: "two"}})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			if err := w.SeedSegment(ctx, ids[0], now.Add(-time.Hour), 1000, "a/1.mp4"); err != nil {
				t.Fatal(err)
			}
			if err := e.Main.App.SnapshotStorage(ctx); err != nil {
				t.Fatal(err)
			}
			if err := w.SeedSegment(ctx, ids[1], now.Add(-time.Hour), 234, "b/1.mp4"); err != nil {
				t.Fatal(err)
			}
			if err := w.SeedSegment(ctx, ids[0], now.Add(-30*time.Minute), 500, "a/2.mp4"); err != nil {
				t.Fatal(err)
			}
			if err := e.Main.App.SnapshotStorage(ctx); err != nil {
				t.Fatal(err)
			}
			today := now.Format(time.DateOnly)
			s := e.Must(200, "GET", "/api/v1/accounts/"+itoa(a.ID)+"/statistics?from="+today+"&to="+now.AddDate(0, 0, 1).Format(time.DateOnly), a.Token, nil).JSON
			daily, _ := s["daily"].([]any)
			if len(daily) != 1 || daily[0].(map[string]any)["storage_bytes"] != 1734.0 || s["storage_bytes"] != 1734.0 {
				t.Errorf("snapshot: %v, storage now %v", daily, s["storage_bytes"])
			}
			// Camera two's recordings go: its row of today goes with them.
			if _, err := w.DeleteCameraSegmentsBefore(ctx, ids[1], now); err != nil {
				t.Fatal(err)
			}
			if err := e.Main.App.SnapshotStorage(ctx); err != nil {
				t.Fatal(err)
			}
			s = e.Must(200, "GET", "/api/v1/accounts/"+itoa(a.ID)+"/statistics?from="+today, a.Token, nil).JSON
			if daily, _ := s["daily"].([]any); daily[0].(map[string]any)["storage_bytes"] != 1500.0 {
				t.Errorf("after deleting: %v", daily[0])
			}
		})
	}
}
