package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// TestStoreStatsDraftsOnlyForAccountsThatWereRead on both engines: a draft
// is stored for the account the pass read; one for an account deleted since
// is skipped without failing the others, and so is one whose id now names
// another account (other path or name) — on SQLite a new account takes a
// deleted one's id, and would otherwise be shown the old account's figures
// (found in review).
func TestStoreStatsDraftsOnlyForAccountsThatWereRead(t *testing.T) {
	coreDBs(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tr := tree{t: t, st: st}
		root := tr.add(tenancy.Account{}, tenancy.Integrator, "Root", nil)
		a := tr.add(root, tenancy.Integrator, "A", nil)
		now := time.Now()
		b := tr.add(root, tenancy.Customer, "B", nil)
		draft := func(acct tenancy.Account) store.StatsDraft {
			return store.StatsDraft{AccountID: acct.ID, AccountPath: acct.Path, AccountName: acct.Name,
				Month: billing.MonthOf(now), AsOf: now.Truncate(time.Millisecond), StorageUsed: 42}
		}
		elsewhere, renamed, deleted := draft(root), draft(b), draft(a)
		elsewhere.AccountPath = "/999/" // the id was another account's, under another parent
		renamed.AccountName = "X"       // under the same parent
		deleted.AccountID += 1000
		list := []store.StatsDraft{draft(a), elsewhere, renamed, deleted}
		if err := st.InTx(ctx, func(q store.Q) error { return q.SaveStatsDrafts(ctx, list) }); err != nil {
			t.Fatalf("a pass with a deleted account: %v", err)
		}
		if d, ok, err := st.R().StatsDraftOf(ctx, a.ID); err != nil || !ok || d.StorageUsed != 42 {
			t.Fatalf("A's draft: %+v %v %v", d, ok, err)
		}
		for _, id := range []int64{root.ID, b.ID} {
			if d, ok, err := st.R().StatsDraftOf(ctx, id); err != nil || ok {
				t.Fatalf("a draft of another account under id %d was stored: %+v %v", id, d, err)
			}
		}
	})
}
