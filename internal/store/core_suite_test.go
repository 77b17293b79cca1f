package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/mail"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
	"github.com/vigilo/vigilo/internal/testenv"
)

// coreDBs runs fn once on a fresh SQLite file and once on a fresh PostgreSQL
// database (skipped when VIGILO_TEST_POSTGRES is unset): the store suite is
// the same on both engines.
func coreDBs(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			dsn := ""
			if pg {
				dsn = testenv.PostgresDSN(t)
			}
			st, err := store.Open(context.Background(), dsn, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if st.Dialect() != name {
				t.Fatalf("dialect %q, want %q", st.Dialect(), name)
			}
			fn(t, st)
		})
	}
}

// tree inserts accounts the way the app does (one transaction each).
type tree struct {
	t  *testing.T
	st *store.Store
}

func (tr tree) add(parent tenancy.Account, typ tenancy.Type, name string, edit func(*tenancy.Account)) tenancy.Account {
	tr.t.Helper()
	a := tenancy.Account{ParentID: parent.ID, Depth: parent.Depth + 1, Type: typ, Name: name, Status: tenancy.Active,
		StoragePrice: money.MustParse("0.0300"), TrafficPrice: money.MustParse("0.0100")}
	if parent.ID == 0 {
		a.Depth = 0
	}
	if edit != nil {
		edit(&a)
	}
	err := tr.st.InTx(context.Background(), func(q store.Q) error { return q.InsertAccount(context.Background(), &a, parent.Path) })
	if err != nil {
		tr.t.Fatalf("insert %s: %v", name, err)
	}
	return a
}

func ids(list []tenancy.Account) []int64 {
	out := make([]int64, len(list))
	for i, a := range list {
		out[i] = a.ID
	}
	return out
}

func names(list []tenancy.Account) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Name
	}
	return out
}

