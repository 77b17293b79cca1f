package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// TestStatisticsAndPagesFromCounters: the statistics tab's counts and the
// account lists' totals, now read from the per-account counters, equal
// what counting the rows gives (what the tab and the page computed before)
// for every account of a tree, through camera moves, live reports and
// account deletions, on both databases.
func TestStatisticsAndPagesFromCounters(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
			ctx, a, st := context.Background(), e.Main.App, e.Main.Store
			root, err := a.Authenticate(ctx, e.Root)
			if err != nil {
				t.Fatal(err)
			}
			A := e.CreateAccount(e.Root, root.AccountID, "integrator", "A")
			B := e.CreateAccount(A.Token, A.ID, "integrator", "B")
			C1 := e.CreateAccount(B.Token, B.ID, "customer", "C1")
			C2 := e.CreateAccount(B.Token, B.ID, "customer", "C2")
			D := e.CreateAccount(A.Token, A.ID, "customer", "D")
			O := e.CreateAccount(e.Root, root.AccountID, "integrator", "O")
			OC := e.CreateAccount(O.Token, O.ID, "customer", "OC")
			plan, err := st.W().SeedPlan(ctx, root.AccountID, "7 days", 7, 2000)
			if err != nil {
				t.Fatal(err)
			}
			var seeds []store.SeedCamera
			add := func(n int, integ, cust int64) {
				for range n {
					c := store.SeedCamera{IntegratorID: integ, CustomerID: cust, Name: "cam", Enabled: true}
					if cust != 0 {
						c.PlanID = plan
					}
					seeds = append(seeds, c)
				}
			}
			add(5, B.ID, C1.ID)
			add(3, B.ID, C2.ID)
			add(2, A.ID, D.ID)
			add(2, B.ID, 0)
			add(4, O.ID, OC.ID)
			cams, err := st.W().SeedCameras(ctx, seeds)
			if err != nil {
				t.Fatal(err)
			}
			online := map[int64]bool{}
			recording := map[int64]bool{}
			report := func(list ...store.CameraLive) {
				t.Helper()
				if err := st.InTx(ctx, func(q store.Q) error { return q.SetCamerasLive(ctx, "", list) }); err != nil {
					t.Fatal(err)
				}
				for _, l := range list {
					online[l.CameraID], recording[l.CameraID] = l.Online, l.Recording
				}
			}
			report(store.CameraLive{CameraID: cams[0], Online: true, Recording: true}, store.CameraLive{CameraID: cams[1], Online: true},
				store.CameraLive{CameraID: cams[5], Online: true, Recording: true}, store.CameraLive{CameraID: cams[8], Online: true, Recording: true},
				store.CameraLive{CameraID: cams[12], Online: true, Recording: true})

			// check compares every remaining account's tab and lists with
			// counts of the rows.
			check := func(when string) {
				t.Helper()
				r := st.R()
				rootAcct, err := r.Account(ctx, root.AccountID)
				if err != nil {
					t.Fatal(err)
				}
				ids, err := r.SubtreeIDs(ctx, rootAcct.Path)
				if err != nil {
					t.Fatal(err)
				}
				for _, id := range ids {
					acct, err := r.Account(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					below, err := r.SubtreeIDs(ctx, acct.Path)
					if err != nil {
						t.Fatal(err)
					}
					var ints, custs int
					for _, b := range below[1:] {
						if o, _ := r.Account(ctx, b); o.Type == tenancy.Integrator {
							ints++
						} else {
							custs++
						}
					}
					users, err := r.CountUsersInSubtree(ctx, acct.Path)
					if err != nil {
						t.Fatal(err)
					}
					list, err := r.SubtreeCameras(ctx, acct.Path)
					if err != nil {
						t.Fatal(err)
					}
					var on, rec int
					for _, c := range list {
						if online[c.ID] && c.Enabled && c.CustomerID != 0 {
							on++
						}
						if recording[c.ID] && c.Enabled && c.CustomerID != 0 {
							rec++
						}
					}
					s, err := a.Statistics(ctx, root, id, time.Time{}, time.Time{})
					if err != nil {
						t.Fatal(err)
					}
					if s.Integrators != ints || s.Customers != custs || s.Users != users || s.Cameras.Total != len(list) ||
						s.Cameras.Online != on || s.Cameras.Recording != rec {
						t.Fatalf("%s: account %s's tab shows %+v %+v; the rows say %d integrators, %d customers, %d users, %d cameras, %d online, %d recording",
							when, acct.Name, s.PortalCounts, s.Cameras, ints, custs, users, len(list), on, rec)
					}
					// The lists an actor of that account sees: every type, and each.
					actor := root
					actor.AccountID, actor.AccountPath, actor.AccountType = id, acct.Path, acct.Type
					for typ, want := range map[string]int{"": ints + custs, "integrator": ints, "customer": custs} {
						_, total, _, err := a.ListAccounts(ctx, actor, app.AccountListInput{Type: typ, Sort: "name", Page: store.Page{Page: 1, PerPage: 5}})
						if err != nil || total != want {
							t.Fatalf("%s: %s's list of %q totals %d, the rows say %d (%v)", when, acct.Name, typ, total, want, err)
						}
					}
				}
			}
			check("seeded")

			// A camera moved from C1 to C2, one switched off, one unassigned.
			move := func(id int64, edit func(c *camera.Camera)) {
				t.Helper()
				if err := st.InTx(ctx, func(q store.Q) error {
					c, err := q.Camera(ctx, id)
					if err != nil {
						return err
					}
					edit(&c)
					return q.UpdateCamera(ctx, &c)
				}); err != nil {
					t.Fatal(err)
				}
			}
			move(cams[0], func(c *camera.Camera) { c.CustomerID = C2.ID })
			check("after a move")
			move(cams[5], func(c *camera.Camera) { c.Enabled = false })
			online[cams[5]], recording[cams[5]] = false, false
			check("after a switch-off")
			move(cams[1], func(c *camera.Camera) { c.CustomerID, c.PlanID = 0, 0 })
			online[cams[1]], recording[cams[1]] = false, false
			check("after unassigning")
			report(store.CameraLive{CameraID: cams[12]}, store.CameraLive{CameraID: cams[13], Online: true})
			check("after a recorder's report")

			// C2 deleted: B's cameras there come back to B, unassigned.
			if _, err := a.DeleteAccount(ctx, root, C2.ID, app.DeleteAccountInput{ConfirmName: "C2"}); err != nil {
				t.Fatal(err)
			}
			for _, id := range cams[:8] {
				online[id], recording[id] = false, false
			}
			check("after deleting a customer")
			if _, err := a.DeleteAccount(ctx, root, A.ID, app.DeleteAccountInput{ConfirmName: "A", Cascade: true}); err != nil {
				t.Fatal(err)
			}
			check("after deleting a subtree")
			if fixed, err := st.RepairCounters(ctx); err != nil || fixed != 0 {
				t.Fatalf("the counters needed %d repairs: %v", fixed, err)
			}
		})
	}
}
