package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// The test's own model of the tree. Everything expected is computed from it
// by walking parent pointers, independently of paths and of the production
// fold.
type propAcct struct {
	id, parent int64
	typ        tenancy.Type
	disabled   bool
	sw         map[string]bool // switches set by the parent
}

type propUser struct {
	id, account int64
	token       string
	disabled    bool
}

type propCam struct {
	id, customer int64
	retention    int // -1: no plan
	enabled      bool
}

type propModel struct {
	accts map[int64]*propAcct
	ids   []int64 // creation order; ids[0] is the root
	users []*propUser
	cams  []*propCam
}

func (m *propModel) chain(id int64) []*propAcct {
	var c []*propAcct
	for a := m.accts[id]; a != nil; a = m.accts[a.parent] {
		c = append(c, a)
	}
	slices.Reverse(c)
	return c
}

func propDefault(t tenancy.Type, key string) bool {
	return !(t == tenancy.Customer && key == "pnp_cameras")
}

// effective folds one module for id: on, or off and who switched it off.
func (m *propModel) effective(id int64, key string) (bool, int64) {
	c := m.chain(id)
	for i := 1; i < len(c); i++ {
		v, ok := c[i].sw[key]
		if !ok {
			v = propDefault(c[i].typ, key)
		}
		if !v {
			return false, c[i-1].id
		}
	}
	return true, 0
}

func (m *propModel) switchAt(id int64, key string) bool {
	a := m.accts[id]
	if a.parent == 0 {
		return true
	}
	if v, ok := a.sw[key]; ok {
		return v
	}
	return propDefault(a.typ, key)
}

func (m *propModel) active(id int64) bool {
	for _, a := range m.chain(id) {
		if a.disabled {
			return false
		}
	}
	return true
}

func (m *propModel) under(id, root int64) bool {
	for a := m.accts[id]; a != nil; a = m.accts[a.parent] {
		if a.id == root {
			return true
		}
	}
	return false
}

// expect is what every API request of u must answer: status and code.
func (m *propModel) expect(u *propUser) (int, string) {
	switch {
	case u.disabled:
		return 403, "user_disabled"
	case !m.active(u.account):
		return 403, "account_disabled"
	}
	if on, _ := m.effective(u.account, "api_access"); !on {
		return 403, "module_disabled"
	}
	return 200, ""
}

func (m *propModel) desired() []int64 {
	var ids []int64
	for _, c := range m.cams {
		in := camera.DesiredInputs{Enabled: c.enabled, CustomerID: c.customer, HasPlan: c.retention >= 0, RetentionDays: c.retention}
		if c.customer != 0 {
			for _, a := range m.chain(c.customer) {
				s := tenancy.Active
				if a.disabled {
					s = tenancy.Disabled
				}
				in.Chain = append(in.Chain, s)
			}
			in.CloudRecording, _ = m.effective(c.customer, "cloud_recording")
		}
		if camera.ShouldRecord(in) {
			ids = append(ids, c.id)
		}
	}
	return ids
}

func propSeed(t *testing.T) uint64 {
	if s := os.Getenv("VIGILO_PROP_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	return uint64(time.Now().UnixNano())
}

// propWorld is a booted server holding a random tree of n accounts (with
// users and cameras) and the test's own model of it; the property tests of
// this file start from it.
type propWorld struct {
	e    *apitest.Env
	ctx  context.Context
	a    *app.App
	st   *store.Store
	root tenancy.Actor
	m    *propModel
	rng  *rand.Rand
}

// newPropWorld builds the world from a logged, replayable seed; stream keeps
// the random sequences of different tests apart.
func newPropWorld(t *testing.T, pg bool, stream uint64, n int) *propWorld {
	t.Helper()
	seed := propSeed(t)
	t.Logf("seed %d (set VIGILO_PROP_SEED to replay)", seed)
	w := &propWorld{rng: rand.New(rand.NewPCG(seed, stream)), ctx: context.Background()}
	w.e = apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true})
	w.a, w.st = w.e.Main.App, w.e.Main.Store
	root, err := w.a.Authenticate(w.ctx, w.e.Root)
	if err != nil {
		t.Fatal(err)
	}
	w.root = root
	w.m = &propModel{accts: map[int64]*propAcct{root.AccountID: {id: root.AccountID, typ: tenancy.Integrator, sw: map[string]bool{}}},
		ids: []int64{root.AccountID}}
	buildPropTree(t, w.ctx, w.a, w.st, root, w.m, w.rng, n)
	return w
}

