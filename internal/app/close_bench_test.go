package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// BenchmarkCloseMonth closes one month for the whole tree of seedBigTree:
// 10 000 accounts and 100 000 cameras below Big, 1 000 more beside it, every
// account offered the plan at a price so that every edge carries money.
// Each iteration closes an earlier month (closing a closed month is a no-op).
//
//	VIGILO_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' \
//	  flock /work/wt/heavy.lock go test ./internal/app -run '^$' -bench BenchmarkCloseMonth -benchtime 1x -benchmem
func BenchmarkCloseMonth(b *testing.B) {
	forBigTree(b, func(name string, e *apitest.Env, root tenancy.Actor, big tenancy.Account, _ int) {
		ctx := context.Background()
		a := e.Main.App
		st := e.Main.Store
		t0 := time.Now()
		accounts := offerToEveryone(b, ctx, st, root)
		b.Logf("%s: offered the plan to %d accounts in %v", name, accounts, time.Since(t0))
		// The scheduled close may take the month just ended at start;
		// begin two months back so every iteration closes an open month.
		month := billing.MonthOf(time.Now()).Prev().Prev()
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				c, err := a.Close(ctx, month)
				if err != nil {
					b.Fatal(err)
				}
				if c.Statements != accounts+1 {
					b.Fatalf("%s: %d statements, want %d", month, c.Statements, accounts+1)
				}
				s, ok, err := st.R().ClosedStatement(ctx, big.ID, month)
				if err != nil || !ok || s.OwesAbove <= 0 || s.Margin <= 0 {
					b.Fatalf("Big's statement of %s: %+v %v %v", month, s, ok, err)
				}
				month = month.Prev()
			}
		})
	})
}

// offerToEveryone offers the big tree's plan to every account below the root,
// each paying a little more than its parent (2.00 at depth 1, 3.00 at depth
// 2, …), and reports how many accounts that is.
func offerToEveryone(b *testing.B, ctx context.Context, st *store.Store, root tenancy.Actor) int {
	rootAcct, err := st.R().Account(ctx, root.AccountID)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := st.R().SubtreeIDs(ctx, rootAcct.Path)
	if err != nil {
		b.Fatal(err)
	}
	err = st.InTx(ctx, func(q store.Q) error {
		for _, id := range ids {
			if id == root.AccountID {
				continue
			}
			acct, err := q.Account(ctx, id)
			if err != nil {
				return err
			}
			cost := money.FromUnits(int64(acct.Depth+1) * 10_000)
			o := billing.Offer{PlanID: bigTreePlan, AccountID: id, Selected: true, Visible: true, Cost: cost, EndUserPrice: cost}
			if err := q.PutOffer(ctx, &o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return len(ids) - 1
}
