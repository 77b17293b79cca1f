package store

import (
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
)

// dialect names every difference between SQLite and PostgreSQL that the
// queries care about. Queries are written once, with '?' placeholders and
// portable SQL; this is the only place that knows which engine runs them.
type dialect struct {
	name     string // "sqlite" or "postgres"
	ilike    string // case-insensitive LIKE operator
	rebinds  sync.Map
	dollarPh bool
}

func newDialect(name string) *dialect {
	d := &dialect{name: name, ilike: "LIKE"}
	if name == "postgres" {
		d.ilike = "ILIKE" // SQLite's LIKE is already case-insensitive for ASCII
		d.dollarPh = true
	}
	return d
}

// rebind turns '?' into $1, $2… for PostgreSQL. Queries are constants, so the
// result is cached and the hot path does no string work.
func (d *dialect) rebind(q string) string {
	if !d.dollarPh {
		return q
	}
	if v, ok := d.rebinds.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	inStr := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '\'' {
			inStr = !inStr
		}
		if c == '?' && !inStr {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	out := b.String()
	d.rebinds.Store(q, out)
	return out
}

// isUnique reports a unique-constraint violation, which callers turn into a
// 409 Conflict instead of a 500.
func (d *dialect) isUnique(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// isForeignKey reports a foreign-key violation.
func (d *dialect) isForeignKey(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23503"
	}
	return strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}

// likeEscape escapes LIKE wildcards in user text (with ESCAPE '\').
func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// syncIdentity returns the statement that moves a table's id generator past
// ids inserted explicitly; SQLite's INTEGER PRIMARY KEY needs none.
func (d *dialect) syncIdentity(table string) string {
	if d.name != "postgres" {
		return ""
	}
	return "SELECT setval(pg_get_serial_sequence('" + table + "', 'id'), (SELECT COALESCE(max(id), 1) FROM " + table + "))"
}

// indexedBy names the index a query must use, where the engine takes such
// a hint (SQLite's INDEXED BY); PostgreSQL plans from statistics instead.
func (d *dialect) indexedBy(index string) string {
	if d.name != "sqlite" {
		return ""
	}
	return " INDEXED BY " + index
}

// analyze refreshes the planner's statistics of a table after a bulk load.
// PostgreSQL plans from them (and autovacuum refreshes them only later);
// SQLite's planner is steered explicitly instead (see indexedBy).
func (d *dialect) analyze(table string) string {
	if d.name != "postgres" {
		return ""
	}
	return "ANALYZE " + table
}

// pathIDs is a subquery listing the account ids in the materialized path
// held by col ("/1/7/42/" → 1, 7, 42), for checks along the chain in SQL.
func (d *dialect) pathIDs(col string) string {
	if d.name == "postgres" {
		return "SELECT unnest(string_to_array(trim(both '/' from " + col + "), '/'))::bigint"
	}
	return "SELECT value FROM json_each('[' || replace(trim(" + col + ", '/'), '/', ',') || ']')"
}
