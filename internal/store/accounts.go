package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/tenancy"
)

const accountCols = `id, COALESCE(parent_id, 0), path, depth, type, name, status,
	contact_email, contact_person, phone, company, address, notes,
	storage_price, traffic_price, created_at, updated_at, time_zone`

// accountColsA is accountCols for a query that joins accounts as "a".
const accountColsA = `a.id, COALESCE(a.parent_id, 0), a.path, a.depth, a.type, a.name, a.status,
	a.contact_email, a.contact_person, a.phone, a.company, a.address, a.notes,
	a.storage_price, a.traffic_price, a.created_at, a.updated_at, a.time_zone`

func scanAccount(sc interface{ Scan(...any) error }) (tenancy.Account, error) {
	var a tenancy.Account
	dest, finish := accountDest(&a)
	err := sc.Scan(dest...)
	finish()
	return a, err
}

// accountDest lists the scan destinations of accountCols into a, and the
// conversion to run after the scan; queries that join an account to other
// tables scan it in the same row.
func accountDest(a *tenancy.Account) ([]any, func()) {
	var sp, tp, ca, ua int64
	return []any{&a.ID, &a.ParentID, &a.Path, &a.Depth, &a.Type, &a.Name, &a.Status,
			&a.Contact.Email, &a.Contact.Person, &a.Contact.Phone, &a.Contact.Company, &a.Contact.Address, &a.Contact.Notes,
			&sp, &tp, &ca, &ua, &a.TimeZone}, func() {
			a.StoragePrice, a.TrafficPrice = money.FromUnits(sp), money.FromUnits(tp)
			a.CreatedAt, a.UpdatedAt = fromMS(ca), fromMS(ua)
		}
}

// InsertAccount writes a new account and its materialized path. The id is
// only known after the insert, so the path is set by a second statement in
// the same transaction, with the counters of the path.
func (q Q) InsertAccount(ctx context.Context, a *tenancy.Account, parentPath string) error {
	return q.atomic(ctx, func(q Q) error { return q.insertAccount(ctx, a, parentPath) })
}

func (q Q) insertAccount(ctx context.Context, a *tenancy.Account, parentPath string) error {
	now := time.Now()
	var parent any
	if a.ParentID != 0 {
		parent = a.ParentID
	}
	// A unique placeholder path keeps the UNIQUE constraint satisfied until
	// the real path is written.
	tmp := fmt.Sprintf("~%d", now.UnixNano())
	id, err := q.insert(ctx, `INSERT INTO accounts (parent_id, path, depth, type, name, status,
		contact_email, contact_person, phone, company, address, notes, storage_price, traffic_price, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		parent, tmp, a.Depth, a.Type, a.Name, a.Status,
		a.Contact.Email, a.Contact.Person, a.Contact.Phone, a.Contact.Company, a.Contact.Address, a.Contact.Notes,
		a.StoragePrice.Units(), a.TrafficPrice.Units(), ms(now), ms(now))
	if err != nil {
		if q.d.isForeignKey(err) {
			return errs.Field("parent_id", "no such account")
		}
		return errs.Wrap(err, "insert account")
	}
	a.ID = id
	a.Path = tenancy.ChildPath(parentPath, id)
	a.CreatedAt, a.UpdatedAt = fromMS(ms(now)), fromMS(ms(now))
	if _, err := q.exec(ctx, `UPDATE accounts SET path = ? WHERE id = ?`, a.Path, id); err != nil {
		return errs.Wrap(err, "set account path")
	}
	return q.addAccounts(ctx, []accountRef{{a.ID, a.Path, a.Type}})
}

// Account loads one account by id.
func (q Q) Account(ctx context.Context, id int64) (tenancy.Account, error) {
	a, err := scanAccount(q.row(ctx, `SELECT `+accountCols+` FROM accounts WHERE id = ?`, id))
	if err != nil {
		return a, notFound(err, "account", id)
	}
	return a, nil
}

// RootAccount loads the operator's account, if it exists.
func (q Q) RootAccount(ctx context.Context) (tenancy.Account, error) {
	a, err := scanAccount(q.row(ctx, `SELECT `+accountCols+` FROM accounts WHERE parent_id IS NULL ORDER BY id LIMIT 1`))
	if err != nil {
		return a, notFound(err, "account", "root")
	}
	return a, nil
}

// UpdateAccount writes the editable fields of a.
func (q Q) UpdateAccount(ctx context.Context, a *tenancy.Account) error {
	a.UpdatedAt = time.Now().UTC()
	_, err := q.exec(ctx, `UPDATE accounts SET name = ?, contact_person = ?, phone = ?, company = ?, address = ?, notes = ?,
		storage_price = ?, traffic_price = ?, time_zone = ?, updated_at = ? WHERE id = ?`,
		a.Name, a.Contact.Person, a.Contact.Phone, a.Contact.Company, a.Contact.Address, a.Contact.Notes,
		a.StoragePrice.Units(), a.TrafficPrice.Units(), a.TimeZone, ms(a.UpdatedAt), a.ID)
	return errs.Wrap(err, "update account")
}

// AdoptTimeZone sets an account's time zone only while it has none, and
// reports whether it did: the first sign-in's browser zone becomes the
// default without overwriting a zone someone chose.
func (q Q) AdoptTimeZone(ctx context.Context, id int64, zone string) (bool, error) {
	res, err := q.exec(ctx, `UPDATE accounts SET time_zone = ?, updated_at = ? WHERE id = ? AND time_zone = ''`, zone, ms(time.Now()), id)
	if err != nil {
		return false, errs.Wrap(err, "adopt time zone")
	}
	n, err := res.RowsAffected()
	return n > 0, errs.Wrap(err, "adopt time zone")
}

// SetAccountStatus switches one account on or off (its subtree follows by
// the path fold, so nothing below is rewritten).
func (q Q) SetAccountStatus(ctx context.Context, id int64, s tenancy.Status) error {
	_, err := q.exec(ctx, `UPDATE accounts SET status = ?, updated_at = ? WHERE id = ?`, s, ms(time.Now()), id)
	return errs.Wrap(err, "set account status")
}

// ChainActive reports whether every account with the given ids is active.
// With the ids of a path it computes the effective status in one indexed
// query (R6).
func (q Q) ChainActive(ctx context.Context, ids []int64) (bool, error) {
	if len(ids) == 0 {
		return false, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	n, err := q.count(ctx, `SELECT count(*) FROM accounts WHERE status <> 'active' AND id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return false, errs.Wrap(err, "check account chain")
	}
	return n == 0, nil
}