// TestModulesAndDisableProperty builds a random tree of 520 accounts with
// users and cameras, then runs random module switches, account and user
// disables/enables and camera switches. After every step it checks, against
// the model: the effective modules of every account (and that a switch at X
// changed only X's subtree), the desired recording set, and the answers of
// the API for a sample of users (all users at the end).
func TestModulesAndDisableProperty(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		t0 := time.Now()
		w := newPropWorld(t, pg, 7, 520)
		e, ctx, a, st, root, m, rng := w.e, w.ctx, w.a, w.st, w.root, w.m, w.rng
		t.Logf("built %d accounts, %d cameras in %v", len(m.ids), len(m.cams), time.Since(t0))
		defer func(t0 time.Time) { t.Logf("steps took %v", time.Since(t0)) }(time.Now())

		hot := []string{"live_view", "cloud_recording", "api_access", "pnp_cameras", "sub_integrators", "playback", "users_roles"}
		prev := checkAllModules(t, ctx, a, root, m)
		checkDesired(t, ctx, st, m)
		pick := func() int64 { return m.ids[1+rng.IntN(len(m.ids)-1)] }
		for step := 0; step < 30 && !t.Failed(); step++ {
			var sample []*propUser
			switch op := rng.IntN(20); {
			case op < 8: // switch modules at X
				x := pick()
				sw := map[string]bool{}
				for range 1 + rng.IntN(3) {
					sw[hot[rng.IntN(len(hot))]] = rng.IntN(5) < 2
				}
				refused := false
				for k, v := range sw {
					if on, _ := m.effective(m.accts[x].parent, k); v && !on {
						refused = true
					}
				}
				_, err := a.SetModules(ctx, root, x, sw)
				if refused != (err != nil) {
					t.Fatalf("step %d: switch %v at %d: err %v, refusal expected %v", step, sw, x, err, refused)
				}
				if !refused {
					for k, v := range sw {
						m.accts[x].sw[k] = v
					}
				}
				now := checkAllModules(t, ctx, a, root, m)
				for id, mods := range now {
					if mods != prev[id] && (refused || !m.under(id, x)) {
						t.Fatalf("step %d: switch at %d (refused %v) changed account %d outside its subtree", step, x, refused, id)
					}
				}
				prev = now
				sample = propUsersWhere(m, rng, 4, func(u *propUser) bool { return m.under(u.account, x) })
			case op < 12: // disable X
				x := pick()
				if _, err := a.DisableAccount(ctx, root, x); err != nil {
					t.Fatal(err)
				}
				m.accts[x].disabled = true
				sample = append(propUsersWhere(m, rng, 6, func(u *propUser) bool { return m.under(u.account, x) }),
					propUsersWhere(m, rng, 4, func(u *propUser) bool { return !m.under(u.account, x) })...)
				for _, u := range sample {
					if status, _ := m.expect(u); m.under(u.account, x) && status == 200 {
						t.Fatalf("model: user %d under disabled %d still allowed", u.id, x)
					}
				}
			case op < 15: // enable X
				var off []int64
				for _, id := range m.ids {
					if m.accts[id].disabled {
						off = append(off, id)
					}
				}
				if len(off) == 0 {
					continue
				}
				x := off[rng.IntN(len(off))]
				if _, err := a.EnableAccount(ctx, root, x); err != nil {
					t.Fatal(err)
				}
				m.accts[x].disabled = false
				// Users switched off on their own stay off.
				sample = propUsersWhere(m, rng, 1000, func(u *propUser) bool { return u.disabled && m.under(u.account, x) })
				sample = append(sample, propUsersWhere(m, rng, 4, func(u *propUser) bool { return m.under(u.account, x) })...)
			case op < 18: // a user on its own
				u := m.users[1+rng.IntN(len(m.users)-1)]
				var err error
				if u.disabled {
					_, err = a.EnableUser(ctx, root, u.account, u.id)
				} else {
					_, err = a.DisableUser(ctx, root, u.account, u.id)
				}
				if err != nil {
					t.Fatal(err)
				}
				u.disabled = !u.disabled
				sample = []*propUser{u}
			default: // a camera on its own
				c := m.cams[rng.IntN(len(m.cams))]
				c.enabled = !c.enabled
				if err := st.W().SeedCameraEnabled(ctx, c.id, c.enabled); err != nil {
					t.Fatal(err)
				}
			}
			checkDesired(t, ctx, st, m)
			sample = append(sample, propUsersWhere(m, rng, 4, func(*propUser) bool { return true })...)
			checkUsersHTTP(t, e, m, sample, true, func(*propUser) bool { return true })
		}
		// At the end every user's API answers, and the unsafe and portal
		// checks for every user who must be refused somewhere plus a
		// sample of the rest (those cost five requests each).
		tAll := time.Now()
		checkUsersHTTP(t, e, m, m.users, true, func(u *propUser) bool {
			status, _ := m.expect(u)
			on, _ := m.effective(u.account, "users_roles")
			return status != 200 || !on || rng.IntN(10) == 0
		})
		t.Logf("all users checked in %v; so far %d user creations refused by users_roles, %d portal sessions refused",
			time.Since(tAll), propCounts.rolesOff.Load(), propCounts.portalRefused.Load())
	})
}

