package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
	"github.com/vigilo/vigilo/internal/testenv"
)

// counterModel mirrors, in memory, what the counters count: the test's own
// idea of the tree, its users and cameras, from which it computes every
// account's expected counters without asking the store how.
type counterModel struct {
	accounts map[int64]tenancy.Account
	users    map[int64]int64 // user → account
	cameras  map[int64]*modelCamera
}

type modelCamera struct {
	integrator, customer, plan int64
	enabled                    bool
	online, recording          bool
	node                       string
}

func (m *counterModel) expected() map[int64]store.Counters {
	out := map[int64]store.Counters{}
	for id, a := range m.accounts {
		var c store.Counters
		in := func(owner int64) bool { return strings.HasPrefix(m.accounts[owner].Path, a.Path) }
		for oid, o := range m.accounts {
			if in(oid) {
				if o.Type == tenancy.Integrator {
					c.Integrators++
				} else {
					c.Customers++
				}
			}
		}
		for _, acct := range m.users {
			if in(acct) {
				c.Users++
			}
		}
		for _, cam := range m.cameras {
			owner := cam.integrator
			if cam.customer != 0 {
				owner = cam.customer
			}
			if in(owner) {
				c.Cameras++
				if cam.online {
					c.Online++
				}
				if cam.recording {
					c.Recording++
				}
			}
		}
		out[id] = c
	}
	return out
}

// TestStoreCountersFollowEveryChange grows random trees and applies random
// changes — accounts created and deleted with their subtrees, users added
// and removed, cameras registered, moved between customers, unassigned,
// switched off and deleted, recorders reporting them online and recording
// and letting them go — and after every step checks every account's
// counters against a recount of the test's own model, on both engines.
// Then it damages counters by hand and checks that a repair restores them.
func TestStoreCountersFollowEveryChange(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			dsn, driver, raw := "", "sqlite", "file:"+filepath.Join(dir, "vigilo.db")
			if pg {
				dsn = testenv.PostgresDSN(t)
				driver, raw = "pgx", dsn
			}
			st, err := store.Open(context.Background(), dsn, dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			m := &counterModel{accounts: map[int64]tenancy.Account{}, users: map[int64]int64{}, cameras: map[int64]*modelCamera{}}
			root := tree{t, st}.add(tenancy.Account{}, tenancy.Integrator, "root", nil)
			m.accounts[root.ID] = root
			// Each seed grows its own tree beside the earlier ones, which
			// stay: changes in one must not move the others' counters.
			for seed := uint64(1); seed <= 3; seed++ {
				runCounterSteps(t, st, m, root, seed, 120)
			}
			db, err := sql.Open(driver, raw)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// A crash or a hand edit leaves counters wrong: a start repairs them.
			if _, err := db.Exec(`UPDATE account_counters SET cameras = cameras + 7, online = 3, users = 0`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`DELETE FROM account_counters WHERE account_id IN (SELECT max(id) FROM accounts)`); err != nil {
				t.Fatal(err)
			}
			fixed, err := st.RepairCounters(context.Background())
			if err != nil || fixed == 0 {
				t.Fatalf("repair fixed %d rows: %v", fixed, err)
			}
			checkCounters(t, st, nil, "after the repair")
			if fixed, err := st.RepairCounters(context.Background()); err != nil || fixed != 0 {
				t.Fatalf("a second repair fixed %d rows: %v", fixed, err)
			}
		})
	}
}