// AccountFilter selects accounts for lists. Scope is required: the list never
// leaves the actor's subtree, whatever else is asked.
type AccountFilter struct {
	Scope     string // path of the subtree to search
	ExcludeID int64  // typically the actor's own account
	ParentID  int64  // 0: anywhere in scope
	Type      tenancy.Type
	Status    tenancy.Status
	Q         string // matches name, e-mail, company
	Sort      string // name, -name, created, -created, type, status, email
	Page      Page
}

var accountSorts = map[string]string{
	"name": "name ASC, id ASC", "-name": "name DESC, id DESC",
	"created": "created_at ASC, id ASC", "-created": "created_at DESC, id DESC",
	"type": "type ASC, name ASC, id ASC", "-type": "type DESC, name ASC, id ASC",
	"status": "status ASC, name ASC, id ASC", "-status": "status DESC, name ASC, id ASC",
	"email": "contact_email ASC, id ASC", "-email": "contact_email DESC, id DESC",
}

// ValidAccountSort reports whether s is a known sort key.
func ValidAccountSort(s string) bool { _, ok := accountSorts[s]; return ok || s == "" }

// ListAccounts returns one page and the total count.
func (q Q) ListAccounts(ctx context.Context, f AccountFilter) ([]tenancy.Account, int, error) {
	if f.Scope == "" {
		return nil, 0, errs.New(errs.Internal, "internal", "account list without scope")
	}
	cond, args, excludeSelf := q.accountWhere(&f)
	total, counted, err := q.countedTotal(ctx, f, excludeSelf)
	if err != nil {
		return nil, 0, err
	}
	if !counted {
		if total, err = q.count(ctx, `SELECT count(*) FROM accounts WHERE `+cond, args...); err != nil {
			return nil, 0, errs.Wrap(err, "count accounts")
		}
	}
	p := f.Page.Clamp()
	if total == 0 || p.Offset() >= total {
		return []tenancy.Account{}, total, nil
	}
	order, ok := accountSorts[f.Sort]
	if !ok {
		order = accountSorts["name"]
	}
	from := "accounts"
	if byName := order == accountSorts["name"] || order == accountSorts["-name"]; byName && f.ParentID == 0 {
		if walk, err := q.nameWalkPays(ctx, total, p); err != nil {
			return nil, 0, err
		} else if walk {
			index := "accounts_name"
			if f.Type != "" {
				index = "accounts_type_name"
			}
			from += q.d.indexedBy(index)
		}
	}
	rows, err := q.query(ctx, `SELECT `+accountCols+` FROM `+from+` WHERE `+cond+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, p.PerPage, p.Offset())...)
	if err != nil {
		return nil, 0, errs.Wrap(err, "list accounts")
	}
	defer rows.Close()
	out := []tenancy.Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "scan account")
		}
		out = append(out, a)
	}
	return out, total, errs.Wrap(rows.Err(), "list accounts")
}

// countedTotal answers the total of a page from the scope's counters when
// the filter is the whole subtree (of one type or both), with or without
// the scope's own account: one row instead of counting up to every account
// (the operator's customers page). Status, search and parent filters are
// counted (counted false).
func (q Q) countedTotal(ctx context.Context, f AccountFilter, excludeSelf bool) (int, bool, error) {
	ids := tenancy.PathIDs(f.Scope)
	if f.ParentID != 0 || f.Status != "" || strings.TrimSpace(f.Q) != "" || f.ExcludeID != 0 || len(ids) == 0 {
		return 0, false, nil
	}
	var c Counters
	var typ tenancy.Type
	err := q.row(ctx, `SELECT c.integrators, c.customers, a.type FROM account_counters c JOIN accounts a ON a.id = c.account_id
		WHERE c.account_id = ?`, ids[len(ids)-1]).Scan(&c.Integrators, &c.Customers, &typ)
	if errNoRows(err) {
		return 0, false, nil // no such scope: counting finds nothing either
	}
	if err != nil {
		return 0, false, errs.Wrap(err, "account counters")
	}
	if excludeSelf {
		c = c.plus(accountDelta(typ), -1)
	}
	switch f.Type {
	case tenancy.Integrator:
		return int(c.Integrators), true, nil
	case tenancy.Customer:
		return int(c.Customers), true, nil
	}
	return int(c.Integrators + c.Customers), true, nil
}