func propUsersWhere(m *propModel, rng *rand.Rand, n int, ok func(*propUser) bool) []*propUser {
	var all []*propUser
	for _, u := range m.users[1:] { // not the root owner, whose token drives the test
		if ok(u) {
			all = append(all, u)
		}
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all[:min(n, len(all))]
}

// buildPropTree creates n accounts through the app (one transaction each, as
// the API does), confirms every owner and gives each a session, and seeds
// cameras: two per customer on a recording plan, some on a plan that keeps
// nothing, some without a plan, some unassigned.
func buildPropTree(t *testing.T, ctx context.Context, a *app.App, st *store.Store, root tenancy.Actor, m *propModel, rng *rand.Rand, n int) {
	t.Helper()
	depth := map[int64]int{root.AccountID: 0}
	integrators := []int64{root.AccountID}
	var customers []int64
	for i := range n {
		parent := integrators[rng.IntN(len(integrators))]
		typ := tenancy.Customer
		if rng.IntN(10) < 3 && depth[parent] < 8 {
			typ = tenancy.Integrator
		}
		acct, _, err := a.CreateAccount(ctx, root, app.CreateAccountInput{NewAccount: tenancy.NewAccount{Type: typ, ParentID: parent,
			Name: fmt.Sprintf("acct %d", i), Contact: tenancy.Contact{Email: fmt.Sprintf("owner%d@prop.test", i)}}})
		if err != nil {
			t.Fatal(err)
		}
		m.accts[acct.ID] = &propAcct{id: acct.ID, parent: parent, typ: typ, sw: map[string]bool{}}
		m.ids = append(m.ids, acct.ID)
		depth[acct.ID] = depth[parent] + 1
		if typ == tenancy.Integrator {
			integrators = append(integrators, acct.ID)
		} else {
			customers = append(customers, acct.ID)
		}
	}
	rootUser, err := st.R().User(ctx, root.UserID)
	if err != nil {
		t.Fatal(err)
	}
	m.users = append(m.users, &propUser{id: rootUser.ID, account: root.AccountID})
	err = st.InTx(ctx, func(q store.Q) error {
		now := time.Now()
		for _, id := range m.ids[1:] {
			u, err := q.AccountOwner(ctx, id)
			if err != nil {
				return err
			}
			u.EmailConfirmedAt = &now
			if err := q.UpdateUser(ctx, &u); err != nil {
				return err
			}
			plain, hash := identity.NewToken()
			if _, err := q.InsertToken(ctx, u.ID, identity.PurposeSession, hash, "", now.Add(time.Hour)); err != nil {
				return err
			}
			m.users = append(m.users, &propUser{id: u.ID, account: id, token: plain})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w := st.W()
	plan, err := w.SeedPlan(ctx, root.AccountID, "30 days", 30, 4000)
	if err != nil {
		t.Fatal(err)
	}
	noRetention, err := w.SeedPlan(ctx, root.AccountID, "live only", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var seeds []store.SeedCamera
	for _, c := range customers {
		for k := range 2 {
			sc := store.SeedCamera{IntegratorID: m.accts[c].parent, CustomerID: c, PlanID: plan, Name: fmt.Sprintf("cam %d-%d", c, k),
				RTSPURL: fmt.Sprintf("rtsp://10.0.0.1/%d/%d", c, k), Enabled: true}
			switch rng.IntN(12) {
			case 0:
				sc.PlanID = noRetention
			case 1:
				sc.PlanID = 0
			case 2:
				sc.CustomerID = 0
			}
			seeds = append(seeds, sc)
		}
	}
	ids, err := w.SeedCameras(ctx, seeds)
	if err != nil {
		t.Fatal(err)
	}
	for i, sc := range seeds {
		c := &propCam{id: ids[i], customer: sc.CustomerID, retention: -1, enabled: true}
		switch sc.PlanID {
		case plan:
			c.retention = 30
		case noRetention:
			c.retention = 0
		}
		m.cams = append(m.cams, c)
	}
}

// checkAllModules compares the production answer for every account with the
// model and returns a fingerprint of each account's effective modules.
func checkAllModules(t *testing.T, ctx context.Context, a *app.App, root tenancy.Actor, m *propModel) map[int64]string {
	t.Helper()
	out := make(map[int64]string, len(m.ids))
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan int64)
	for range 8 {
		wg.Go(func() {
			for id := range work {
				views, err := a.Modules(ctx, root, id)
				if err != nil {
					t.Errorf("modules of %d: %v", id, err)
					continue
				}
				fp := make([]byte, len(views))
				for i, v := range views {
					on, by := m.effective(id, v.Key)
					if v.Effective != on || v.RestrictedBy != by || v.Enabled != m.switchAt(id, v.Key) || v.RestrictedAbove {
						t.Errorf("account %d %s: got effective %v enabled %v by %d, model %v %v %d",
							id, v.Key, v.Effective, v.Enabled, v.RestrictedBy, on, m.switchAt(id, v.Key), by)
					}
					fp[i] = '0'
					if v.Effective {
						fp[i] = '1'
					}
				}
				mu.Lock()
				out[id] = string(fp)
				mu.Unlock()
			}
		})
	}
	for _, id := range m.ids {
		work <- id
	}
	close(work)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return out
}

func checkDesired(t *testing.T, ctx context.Context, st *store.Store, m *propModel) {
	t.Helper()
	got, err := st.R().DesiredRecordings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(got))
	for i, d := range got {
		ids[i] = d.CameraID
		if d.RTSPURL == "" || d.RetentionDays != 30 || d.MaxBitrateKbps != 4000 || d.SegmentLength != camera.DefaultSegmentLength {
			t.Fatalf("desired camera %+v", d)
		}
	}
	if want := m.desired(); !slices.Equal(ids, want) {
		t.Fatalf("desired recordings: %d cameras, model %d", len(ids), len(want))
	}
}

// checkUsersHTTP asks the API, as each user, for the routes a user uses
// (just /me when brief) and compares with the model. In full, for the users
// extra picks, it also changes the user's own account (an unsafe route),
// adds a user to it (the users_roles module) and opens portal pages with
// the session as a cookie.
func checkUsersHTTP(t *testing.T, e *apitest.Env, m *propModel, users []*propUser, full bool, extra func(*propUser) bool) {
	t.Helper()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, u := range users {
		if u.token == "" {
			continue
		}
		paths := []string{"/api/v1/me"}
		acct := "/api/v1/accounts/" + itoa(u.account)
		if full {
			paths = append(paths, acct, acct+"/modules", acct+"/users")
		}
		wantStatus, wantCode := m.expect(u)
		deep := full && extra(u) // decided here: the model and rng are not for the goroutines
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			for _, p := range paths {
				r := e.Do("GET", p, u.token, nil)
				if r.Status != wantStatus || r.Code() != wantCode {
					t.Errorf("user %d of account %d, GET %s: %d %s, want %d %s", u.id, u.account, p, r.Status, r.Code(), wantStatus, wantCode)
				}
			}
			if !deep {
				return
			}
			r := e.Do("PATCH", acct, u.token, map[string]any{"name": fmt.Sprintf("acct of user %d", u.id)})
			if r.Status != wantStatus || r.Code() != wantCode {
				t.Errorf("user %d of account %d, PATCH %s: %d %s, want %d %s", u.id, u.account, acct, r.Status, r.Code(), wantStatus, wantCode)
			}
			checkUserCreate(t, e, m, u, wantStatus, wantCode)
			checkPortal(t, e, m, u)
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

var propNewUsers atomic.Int64

// propCounts shows in the log that the refusals were exercised.
var propCounts struct{ rolesOff, portalRefused atomic.Int64 }

// checkUserCreate adds a user to u's own account through the API: refused
// with module_disabled when users_roles is off for that account (switched
// off at it or above), created otherwise.
func checkUserCreate(t *testing.T, e *apitest.Env, m *propModel, u *propUser, wantStatus int, wantCode string) {
	if wantStatus == 200 {
		wantStatus = 201
		if on, _ := m.effective(u.account, "users_roles"); !on {
			wantStatus, wantCode = 403, "module_disabled"
			propCounts.rolesOff.Add(1)
		}
	}
	n := propNewUsers.Add(1)
	r := e.Do("POST", "/api/v1/accounts/"+itoa(u.account)+"/users", u.token, map[string]any{
		"email": fmt.Sprintf("added%d@prop.test", n), "name": fmt.Sprintf("Added %d", n), "password": "password-123", "send_confirmation": false})
	if r.Status != wantStatus || r.Code() != wantCode {
		t.Errorf("user %d of account %d, POST users: %d %s, want %d %s: %s", u.id, u.account, r.Status, r.Code(), wantStatus, wantCode, r.Body)
	}
}

// checkPortal opens admin portal pages with u's session as the browser's
// cookie. A disabled user, or one under a disabled account, is sent to the
// sign-in page with the reason (and gets none of the page); everyone else
// gets the page.
func checkPortal(t *testing.T, e *apitest.Env, m *propModel, u *propUser) {
	why := ""
	switch {
	case u.disabled:
		why = "user_disabled"
	case !m.active(u.account):
		why = "account_disabled"
	}
	pages := []string{"/", "/accounts/" + itoa(u.account)}
	if m.accts[u.account].typ == tenancy.Integrator {
		pages = append(pages, "/accounts") // its customers; a customer has none
	}
	for _, p := range pages {
		status, loc, body := portalGet(t, e, p, u.token)
		if why == "" {
			if status != 200 {
				t.Errorf("user %d of account %d, portal %s: %d (to %q), want 200", u.id, u.account, p, status, loc)
			}
			continue
		}
		propCounts.portalRefused.Add(1)
		if status != 303 || !strings.HasPrefix(loc, "/login?") || !strings.Contains(loc, "why="+why) || strings.Contains(body, "acct ") {
			t.Errorf("user %d of account %d, portal %s: %d to %q, want 303 to /login?…why=%s", u.id, u.account, p, status, loc, why)
		}
	}
}