// runCounterSteps builds a fresh tree under its own integrator below the
// root and applies n random steps to it.
func runCounterSteps(t *testing.T, st *store.Store, m *counterModel, root tenancy.Account, seed uint64, n int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 99))
	tr := tree{t, st}
	plan, err := st.W().SeedPlan(ctx, root.ID, fmt.Sprintf("plan %d", seed), 7, 2000)
	if err != nil {
		t.Fatal(err)
	}
	top := tr.add(root, tenancy.Integrator, fmt.Sprintf("top %d", seed), nil)
	m.accounts[top.ID] = top
	mine := func(typ tenancy.Type) []tenancy.Account {
		var out []tenancy.Account
		for _, a := range m.accounts {
			if tenancy.InSubtree(top.Path, a.Path) && (typ == "" || a.Type == typ) {
				out = append(out, a)
			}
		}
		slices.SortFunc(out, func(a, b tenancy.Account) int { return int(a.ID - b.ID) })
		return out
	}
	pick := func(list []tenancy.Account) (tenancy.Account, bool) {
		if len(list) == 0 {
			return tenancy.Account{}, false
		}
		return list[rng.IntN(len(list))], true
	}
	myCameras := func() []int64 {
		var out []int64
		for id, c := range m.cameras {
			if tenancy.InSubtree(top.Path, m.accounts[c.integrator].Path) {
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return out
	}
	customersBelow := func(integrator tenancy.Account) []tenancy.Account {
		var out []tenancy.Account
		for _, a := range mine(tenancy.Customer) {
			if tenancy.InSubtree(integrator.Path, a.Path) {
				out = append(out, a)
			}
		}
		return out
	}
	nodes := []string{"", "rec-a", "rec-b"}
	for step := range n {
		var what string
		switch op := rng.IntN(12); {
		case op < 3: // a sub-account
			parent, _ := pick(mine(tenancy.Integrator))
			typ := tenancy.Customer
			if rng.IntN(3) == 0 && parent.Depth < 8 {
				typ = tenancy.Integrator
			}
			a := tr.add(parent, typ, fmt.Sprintf("a%d-%d", seed, step), nil)
			m.accounts[a.ID] = a
			what = "add account"
		case op == 3 && rng.IntN(3) == 0: // a subtree deleted (never the top)
			var cands []tenancy.Account
			for _, a := range mine("") {
				if a.ID != top.ID {
					cands = append(cands, a)
				}
			}
			a, ok := pick(cands)
			if !ok {
				continue
			}
			if err := st.InTx(ctx, func(q store.Q) error { _, err := q.DeleteSubtree(ctx, a.Path); return err }); err != nil {
				t.Fatal(err)
			}
			for id, cam := range m.cameras {
				if tenancy.InSubtree(a.Path, m.accounts[cam.integrator].Path) {
					delete(m.cameras, id)
				} else if cam.customer != 0 && tenancy.InSubtree(a.Path, m.accounts[cam.customer].Path) {
					cam.customer, cam.plan, cam.online, cam.recording = 0, 0, false, false
				}
			}
			for id, acct := range m.users {
				if tenancy.InSubtree(a.Path, m.accounts[acct].Path) {
					delete(m.users, id)
				}
			}
			for id, o := range m.accounts {
				if tenancy.InSubtree(a.Path, o.Path) {
					delete(m.accounts, id)
				}
			}
			what = "delete subtree " + a.Path
		case op == 4: // a user
			a, _ := pick(mine(""))
			u := identity.User{AccountID: a.ID, Email: fmt.Sprintf("u%d-%d@counters.test", seed, step), Status: identity.UserActive}
			if err := st.W().InsertUser(ctx, &u); err != nil {
				t.Fatal(err)
			}
			m.users[u.ID] = a.ID
			what = "add user"
		case op == 5: // a user removed
			var list []int64
			for id, acct := range m.users {
				if tenancy.InSubtree(top.Path, m.accounts[acct].Path) {
					list = append(list, id)
				}
			}
			if len(list) == 0 {
				continue
			}
			slices.Sort(list)
			id := list[rng.IntN(len(list))]
			if err := st.W().DeleteUser(ctx, id); err != nil {
				t.Fatal(err)
			}
			delete(m.users, id)
			what = "delete user"
		case op < 8: // a camera registered, maybe assigned
			integ, _ := pick(mine(tenancy.Integrator))
			c := camera.Camera{IntegratorID: integ.ID, Type: camera.Generic, Name: fmt.Sprintf("c%d", step), Enabled: true,
				RTSPURL: "rtsp://127.0.0.1:1/x"}
			if cust, ok := pick(customersBelow(integ)); ok && rng.IntN(4) > 0 {
				c.CustomerID, c.PlanID = cust.ID, plan
			}
			if err := st.W().InsertCamera(ctx, &c); err != nil {
				t.Fatal(err)
			}
			m.cameras[c.ID] = &modelCamera{integrator: c.IntegratorID, customer: c.CustomerID, plan: c.PlanID, enabled: true}
			what = "add camera"
		case op == 8: // a camera moved, unassigned or switched
			ids := myCameras()
			if len(ids) == 0 {
				continue
			}
			id := ids[rng.IntN(len(ids))]
			mc := m.cameras[id]
			err := st.InTx(ctx, func(q store.Q) error {
				c, err := q.Camera(ctx, id)
				if err != nil {
					return err
				}
				switch rng.IntN(3) {
				case 0:
					if cust, ok := pick(customersBelow(m.accounts[mc.integrator])); ok {
						c.CustomerID, c.PlanID = cust.ID, plan
					}
				case 1:
					c.CustomerID, c.PlanID = 0, 0
				default:
					c.Enabled = !c.Enabled
				}
				mc.customer, mc.plan, mc.enabled = c.CustomerID, c.PlanID, c.Enabled
				return q.UpdateCamera(ctx, &c)
			})
			if err != nil {
				t.Fatal(err)
			}
			if !(mc.enabled && mc.customer != 0 && mc.plan != 0) {
				mc.online, mc.recording = false, false
			}
			what = "update camera"
		case op == 9: // a camera deleted
			ids := myCameras()
			if len(ids) == 0 {
				continue
			}
			id := ids[rng.IntN(len(ids))]
			if err := st.W().DeleteCamera(ctx, id); err != nil {
				t.Fatal(err)
			}
			delete(m.cameras, id)
			what = "delete camera"
		case op == 10: // a recorder reports some cameras
			node := nodes[rng.IntN(len(nodes))]
			var list []store.CameraLive
			for _, id := range myCameras() {
				if rng.IntN(3) > 0 {
					continue
				}
				l := store.CameraLive{CameraID: id, Online: rng.IntN(2) == 0}
				l.Recording = l.Online && rng.IntN(3) > 0
				list = append(list, l)
				mc := m.cameras[id]
				if l.Online || l.Recording {
					mc.online, mc.recording, mc.node = l.Online, l.Recording, node
				} else if mc.node == node {
					mc.online, mc.recording = false, false
				}
			}
			if err := st.InTx(ctx, func(q store.Q) error { return q.SetCamerasLive(ctx, node, list) }); err != nil {
				t.Fatal(err)
			}
			what = "live " + node
		default: // a recorder starts again
			node := nodes[rng.IntN(len(nodes))]
			if _, err := st.W().ClearCamerasLive(ctx, node); err != nil {
				t.Fatal(err)
			}
			for _, mc := range m.cameras {
				if mc.node == node {
					mc.online, mc.recording = false, false
				}
			}
			what = "clear " + node
		}
		checkCounters(t, st, m, fmt.Sprintf("seed %d step %d (%s)", seed, step, what))
	}
}

// checkCounters compares the stored counters with the model's (when m is
// given) and with the store's own recount.
func checkCounters(t *testing.T, st *store.Store, m *counterModel, when string) {
	t.Helper()
	ctx := context.Background()
	stored, err := st.R().StoredCounters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recount, err := st.R().RecountCounters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := recount
	if m != nil {
		want = m.expected()
		for id, c := range recount {
			if want[id] != c {
				t.Fatalf("%s: account %d recounts as %+v, the model says %+v", when, id, c, want[id])
			}
		}
	}
	if len(stored) != len(want) {
		t.Fatalf("%s: %d counter rows for %d accounts", when, len(stored), len(want))
	}
	for id, c := range want {
		if stored[id] != c {
			t.Fatalf("%s: account %d has counters %+v, want %+v", when, id, stored[id], c)
		}
	}
}

// TestStoreCountersConcurrentMoves moves cameras between two customers in
// opposite directions from two writers at once: their transactions adjust
// the same counter rows from both ends, and must neither deadlock nor lose
// an adjustment (PostgreSQL runs them concurrently; SQLite in turn).
func TestStoreCountersConcurrentMoves(t *testing.T) {
	coreDBs(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tr := tree{t, st}
		root := tr.add(tenancy.Account{}, tenancy.Integrator, "root", nil)
		a := tr.add(root, tenancy.Integrator, "A", nil)
		b1 := tr.add(a, tenancy.Integrator, "B1", nil)
		b2 := tr.add(a, tenancy.Integrator, "B2", nil)
		c1 := tr.add(b1, tenancy.Customer, "C1", nil)
		c2 := tr.add(b2, tenancy.Customer, "C2", nil)
		plan, err := st.W().SeedPlan(ctx, root.ID, "p", 7, 2000)
		if err != nil {
			t.Fatal(err)
		}
		cams, err := st.W().SeedCameras(ctx, []store.SeedCamera{{IntegratorID: a.ID, CustomerID: c1.ID, PlanID: plan, Name: "x", Enabled: true},
			{IntegratorID: a.ID, CustomerID: c2.ID, PlanID: plan, Name: "y", Enabled: true}})
		if err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 2)
		for i, id := range cams {
			go func() {
				from, to := c1.ID, c2.ID
				if i == 1 {
					from, to = to, from
				}
				for n := range 40 {
					cust := to
					if n%2 == 1 {
						cust = from
					}
					err := st.InTx(ctx, func(q store.Q) error {
						if err := q.SetCamerasLive(ctx, "n", []store.CameraLive{{CameraID: id, Online: n%3 == 0}}); err != nil {
							return err
						}
						c, err := q.Camera(ctx, id)
						if err != nil {
							return err
						}
						c.CustomerID = cust
						return q.UpdateCamera(ctx, &c)
					})
					if err != nil {
						errc <- err
						return
					}
				}
				errc <- nil
			}()
		}
		for range cams {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
		checkCounters(t, st, nil, "after concurrent moves")
	})
}