// accountWhere is the WHERE clause of an account list and its arguments.
// When the scope's own account is left out by the path range itself, it
// clears f.ExcludeID and reports excludeSelf.
func (q Q) accountWhere(f *AccountFilter) (cond string, args []any, excludeSelf bool) {
	var where []string
	if f.ParentID != 0 {
		// Children of one parent: the parent itself was checked to be in scope
		// by the caller, and children of an in-scope parent are in scope.
		where = append(where, "parent_id = ?")
		args = append(args, f.ParentID)
	} else if ids := tenancy.PathIDs(f.Scope); len(ids) > 0 && ids[len(ids)-1] == f.ExcludeID {
		// Strictly below the scope's own account: its path is the range's
		// lower bound itself, so "path >" excludes it without reading each
		// row's id (the count then stays inside the index).
		lo, hi := tenancy.SubtreeRange(f.Scope)
		where = append(where, "path > ? AND path < ?")
		args = append(args, lo, hi)
		f.ExcludeID, excludeSelf = 0, true
	} else {
		lo, hi := tenancy.SubtreeRange(f.Scope)
		where = append(where, "path >= ? AND path < ?")
		args = append(args, lo, hi)
	}
	if f.ExcludeID != 0 {
		where = append(where, "id <> ?")
		args = append(args, f.ExcludeID)
	}
	if f.Type != "" {
		where = append(where, "type = ?")
		args = append(args, f.Type)
	}
	if f.Status != "" {
		where = append(where, "status = ?")
		args = append(args, f.Status)
	}
	if s := strings.TrimSpace(f.Q); s != "" {
		pat := "%" + likeEscape(s) + "%"
		op := q.d.ilike
		where = append(where, "(name "+op+" ? ESCAPE '\\' OR contact_email "+op+" ? ESCAPE '\\' OR company "+op+" ? ESCAPE '\\')")
		args = append(args, pat, pat, pat)
	}
	return strings.Join(where, " AND "), args, excludeSelf
}

// ExplainAccountPage is PostgreSQL's plan of one account page (EXPLAIN
// ANALYZE), for benchmarks that check which index the page walks.
func (q Q) ExplainAccountPage(ctx context.Context, f AccountFilter) string {
	cond, args, _ := q.accountWhere(&f)
	order, ok := accountSorts[f.Sort]
	if !ok {
		order = accountSorts["name"]
	}
	p := f.Page.Clamp()
	rows, err := q.query(ctx, `EXPLAIN ANALYZE SELECT `+accountCols+` FROM accounts WHERE `+cond+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, p.PerPage, p.Offset())...)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err.Error()
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// nameWalkPays chooses how to fetch a page sorted by name. Sorting the
// matching rows costs ~total; walking the name index in order and skipping
// rows outside the subtree costs ~(offset+limit) × all/total, since matches
// are spread evenly through the alphabet. Walking wins for big subtrees —
// the operator's list of every customer reads ~50 rows instead of sorting
// 90 000. PostgreSQL's planner makes this choice itself from its statistics;
// SQLite's cannot see how wide a path range is, so it is told.
func (q Q) nameWalkPays(ctx context.Context, total int, p Page) (bool, error) {
	if q.d.indexedBy("x") == "" || total < 1000 {
		return false, nil
	}
	var all int64
	if err := q.row(ctx, `SELECT COALESCE(max(id), 0) FROM accounts`).Scan(&all); err != nil {
		return false, errs.Wrap(err, "count accounts")
	}
	return int64(p.Offset()+p.PerPage)*all < int64(total)*int64(total), nil
}

// SubtreeIDs returns the ids of every account in the subtree rooted at path.
func (q Q) SubtreeIDs(ctx context.Context, path string) ([]int64, error) {
	lo, hi := tenancy.SubtreeRange(path)
	rows, err := q.query(ctx, `SELECT id FROM accounts WHERE path >= ? AND path < ? ORDER BY path`, lo, hi)
	if err != nil {
		return nil, errs.Wrap(err, "subtree")
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// SubtreeCounters reads the counters of the account at path, with the
// account itself taken off its type's count: what lies strictly below it,
// and the users and cameras of the whole subtree.
func (q Q) SubtreeCounters(ctx context.Context, acct tenancy.Account) (Counters, error) {
	c, err := q.AccountCounters(ctx, acct.ID)
	if err != nil {
		return c, err
	}
	return c.plus(accountDelta(acct.Type), -1), nil
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}
