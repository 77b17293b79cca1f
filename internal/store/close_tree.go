package store

import (
	"context"

	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Whole-tree reads for closing a month: the close prices every account at
// once, so it reads each table once instead of once per account (the
// per-account queries cost N × depth at 10 000 accounts).

// TreePayers lists every account of the subtree at path as a payer, with
// its parent, ordered by path (parents before their children).
func (q Q) TreePayers(ctx context.Context, path string) ([]billing.Payer, error) {
	lo, hi := tenancy.SubtreeRange(path)
	rows, err := q.query(ctx, `SELECT id, COALESCE(parent_id, 0), name, path, storage_price, traffic_price FROM accounts
		WHERE path >= ? AND path < ? ORDER BY path`, lo, hi)
	if err != nil {
		return nil, errs.Wrap(err, "tree payers")
	}
	defer rows.Close()
	var out []billing.Payer
	for rows.Next() {
		var p billing.Payer
		var sp, tp int64
		if err := rows.Scan(&p.ID, &p.ParentID, &p.Name, &p.Path, &sp, &tp); err != nil {
			return nil, errs.Wrap(err, "tree payers")
		}
		p.Root = p.ParentID == 0
		p.StoragePrice, p.TrafficPrice = money.FromUnits(sp), money.FromUnits(tp)
		out = append(out, p)
	}
	return out, errs.Wrap(rows.Err(), "tree payers")
}

// MonthCounted reads what every closed statement of month counted, by
// account (CountedUsage for the whole tree).
func (q Q) MonthCounted(ctx context.Context, month billing.Month) (map[int64]billing.Counted, error) {
	return q.counted(ctx, `WHERE period = ?`, month.String())
}

// AllBillingProfiles loads every stored billing profile, by account (an
// account without a row has billing.DefaultProfile).
func (q Q) AllBillingProfiles(ctx context.Context) (map[int64]billing.BillingProfile, error) {
	rows, err := q.query(ctx, `SELECT account_id, legal_name, address, tax_id, email, vat_enabled, vat_rate, payment_terms_days
		FROM billing_profiles`)
	if err != nil {
		return nil, errs.Wrap(err, "billing profiles")
	}
	defer rows.Close()
	out := map[int64]billing.BillingProfile{}
	for rows.Next() {
		var p billing.BillingProfile
		var rate int64
		if err := rows.Scan(&p.AccountID, &p.LegalName, &p.Address, &p.TaxID, &p.Email, &p.Tax.VAT, &rate, &p.PaymentTermsDays); err != nil {
			return nil, errs.Wrap(err, "billing profiles")
		}
		p.Tax.Rate = money.FromUnits(rate)
		out[p.AccountID] = p
	}
	return out, errs.Wrap(rows.Err(), "billing profiles")
}