// TestStoreCountersSameCamerasConcurrently: writers that flip the live state
// of the same cameras (two recorders around a handover, listed in opposite
// orders) while others move them between customers neither deadlock nor
// count a flip twice: each writer's "before" is read after the previous
// writer committed.
func TestStoreCountersSameCamerasConcurrently(t *testing.T) {
	coreDBs(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tr := tree{t, st}
		root := tr.add(tenancy.Account{}, tenancy.Integrator, "root", nil)
		a := tr.add(root, tenancy.Integrator, "A", nil)
		c1 := tr.add(a, tenancy.Customer, "C1", nil)
		c2 := tr.add(a, tenancy.Customer, "C2", nil)
		plan, err := st.W().SeedPlan(ctx, root.ID, "p", 7, 2000)
		if err != nil {
			t.Fatal(err)
		}
		cams, err := st.W().SeedCameras(ctx, []store.SeedCamera{{IntegratorID: a.ID, CustomerID: c1.ID, PlanID: plan, Name: "x", Enabled: true},
			{IntegratorID: a.ID, CustomerID: c1.ID, PlanID: plan, Name: "y", Enabled: true},
			{IntegratorID: a.ID, CustomerID: c2.ID, PlanID: plan, Name: "z", Enabled: true}})
		if err != nil {
			t.Fatal(err)
		}
		const writers = 4
		errc := make(chan error, writers)
		for w := range writers {
			go func() {
				order := append([]int64(nil), cams...)
				if w%2 == 1 {
					for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
						order[i], order[j] = order[j], order[i]
					}
				}
				node := []string{"rec-1", "rec-2"}[w%2]
				for n := range 30 {
					var err error
					if w < 2 {
						list := make([]store.CameraLive, len(order))
						for i, id := range order {
							list[i] = store.CameraLive{CameraID: id, Online: (n+i)%2 == 0, Recording: (n+i)%3 == 0}
						}
						err = st.W().SetCamerasLive(ctx, node, list)
					} else {
						id := order[n%len(order)]
						err = st.InTx(ctx, func(q store.Q) error {
							c, err := q.Camera(ctx, id)
							if err != nil {
								return err
							}
							c.CustomerID = []int64{c1.ID, c2.ID}[n%2]
							return q.UpdateCamera(ctx, &c)
						})
					}
					if err != nil {
						errc <- err
						return
					}
				}
				errc <- nil
			}()
		}
		for range writers {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
		checkCounters(t, st, nil, "after concurrent writers of the same cameras")
	})
}
