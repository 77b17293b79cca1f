package api_test

import (
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/money"
)

// planModel mirrors, in memory, what the test asked the server to do; it is
// the oracle the server's answers are checked against. It implements
// billing.Catalog so that the rule (billing.Usable) is evaluated on the
// model, independently of the SQL that the server runs.
type planModel struct {
	accts  map[int64]*modelAcct
	order  []int64 // creation order, root first
	plans  map[int64]billing.Plan
	offers map[[2]int64]billing.Offer // {plan, account}
	// history of every unique figure ever set, by account, to check that
	// none reaches a response it must not: costs per account, plan list
	// prices per owner, and (for the sibling check) names and prices.
	costs, prices, names map[int64][]string
	shared               map[string]bool // given to several siblings at once by a copy
	seq                  int
}

type modelAcct struct {
	id, parent int64
	typ        string
	token      string
	path       []int64
}

func (m *planModel) Plan(id int64) (billing.Plan, bool) { p, ok := m.plans[id]; return p, ok }
func (m *planModel) Offer(planID, acct int64) (billing.Offer, bool) {
	o, ok := m.offers[[2]int64{planID, acct}]
	return o, ok
}
func (m *planModel) Path(acct int64) []int64 { return m.accts[acct].path }

func (m *planModel) usable(acct, plan int64) bool { return billing.Usable(m, m.accts[acct].path, plan) }

// unique returns a price no other figure in the test shares, so that finding
// it in a body can only mean that this very figure leaked.
func (m *planModel) unique() string {
	m.seq++
	return fmt.Sprintf("%d.%04d", 700+m.seq, 3000+m.seq*7%7000)
}

func (m *planModel) ancestorOf(a, b int64) bool { // a strictly above b
	p := m.accts[b].path
	return a != b && slices.Contains(p, a)
}

// TestPlansProperty runs random operations over random trees and checks,
// after each round, that (1) a plan is usable by an account exactly when
// every level from the plan's owner down offers it selected and visible,
// (2) each account's names and prices are its own and never leak to another
// branch, (3) no response to an account contains a cost paid by its parent
// or any level above (including list prices of plans owned above the
// parent), and (4) changing one's own cost is refused.
func TestPlansProperty(t *testing.T) {
	bothEngines(t, func(t *testing.T, e *apitest.Env) {
		// Seeds share one server (e.Must fails the engine's test), each with
		// its own subtree; the root's catalogue grows across them.
		for seed := int64(1); seed <= 3; seed++ {
			t.Logf("seed %d", seed)
			runPlanProperty(t, e, seed)
		}
	})
}

// The size of each seed's tree: planAccounts accounts below the root, the
// first planSpine of them a chain, none deeper than planMaxDepth levels.
const planAccounts, planSpine, planMaxDepth = 50, 6, 7

