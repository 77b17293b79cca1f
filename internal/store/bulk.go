package store

import (
	"context"
	"strings"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// bulkRows is how many accounts go into one INSERT: 17 columns × 500 rows
// stays below both engines' bound on statement parameters.
const bulkRows = 500

// BulkInsertAccounts writes accounts whose ids, paths and depths the caller
// has already chosen, many rows per statement. It seeds benchmarks and
// imports; requests use InsertAccount. Run it inside InTx.
func (q Q) BulkInsertAccounts(ctx context.Context, accts []tenancy.Account) error {
	const cols = 17
	row := "(" + placeholders(cols) + ")"
	for start := 0; start < len(accts); start += bulkRows {
		chunk := accts[start:min(start+bulkRows, len(accts))]
		rows := make([]string, len(chunk))
		args := make([]any, 0, len(chunk)*cols)
		for i, a := range chunk {
			rows[i] = row
			var parent any
			if a.ParentID != 0 {
				parent = a.ParentID
			}
			status := a.Status
			if status == "" {
				status = tenancy.Active
			}
			created, updated := a.CreatedAt, a.UpdatedAt
			if updated.IsZero() {
				updated = created
			}
			args = append(args, a.ID, parent, a.Path, a.Depth, a.Type, a.Name, status,
				a.Contact.Email, a.Contact.Person, a.Contact.Phone, a.Contact.Company, a.Contact.Address, a.Contact.Notes,
				a.StoragePrice.Units(), a.TrafficPrice.Units(), ms(created), ms(updated))
		}
		if _, err := q.exec(ctx, `INSERT INTO accounts (id, parent_id, path, depth, type, name, status,
			contact_email, contact_person, phone, company, address, notes, storage_price, traffic_price, created_at, updated_at)
			VALUES `+strings.Join(rows, ","), args...); err != nil {
			return errs.Wrap(err, "bulk insert accounts")
		}
	}
	refs := make([]accountRef, len(accts))
	for i, a := range accts {
		refs[i] = accountRef{a.ID, a.Path, a.Type}
	}
	if err := q.addAccounts(ctx, refs); err != nil {
		return err
	}
	// Ids were given explicitly, so the engine's own counter may lag behind.
	if s := q.d.syncIdentity("accounts"); s != "" {
		if _, err := q.exec(ctx, s); err != nil {
			return errs.Wrap(err, "sync account ids")
		}
	}
	// A bulk load changes the table's shape at once; the planner should not
	// wait for autovacuum to learn it.
	if s := q.d.analyze("accounts"); s != "" {
		if _, err := q.exec(ctx, s); err != nil {
			return errs.Wrap(err, "analyze accounts")
		}
	}
	return nil
}