func TestStoreAccounts(t *testing.T) {
	coreDBs(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tr := tree{t, st}
		root := tr.add(tenancy.Account{}, tenancy.Integrator, "Operator", nil)
		if root.Path != fmt.Sprintf("/%d/", root.ID) || root.Depth != 0 {
			t.Fatalf("root path %q depth %d", root.Path, root.Depth)
		}
		// Enough siblings that some id is a decimal prefix of another (2 and
		// 2x): the subtree of one must never include the other's.
		var level1 []tenancy.Account
		for i := 0; i < 24; i++ {
			level1 = append(level1, tr.add(root, tenancy.Integrator, fmt.Sprintf("int-%02d", i), nil))
		}
		var short, long tenancy.Account
		for _, a := range level1 {
			for _, b := range level1 {
				if a.ID != b.ID && len(fmt.Sprint(b.ID)) > len(fmt.Sprint(a.ID)) && fmt.Sprint(b.ID)[:len(fmt.Sprint(a.ID))] == fmt.Sprint(a.ID) {
					short, long = a, b
				}
			}
		}
		if short.ID == 0 {
			t.Fatal("no id prefix pair among siblings")
		}
		c1 := tr.add(short, tenancy.Customer, "Cust one", func(a *tenancy.Account) { a.Contact.Email = "one@example.com" })
		c2 := tr.add(long, tenancy.Customer, "Cust two", nil)
		sub := tr.add(short, tenancy.Integrator, "Sub", nil)
		c3 := tr.add(sub, tenancy.Customer, "Cust three", func(a *tenancy.Account) { a.Status = tenancy.Disabled })
		if want := short.Path + fmt.Sprint(sub.ID) + "/"; sub.Path != want || sub.Depth != 2 {
			t.Fatalf("sub path %q depth %d, want %q depth 2", sub.Path, sub.Depth, want)
		}

		// Load round-trips every column.
		got, err := st.R().Account(ctx, c1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Path != c1.Path || got.ParentID != short.ID || got.Type != tenancy.Customer || got.Contact.Email != "one@example.com" ||
			got.StoragePrice != money.MustParse("0.03") || got.Depth != 2 {
			t.Fatalf("loaded %+v", got)
		}
		if _, err := st.R().Account(ctx, 999999); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("missing account: %v", err)
		}
		if r, err := st.R().RootAccount(ctx); err != nil || r.ID != root.ID {
			t.Fatalf("root %v %v", r.ID, err)
		}

		// An unknown parent is a field error, and the transaction leaves nothing.
		bad := tenancy.Account{ParentID: 424242, Depth: 1, Type: tenancy.Customer, Name: "orphan", Status: tenancy.Active}
		err = st.InTx(ctx, func(q store.Q) error { return q.InsertAccount(ctx, &bad, "/424242/") })
		if e, ok := errs.As(err); !ok || e.Kind != errs.Invalid || e.Fields["parent_id"] == "" {
			t.Fatalf("unknown parent: %v", err)
		}

		// Subtree lists: strict (own account excluded), never crossing into
		// the sibling whose id extends ours.
		list, total, err := st.R().ListAccounts(ctx, store.AccountFilter{Scope: short.Path, ExcludeID: short.ID})
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || !sameSet(ids(list), []int64{c1.ID, sub.ID, c3.ID}) {
			t.Fatalf("subtree of %d (sibling %d): total %d %v", short.ID, long.ID, total, names(list))
		}
		list, _, _ = st.R().ListAccounts(ctx, store.AccountFilter{Scope: long.Path, ExcludeID: long.ID})
		if !sameSet(ids(list), []int64{c2.ID}) {
			t.Fatalf("subtree of %d: %v", long.ID, names(list))
		}
		// Direct children only.
		list, total, _ = st.R().ListAccounts(ctx, store.AccountFilter{Scope: root.Path, ParentID: short.ID})
		if total != 2 || !sameSet(ids(list), []int64{c1.ID, sub.ID}) {
			t.Fatalf("children: %v", names(list))
		}
		// Filters.
		list, total, _ = st.R().ListAccounts(ctx, store.AccountFilter{Scope: root.Path, ExcludeID: root.ID, Type: tenancy.Customer})
		if total != 3 || !sameSet(ids(list), []int64{c1.ID, c2.ID, c3.ID}) {
			t.Fatalf("customers: %v", names(list))
		}
		list, total, _ = st.R().ListAccounts(ctx, store.AccountFilter{Scope: root.Path, ExcludeID: root.ID, Status: tenancy.Disabled})
		if total != 1 || list[0].ID != c3.ID {
			t.Fatalf("disabled: %v", names(list))
		}
		list, total, _ = st.R().ListAccounts(ctx, store.AccountFilter{Scope: root.Path, ExcludeID: root.ID, Type: tenancy.Customer, Status: tenancy.Active})
		if total != 2 {
			t.Fatalf("active customers: %v", names(list))
		}
		// Paging keeps the total and walks the whole set in sort order.
		var seen []string
		for p := 1; p <= 4; p++ {
			list, total, err = st.R().ListAccounts(ctx, store.AccountFilter{Scope: root.Path, ExcludeID: root.ID, Sort: "name", Page: store.Page{Page: p, PerPage: 10}})
			if err != nil || total != 28 {
				t.Fatalf("page %d: total %d err %v", p, total, err)
			}
			seen = append(seen, names(list)...)
		}
		if len(seen) != 28 || !slices.IsSorted(seen) {
			t.Fatalf("paged by name: %v", seen)
		}
		list, _, _ = st.R().ListAccounts(ctx, store.AccountFilter{Scope: root.Path, ExcludeID: root.ID, Sort: "-name", Page: store.Page{PerPage: 200}})
		desc := names(list)
		slices.Reverse(desc)
		if !slices.Equal(desc, seenSorted(seen)) {
			t.Fatalf("-name: %v", names(list))
		}
		list, _, _ = st.R().ListAccounts(ctx, store.AccountFilter{Scope: root.Path, ExcludeID: root.ID, Sort: "type", Page: store.Page{PerPage: 200}})
		if list[0].Type != tenancy.Customer || list[len(list)-1].Type != tenancy.Integrator {
			t.Fatalf("by type: first %s last %s", list[0].Type, list[len(list)-1].Type)
		}
		if _, _, err := st.R().ListAccounts(ctx, store.AccountFilter{}); err == nil {
			t.Fatal("a list without scope must be refused")
		}
	})
}

func seenSorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func sameSet(a, b []int64) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestStoreAccountSearch checks that search text is text: LIKE wildcards in
// it match themselves only, on both engines, case-insensitively.
func TestStoreAccountSearch(t *testing.T) {
	coreDBs(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tr := tree{t, st}
		root := tr.add(tenancy.Account{}, tenancy.Integrator, "Operator", nil)
		pct := tr.add(root, tenancy.Customer, "100% Pure", nil)
		under := tr.add(root, tenancy.Customer, "a_b", nil)
		tr.add(root, tenancy.Customer, "axb", nil)
		back := tr.add(root, tenancy.Customer, `back\slash`, nil)
		mail := tr.add(root, tenancy.Customer, "Mailed", func(a *tenancy.Account) { a.Contact.Email = "boss@acme-corp.example" })
		comp := tr.add(root, tenancy.Customer, "Companied", func(a *tenancy.Account) { a.Contact.Company = "Zeta Works" })
		for _, c := range []struct {
			q    string
			want []int64
		}{
			{"%", []int64{pct.ID}},
			{"_", []int64{under.ID}},
			{"a_b", []int64{under.ID}},
			{`\`, []int64{back.ID}},
			{"pure", []int64{pct.ID}},
			{"PURE", []int64{pct.ID}},
			{"  pure  ", []int64{pct.ID}},
			{"acme-corp", []int64{mail.ID}},
			{"zeta", []int64{comp.ID}},
			{"no such thing", nil},
		} {
			list, total, err := st.R().ListAccounts(ctx, store.AccountFilter{Scope: root.Path, ExcludeID: root.ID, Q: c.q})
			if err != nil {
				t.Fatalf("q=%q: %v", c.q, err)
			}
			if total != len(c.want) || !sameSet(ids(list), c.want) {
				t.Errorf("q=%q: got %v (total %d)", c.q, names(list), total)
			}
		}
	})
}

func TestStoreUsersAndTokens(t *testing.T) {
	coreDBs(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tr := tree{t, st}
		root := tr.add(tenancy.Account{}, tenancy.Integrator, "Operator", nil)
		acct := tr.add(root, tenancy.Customer, "C", nil)
		u := identity.User{AccountID: acct.ID, Email: "owner@example.com", Owner: true, Status: identity.UserActive}
		if err := st.W().InsertUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		dup := identity.User{AccountID: root.ID, Email: "owner@example.com", Status: identity.UserActive}
		err := st.W().InsertUser(ctx, &dup)
		if e, ok := errs.As(err); !ok || e.Kind != errs.Conflict || e.Fields["email"] == "" {
			t.Fatalf("duplicate e-mail: %v", err)
		}
		if taken, _ := st.R().EmailTaken(ctx, "owner@example.com"); !taken {
			t.Fatal("EmailTaken false for an existing address")
		}
		if got, err := st.R().UserByEmail(ctx, "OWNER@example.com"); err != nil || got.ID != u.ID {
			t.Fatalf("by e-mail: %v %v", got.ID, err)
		}
		other := identity.User{AccountID: acct.ID, Email: "second@example.com", Status: identity.UserActive}
		if err := st.W().InsertUser(ctx, &other); err != nil {
			t.Fatal(err)
		}
		other.Email = "owner@example.com"
		if err := st.W().UpdateUser(ctx, &other); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("update to a taken e-mail: %v", err)
		}
		if owner, err := st.R().AccountOwner(ctx, acct.ID); err != nil || owner.ID != u.ID {
			t.Fatalf("owner: %v %v", owner.ID, err)
		}
		if n, _ := st.R().CountUsersInSubtree(ctx, root.Path); n != 2 {
			t.Fatalf("users in subtree: %d", n)
		}

		// A confirmation token is single use.
		plain, hash := identity.NewToken()
		if _, err := st.W().InsertToken(ctx, u.ID, identity.PurposeConfirm, hash, "", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		tok, err := st.R().TokenByHash(ctx, identity.PurposeConfirm, identity.HashToken(plain))
		if err != nil || tok.UserID != u.ID || tok.UsedAt != nil {
			t.Fatalf("token: %+v %v", tok, err)
		}
		if _, err := st.R().TokenByHash(ctx, identity.PurposeReset, hash); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("token of another purpose: %v", err)
		}
		if ok, err := st.W().UseToken(ctx, tok.ID); !ok || err != nil {
			t.Fatalf("first use: %v %v", ok, err)
		}
		if ok, err := st.W().UseToken(ctx, tok.ID); ok || err != nil {
			t.Fatalf("second use: %v %v", ok, err)
		}
		if tok, _ = st.R().TokenByHash(ctx, identity.PurposeConfirm, hash); tok.UsedAt == nil {
			t.Fatal("used_at not recorded")
		}
		// A confirmation token never authenticates requests; a session does.
		if _, err := st.R().PrincipalByToken(ctx, hash); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("confirm token as session: %v", err)
		}
		_, shash := identity.NewToken()
		if _, err := st.W().InsertToken(ctx, u.ID, identity.PurposeSession, shash, "", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		p, err := st.R().PrincipalByToken(ctx, shash)
		if err != nil || p.User.ID != u.ID || p.Account.ID != acct.ID || p.Account.Path != acct.Path {
			t.Fatalf("principal: %+v %v", p, err)
		}
		if err := st.W().RevokeTokenByHash(ctx, shash); err != nil {
			t.Fatal(err)
		}
		if _, err := st.R().PrincipalByToken(ctx, shash); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("revoked session: %v", err)
		}
		// Expired tokens are swept.
		_, old := identity.NewToken()
		st.W().InsertToken(ctx, u.ID, identity.PurposeReset, old, "", time.Now().Add(-time.Minute))
		if n, err := st.W().DeleteExpiredTokens(ctx, time.Now()); err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}
	})
}

func TestStoreOutbox(t *testing.T) {
	coreDBs(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := st.W()
		id1, err := w.EnqueueMail(ctx, mail.Message{To: "a@example.com", Subject: "one", Text: "1"})
		if err != nil {
			t.Fatal(err)
		}
		id2, _ := w.EnqueueMail(ctx, mail.Message{To: "b@example.com", Subject: "two", Text: "2"})
		now := time.Now()
		due, err := w.DueMail(ctx, now, 10)
		if err != nil || len(due) != 2 || due[0].ID != id1 || due[1].Subject != "two" {
			t.Fatalf("due: %+v %v", due, err)
		}
		if due, _ := w.DueMail(ctx, now, 1); len(due) != 1 {
			t.Fatalf("limit: %d", len(due))
		}
		// A failure moves the message out of the due set until its back-off ends.
		next := now.Add(mail.Backoff(1))
		if err := w.MarkMailFailed(ctx, id1, next, "connection refused"); err != nil {
			t.Fatal(err)
		}
		due, _ = w.DueMail(ctx, now, 10)
		if len(due) != 1 || due[0].ID != id2 {
			t.Fatalf("due after failure: %+v", due)
		}
		due, _ = w.DueMail(ctx, next, 10)
		if len(due) != 2 || due[1].ID != id1 || due[1].Attempts != 1 {
			t.Fatalf("due after back-off (oldest due first): %+v", due)
		}
		if err := w.MarkMailSent(ctx, id2, now); err != nil {
			t.Fatal(err)
		}
		due, _ = w.DueMail(ctx, now.Add(24*time.Hour), 10)
		if len(due) != 1 || due[0].ID != id1 {
			t.Fatalf("sent mail is due again: %+v", due)
		}
		if p, s, err := w.MailStats(ctx); p != 1 || s != 1 || err != nil {
			t.Fatalf("stats: pending %d sent %d %v", p, s, err)
		}
		// Back-off doubles from 5 s and stops at an hour.
		if mail.Backoff(1) != 5*time.Second || mail.Backoff(2) != 10*time.Second || mail.Backoff(30) != time.Hour {
			t.Fatalf("backoff: %v %v %v", mail.Backoff(1), mail.Backoff(2), mail.Backoff(30))
		}
	})
}

func TestStoreAuditScope(t *testing.T) {
	coreDBs(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tr := tree{t, st}
		root := tr.add(tenancy.Account{}, tenancy.Integrator, "Operator", nil)
		var accts []tenancy.Account
		for i := 0; i < 21; i++ {
			accts = append(accts, tr.add(root, tenancy.Integrator, fmt.Sprint("i", i), nil))
		}
		// Find a and b where a's id is a decimal prefix of b's (2 and 2x).
		var a, b tenancy.Account
		for _, x := range accts {
			for _, y := range accts {
				sx, sy := fmt.Sprint(x.ID), fmt.Sprint(y.ID)
				if len(sy) > len(sx) && sy[:len(sx)] == sx {
					a, b = x, y
				}
			}
		}
		if a.ID == 0 {
			t.Fatal("no prefix pair")
		}
		child := tr.add(a, tenancy.Customer, "child", nil)
		for _, target := range []tenancy.Account{root, a, child, b} {
			if err := st.W().InsertAudit(ctx, store.AuditEntry{ActorEmail: "x@example.com", AccountID: target.ID, AccountPath: target.Path,
				Action: "account.updated", Detail: `{"k":1}`, RemoteAddr: "127.0.0.1"}); err != nil {
				t.Fatal(err)
			}
		}
		st.W().InsertAudit(ctx, store.AuditEntry{AccountID: a.ID, AccountPath: a.Path, Action: "user.created"})
		list, total, err := st.R().ListAudit(ctx, store.AuditFilter{Scope: a.Path})
		if err != nil || total != 3 {
			t.Fatalf("audit of %d: total %d %v", a.ID, total, err)
		}
		for _, e := range list {
			if e.AccountID != a.ID && e.AccountID != child.ID {
				t.Fatalf("entry about %d in the audit of %d", e.AccountID, a.ID)
			}
		}
		if list[0].ID < list[len(list)-1].ID {
			t.Fatal("audit not newest first")
		}
		if _, total, _ := st.R().ListAudit(ctx, store.AuditFilter{Scope: a.Path, Action: "user.created"}); total != 1 {
			t.Fatalf("action filter: %d", total)
		}
		if _, total, _ := st.R().ListAudit(ctx, store.AuditFilter{Scope: root.Path}); total != 5 {
			t.Fatalf("root sees %d entries", total)
		}
		if _, total, _ := st.R().ListAudit(ctx, store.AuditFilter{Scope: child.Path}); total != 1 {
			t.Fatalf("child sees %d entries", total)
		}
	})
}

func TestStoreChainActive(t *testing.T) {
	coreDBs(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tr := tree{t, st}
		root := tr.add(tenancy.Account{}, tenancy.Integrator, "Operator", nil)
		mid := tr.add(root, tenancy.Integrator, "mid", nil)
		leaf := tr.add(mid, tenancy.Customer, "leaf", nil)
		if ok, err := st.R().ChainActive(ctx, leaf.Ancestors()); !ok || err != nil {
			t.Fatalf("active chain: %v %v", ok, err)
		}
		if err := st.W().SetAccountStatus(ctx, mid.ID, tenancy.Disabled); err != nil {
			t.Fatal(err)
		}
		if ok, _ := st.R().ChainActive(ctx, leaf.Ancestors()); ok {
			t.Fatal("a disabled ancestor must disable the leaf")
		}
		// The per-request principal folds the same chain in its own query.
		principal := func(acct tenancy.Account) store.Principal {
			u := identity.User{AccountID: acct.ID, Email: fmt.Sprintf("u%d@example.com", acct.ID), Status: identity.UserActive}
			if err := st.W().InsertUser(ctx, &u); err != nil {
				t.Fatal(err)
			}
			_, hash := identity.NewToken()
			if _, err := st.W().InsertToken(ctx, u.ID, identity.PurposeSession, hash, "", time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			p, err := st.R().PrincipalByToken(ctx, hash)
			if err != nil || p.Account.ID != acct.ID || p.User.ID != u.ID {
				t.Fatalf("principal of %d: %+v %v", acct.ID, p, err)
			}
			return p
		}
		if principal(leaf).ChainActive || principal(mid).ChainActive {
			t.Fatal("principal below a disabled account reported active")
		}
		if !principal(root).ChainActive {
			t.Fatal("root principal reported inactive")
		}
		sib := tree{t, st}.add(root, tenancy.Customer, "sibling", nil)
		if !principal(sib).ChainActive {
			t.Fatal("a disabled sibling must not disable its neighbour")
		}
		if ok, _ := st.R().ChainActive(ctx, root.Ancestors()); !ok {
			t.Fatal("root is still active")
		}
	})
}

// TestStoreLargeSubtreeList covers what only big trees do: bulk insertion
// (and new ids after it), and pages sorted by name that walk the name index
// instead of sorting the subtree (SQLite) — the pages must be the same as a
// sort of the whole subtree would give, for every filter and direction.
func TestStoreLargeSubtreeList(t *testing.T) {
	coreDBs(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now()
		accts := []tenancy.Account{{ID: 1, Path: "/1/", Type: tenancy.Integrator, Name: "Operator", CreatedAt: now}}
		mk := func(parent tenancy.Account, typ tenancy.Type, name string) tenancy.Account {
			id := int64(len(accts) + 1)
			a := tenancy.Account{ID: id, ParentID: parent.ID, Path: tenancy.ChildPath(parent.Path, id), Depth: parent.Depth + 1,
				Type: typ, Name: name, CreatedAt: now}
			accts = append(accts, a)
			return a
		}
		big := mk(accts[0], tenancy.Integrator, "Big")
		small := mk(accts[0], tenancy.Integrator, "Small")
		sub := mk(big, tenancy.Integrator, "Big sub")
		for i := 0; i < 1500; i++ {
			parent := big
			if i%3 == 0 {
				parent = sub
			}
			mk(parent, tenancy.Customer, fmt.Sprintf("c-%04d", (i*7919)%1500)) // shuffled names, some shared below
		}
		for i := 0; i < 300; i++ {
			mk(small, tenancy.Customer, fmt.Sprintf("c-%04d", i))
		}
		if err := st.InTx(ctx, func(q store.Q) error { return q.BulkInsertAccounts(ctx, accts) }); err != nil {
			t.Fatal(err)
		}
		// The id generator continues after the bulk ids.
		next := tree{t, st}.add(small, tenancy.Customer, "after bulk", nil)
		if next.ID <= int64(len(accts)) {
			t.Fatalf("id %d after bulk insert of %d", next.ID, len(accts))
		}
		accts = append(accts, next)

		for _, c := range []struct {
			scope tenancy.Account
			typ   tenancy.Type
			sort  string
		}{
			{accts[0], tenancy.Customer, "name"}, {accts[0], "", "-name"}, {big, tenancy.Customer, "name"},
			{big, "", "name"}, {small, tenancy.Customer, "-name"}, {sub, tenancy.Customer, "name"},
		} {
			var want []tenancy.Account
			for _, a := range accts {
				if a.ID != c.scope.ID && tenancy.InSubtree(c.scope.Path, a.Path) && (c.typ == "" || a.Type == c.typ) {
					want = append(want, a)
				}
			}
			slices.SortFunc(want, func(x, y tenancy.Account) int {
				if x.Name != y.Name {
					return strings.Compare(x.Name, y.Name)
				}
				return int(x.ID - y.ID)
			})
			if c.sort == "-name" {
				slices.Reverse(want)
			}
			for _, page := range []int{1, 2, (len(want) + 49) / 50} {
				list, total, err := st.R().ListAccounts(ctx, store.AccountFilter{Scope: c.scope.Path, ExcludeID: c.scope.ID, Type: c.typ,
					Sort: c.sort, Page: store.Page{Page: page, PerPage: 50}})
				if err != nil {
					t.Fatal(err)
				}
				lo := (page - 1) * 50
				exp := want[lo:min(lo+50, len(want))]
				if total != len(want) || !slices.Equal(ids(list), ids(exp)) {
					t.Fatalf("scope %s type %q sort %s page %d: total %d (want %d)\ngot  %v\nwant %v", c.scope.Name, c.typ, c.sort, page,
						total, len(want), names(list), names(exp))
				}
			}
		}
	})
}