func runPlanProperty(t *testing.T, e *apitest.Env, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	m := &planModel{accts: map[int64]*modelAcct{}, plans: map[int64]billing.Plan{}, offers: map[[2]int64]billing.Offer{},
		costs: map[int64][]string{}, prices: map[int64][]string{}, names: map[int64][]string{}, shared: map[string]bool{}, seq: int(seed) * 1000}
	m.accts[1] = &modelAcct{id: 1, typ: "integrator", token: e.Root, path: []int64{1}}
	m.order = []int64{1}
	// The root's catalogue as it stands (earlier seeds' plans included), plus
	// two plans with unique prices.
	for k := 0; k < 2; k++ {
		e.Must(201, "POST", "/api/v1/plans", e.Root, map[string]any{"name": fmt.Sprintf("S%d-%d", seed, k), "kind": []string{"fixed", "usage"}[k],
			"retention_days": 7, "price": m.unique()})
	}
	for _, it := range e.Must(200, "GET", "/api/v1/plans?per_page=200", e.Root, nil).Items() {
		price := money.MustParse(it["end_user_price"].(string))
		m.plans[idOf(it)] = billing.Plan{ID: idOf(it), OwnerAccountID: 1, Name: it["name"].(string), Kind: billing.Kind(it["kind"].(string)), Price: price}
		if strings.HasPrefix(it["name"].(string), "S") {
			m.prices[1] = append(m.prices[1], price.String())
		}
	}
	// A random tree of planAccounts below a fresh integrator of the root.
	// It starts with a spine of integrators planSpine deep, so that every
	// seed has chains of at least that many levels; the rest hangs anywhere
	// above planMaxDepth.
	tBuild := time.Now()
	for k := 0; k < planAccounts; k++ {
		var parents []int64
		for _, id := range m.order {
			if a := m.accts[id]; a.typ == "integrator" && len(a.path) <= planMaxDepth {
				parents = append(parents, id)
			}
		}
		parent := m.accts[parents[rng.Intn(len(parents))]]
		if k < planSpine {
			parent = m.accts[m.order[len(m.order)-1]] // the root, then the spine's last
		}
		typ := "integrator"
		if k >= planSpine && rng.Intn(3) == 0 {
			typ = "customer"
		}
		a := e.CreateAccount(parent.token, parent.id, typ, fmt.Sprintf("T%d-%d", seed, k))
		m.accts[a.ID] = &modelAcct{id: a.ID, parent: parent.id, typ: typ, token: a.Token, path: append(slices.Clone(parent.path), a.ID)}
		m.order = append(m.order, a.ID)
	}
	deepest := 0
	for _, a := range m.accts {
		deepest = max(deepest, len(a.path)-1)
	}
	if len(m.order) != planAccounts+1 || deepest < planSpine {
		t.Fatalf("tree of %d accounts, %d levels deep", len(m.order)-1, deepest)
	}
	t.Logf("seed %d: %d accounts, %d levels deep", seed, len(m.order)-1, deepest)
	planIDs := func() []int64 {
		ids := make([]int64, 0, len(m.plans))
		for id := range m.plans {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		return ids
	}
	pick := func(ids []int64) int64 { return ids[rng.Intn(len(ids))] }
	// Mostly pick plans the account may use, so that offers reach deep
	// levels; sometimes any plan, to exercise refusals.
	pickFor := func(acct int64, ok func(billing.Plan) bool) int64 {
		var good []int64
		for _, id := range planIDs() {
			if m.usable(acct, id) && ok(m.plans[id]) {
				good = append(good, id)
			}
		}
		if len(good) == 0 || rng.Intn(4) == 0 {
			return pick(planIDs())
		}
		return pick(good)
	}
	anyPlan := func(billing.Plan) bool { return true }

	// Every accepted change must land in the audit log, one entry each.
	auditTotal := func(action string) int {
		return int(e.Must(200, "GET", "/api/v1/audit?per_page=1&action="+action, e.Root, nil).JSON["total"].(float64))
	}
	actions := []string{"plan.offer_set", "plan.offer_updated", "plan.updated", "plan.copied"}
	auditBefore := map[string]int{}
	for _, a := range actions {
		auditBefore[a] = auditTotal(a)
	}
	wantAudit := map[string]int{}

	// Grow: offer most of what each parent may use down the tree, so that
	// long chains exist; the random operations below then switch levels off
	// and on in the middle of them.
	tGrow := time.Now()
	for _, id := range m.order[1:] {
		c := m.accts[id]
		for _, p := range planIDs() {
			if !m.usable(c.parent, p) || rng.Intn(10) < 1 {
				continue
			}
			o := billing.Offer{PlanID: p, AccountID: c.id, Selected: true, Visible: true,
				Name: "G" + m.unique(), Cost: money.MustParse(m.unique()), EndUserPrice: money.MustParse(m.unique())}
			e.Must(200, "PUT", fmt.Sprintf("/api/v1/accounts/%d/plans/%d", c.id, p), m.accts[c.parent].token, map[string]any{
				"selected": true, "visible": true, "name": o.Name, "cost": o.Cost, "end_user_price": o.EndUserPrice})
			m.offers[[2]int64{p, c.id}] = o
			m.costs[c.id] = append(m.costs[c.id], o.Cost.String())
			m.names[c.id] = append(m.names[c.id], o.Name, o.EndUserPrice.String(), o.Cost.String())
			wantAudit["plan.offer_set"]++
		}
	}
	offered := func(acct int64) []int64 {
		var ids []int64
		for _, p := range planIDs() {
			if _, ok := m.offers[[2]int64{p, acct}]; ok {
				ids = append(ids, p)
			}
		}
		return ids
	}

	tOps := time.Now()
	for op := 0; op < 200; op++ {
		r := rng.Float64()
		switch {
		case r < 0.6: // a parent (or not) sets a child's offer
			c := m.accts[pick(m.order[1:])]
			p := pickFor(c.parent, anyPlan)
			if have := offered(c.id); len(have) > 0 && rng.Intn(2) == 0 {
				p = pick(have) // switch an existing offer, perhaps in the middle of a chain
			}
			var actor *modelAcct
			want := 0
			switch x := rng.Intn(10); {
			case x == 0:
				actor, want = c, 403
			case x == 1:
				for {
					actor = m.accts[pick(m.order)]
					if !m.ancestorOf(actor.id, c.id) && actor.id != c.id {
						break
					}
				}
				want = 404
			default:
				actor = m.accts[c.path[rng.Intn(len(c.path)-1)]]
				want = 404
				if m.usable(c.parent, p) {
					want = 200
				}
			}
			o := billing.Offer{PlanID: p, AccountID: c.id, Selected: rng.Intn(5) > 0, Visible: rng.Intn(5) > 0,
				Name: "N" + m.unique(), Cost: money.MustParse(m.unique()), EndUserPrice: money.MustParse(m.unique())}
			e.Must(want, "PUT", fmt.Sprintf("/api/v1/accounts/%d/plans/%d", c.id, p), actor.token, map[string]any{
				"selected": o.Selected, "visible": o.Visible, "name": o.Name, "cost": o.Cost, "end_user_price": o.EndUserPrice})
			if want == 200 {
				wantAudit["plan.offer_set"]++
				m.offers[[2]int64{p, c.id}] = o
				m.costs[c.id] = append(m.costs[c.id], o.Cost.String())
				m.names[c.id] = append(m.names[c.id], o.Name, o.EndUserPrice.String(), o.Cost.String())
			}
		case r < 0.8: // an account edits its own name/price, or tries its cost
			x := m.accts[pick(m.order)]
			p := pickFor(x.id, anyPlan)
			name, price := "M"+m.unique(), m.unique()
			body := map[string]any{"name": name, "end_user_price": price}
			plan := m.plans[p]
			own := plan.OwnerAccountID == x.id
			want := 200
			if rng.Intn(5) == 0 {
				body["cost"] = "0.0001"
				want = 403
				if own {
					want = 400
				}
			}
			if !m.usable(x.id, p) {
				want = 404
			}
			if x.typ == "customer" && want == 200 {
				want = 403 // customers are leaves: their plans' names and prices are their provider's
			}
			e.Must(want, "PATCH", fmt.Sprintf("/api/v1/plans/%d", p), x.token, body)
			if want != 200 {
				continue
			}
			if own {
				wantAudit["plan.updated"]++
				plan.Name, plan.Price = name, money.MustParse(price)
				m.plans[p] = plan
				m.prices[x.id] = append(m.prices[x.id], price)
			} else {
				wantAudit["plan.offer_updated"]++
				o := m.offers[[2]int64{p, x.id}]
				o.Name, o.EndUserPrice = name, money.MustParse(price)
				m.offers[[2]int64{p, x.id}] = o
				m.names[x.id] = append(m.names[x.id], name, price)
			}
		default: // an integrator copies a plan for some of its sub-integrators
			var ints []int64
			for _, id := range m.order {
				if m.accts[id].typ == "integrator" {
					ints = append(ints, id)
				}
			}
			x := m.accts[pick(ints)]
			p := pickFor(x.id, func(p billing.Plan) bool { return p.Kind == billing.Fixed && p.OwnerAccountID != x.id })
			var kids []int64
			for _, id := range m.order {
				if a := m.accts[id]; a.parent == x.id && a.typ == "integrator" && rng.Intn(2) == 0 {
					kids = append(kids, id)
				}
			}
			name, cost, eup := "C"+m.unique(), m.unique(), m.unique()
			want := 201
			switch {
			case !m.usable(x.id, p):
				want = 404
			case m.plans[p].OwnerAccountID == x.id || m.plans[p].Kind != billing.Fixed:
				want = 400
			}
			res := e.Must(want, "POST", fmt.Sprintf("/api/v1/plans/%d/copies", p), x.token,
				map[string]any{"name": name, "cost": cost, "end_user_price": eup, "account_ids": kids})
			if want != 201 {
				continue
			}
			wantAudit["plan.copied"]++
			wantAudit["plan.offer_set"] += len(kids)
			cp := billing.Plan{ID: res.ID(), OwnerAccountID: x.id, SourcePlanID: p, Name: name, Kind: billing.Fixed, Price: money.MustParse(cost)}
			m.plans[cp.ID] = cp
			m.prices[x.id] = append(m.prices[x.id], cost)
			for _, k := range kids {
				m.offers[[2]int64{cp.ID, k}] = billing.Offer{PlanID: cp.ID, AccountID: k, Selected: true, Visible: true, Name: name,
					Cost: cp.Price, EndUserPrice: money.MustParse(eup)}
				m.costs[k] = append(m.costs[k], cost)
			}
			m.shared[name], m.shared[cost], m.shared[eup] = true, true, true
		}
	}
	for _, a := range actions {
		if got := auditTotal(a) - auditBefore[a]; got != wantAudit[a] {
			t.Fatalf("audit log has %d new %s entries, want %d", got, a, wantAudit[a])
		}
	}
	tCheck := time.Now()
	checkPlanModel(t, e, m)
	t.Logf("seed %d took: build %v, grow %v, operations %v, check %v", seed, tGrow.Sub(tBuild), tOps.Sub(tGrow), tCheck.Sub(tOps), time.Since(tCheck))
}

func checkPlanModel(t *testing.T, e *apitest.Env, m *planModel) {
	t.Helper()
	usableSet := func(acct int64) map[int64]bool {
		s := map[int64]bool{}
		for id := range m.plans {
			if m.usable(acct, id) {
				s[id] = true
			}
		}
		return s
	}
	pairs, secrets, copies := 0, 0, 0
	for _, p := range m.plans {
		if p.SourcePlanID != 0 {
			copies++
		}
	}
	defer func() {
		t.Logf("%d accounts, %d plans (%d copies), %d offers, %d usable (account, plan) pairs, %d secrets checked",
			len(m.order), len(m.plans), copies, len(m.offers), pairs, secrets)
	}()
	for _, id := range m.order {
		x := m.accts[id]
		var bodies []string
		get := func(path string) apitest.Response {
			r := e.Must(200, "GET", path, x.token, nil)
			bodies = append(bodies, string(r.Body))
			return r
		}
		want := usableSet(id)
		pairs += len(want)
		got := map[int64]bool{}
		for _, it := range get("/api/v1/plans?per_page=200").Items() {
			pid := idOf(it)
			got[pid] = true
			p := m.plans[pid]
			if p.ID == 0 {
				continue // a plan of another seed's subtree would be a failure below
			}
			var wantName, wantPrice, wantCost string
			switch {
			case p.OwnerAccountID == id:
				wantName, wantPrice = p.Name, p.Price.String()
				if p.SourcePlanID != 0 {
					wantCost = m.offers[[2]int64{p.SourcePlanID, id}].Cost.String()
				}
			default:
				o := m.offers[[2]int64{pid, id}]
				wantName, wantPrice, wantCost = o.Name, o.EndUserPrice.String(), o.Cost.String()
			}
			cost, _ := it["cost"].(string)
			if it["name"] != wantName || it["end_user_price"] != wantPrice || cost != wantCost {
				t.Fatalf("account %d plan %d: got %v, want name %q price %s cost %q", id, pid, it, wantName, wantPrice, wantCost)
			}
		}
		for pid := range want {
			if !got[pid] {
				t.Fatalf("account %d (path %v) should be able to use plan %d (%+v)", id, x.path, pid, m.plans[pid])
			}
		}
		for pid := range got {
			if !want[pid] {
				t.Fatalf("account %d (path %v) must not use plan %d (%+v)", id, x.path, pid, m.plans[pid])
			}
			get(fmt.Sprintf("/api/v1/plans/%d", pid))
			get(fmt.Sprintf("/api/v1/plans/%d/margin", pid))
		}
		// The parent's view of each child: the parent's usable plans, with
		// the child's own offer where one exists.
		for _, cid := range m.order {
			c := m.accts[cid]
			if c.parent != id {
				continue
			}
			items := get(fmt.Sprintf("/api/v1/accounts/%d/plans?per_page=200", cid)).Items()
			if len(items) != len(want) {
				t.Fatalf("parent %d sees %d plans for child %d, want %d", id, len(items), cid, len(want))
			}
			for _, it := range items {
				pid := idOf(it)
				o, offered := m.offers[[2]int64{pid, cid}]
				if !want[pid] || it["offered"] != offered {
					t.Fatalf("child %d plan %d: %v (offered in model: %v)", cid, pid, it, offered)
				}
				if offered && (it["name"] != o.Name || it["cost"] != o.Cost.String() || it["end_user_price"] != o.EndUserPrice.String() ||
					it["selected"] != o.Selected || it["visible"] != o.Visible) {
					t.Fatalf("child %d plan %d: %v, model %+v", cid, pid, it, o)
				}
				if offered && m.usable(cid, pid) {
					get(fmt.Sprintf("/api/v1/accounts/%d/plans/%d/margin", cid, pid))
				}
			}
		}
		get("/api/v1/audit?per_page=200")
		if id != 1 { // the child may not read its own offers as its parent does
			e.Must(403, "GET", fmt.Sprintf("/api/v1/accounts/%d/plans", id), x.token, nil)
		}

		// Secrets of this account: every cost paid by its parent or above,
		// list prices of plans owned above its parent, and every figure set
		// for an account in another branch.
		secret := map[string]string{}
		for i, anc := range x.path[:len(x.path)-1] {
			for _, v := range m.costs[anc] {
				secret[v] = fmt.Sprintf("cost of ancestor %d", anc)
			}
			if i < len(x.path)-2 {
				for _, v := range m.prices[anc] {
					secret[v] = fmt.Sprintf("list price of ancestor %d", anc)
				}
			}
		}
		for other, vals := range m.names {
			if slices.Contains(x.path, other) || slices.Contains(m.accts[other].path, id) {
				continue
			}
			for _, v := range vals {
				if !m.shared[v] {
					secret[v] = fmt.Sprintf("figure of account %d in another branch", other)
				}
			}
		}
		secrets += len(secret)
		// A secret v leaks when `"v"` occurs in a body. Secrets hold no
		// quotes, so that is when v is one of the pieces between two
		// consecutive quotes: one set lookup per secret instead of a
		// scan of every body.
		for _, b := range bodies {
			pieces := strings.Split(b, `"`)
			quoted := make(map[string]bool, len(pieces))
			for _, p := range pieces[1 : len(pieces)-1] {
				quoted[p] = true
			}
			for v, what := range secret {
				if quoted[v] {
					t.Fatalf("account %d (path %v) received %s (%s) in %s", id, x.path, v, what, b)
				}
			}
		}
	}
}
