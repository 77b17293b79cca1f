// Package store holds all SQL of Vigilo, for SQLite (the embedded default)
// and PostgreSQL. Domain packages never see SQL; they get typed methods on Q.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/vigilo/vigilo/internal/errs"
)

// Store is an open database: a writer pool and a reader pool. On SQLite the
// writer is a single connection (SQLite allows one writer at a time; queuing
// in Go is cheaper than busy-waiting in SQLite) beside a pool of readers that
// WAL lets run concurrently. On PostgreSQL both are the same pool.
type Store struct {
	d *dialect
	w *sql.DB
	r *sql.DB
	// rx and wx run R() and W() queries: the pools themselves, or on
	// SQLite the pools through cached prepared statements.
	rx, wx execer
	// epoch moves on every committed write to the auth tables (authepoch.go).
	epoch authEpoch
}

// Q runs queries on a pool or inside a transaction. Every repository method
// hangs off Q, so the same method works in and out of transactions.
type Q struct {
	d *dialect
	x execer
	// ep is the store's auth epoch; dirty, inside a transaction, records
	// that it wrote to an auth table (authepoch.go).
	ep    *authEpoch
	dirty *bool
	// st is the store behind W(): a write of several statements outside a
	// transaction opens its own (atomic), so counters never see half of it.
	st *Store
}

type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// Open connects to dsn: empty means SQLite in dataDir/vigilo.db; a
// postgres:// or postgresql:// URL means PostgreSQL. Migrations run at once.
func Open(ctx context.Context, dsn, dataDir string) (*Store, error) {
	var s *Store
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s, err = openPostgres(dsn)
	} else {
		path := dsn
		path = strings.TrimPrefix(path, "sqlite://")
		if path == "" {
			if err := os.MkdirAll(dataDir, 0o750); err != nil {
				return nil, err
			}
			path = filepath.Join(dataDir, "vigilo.db")
		}
		s, err = openSQLite(path)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	// Counters kept by every write are recomputed once per start, so that
	// nothing can leave them wrong for longer than until the next one.
	if _, err := s.RepairCounters(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func openSQLite(path string) (*Store, error) {
	// _txlock=immediate takes the write lock at BEGIN, so two transactions never
	// deadlock upgrading read locks; busy_timeout covers other processes.
	pragmas := "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=mmap_size(1073741824)&_pragma=cache_size(-16000)"
	w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	if err := w.Ping(); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &Store{d: newDialect("sqlite"), w: w, r: r, wx: newPreparedPool(w), rx: newPreparedPool(r)}, nil
}

func openPostgres(dsn string) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	return &Store{d: newDialect("postgres"), w: db, r: db, wx: db, rx: db}, nil
}

// Dialect names the engine: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.name }

// Close closes both pools.
func (s *Store) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		if e := s.r.Close(); err == nil {
			err = e
		}
	}
	return err
}

// R is for reads outside a transaction.
func (s *Store) R() Q { return Q{d: s.d, x: s.rx, ep: &s.epoch} }

// W is for single writes outside a transaction.
func (s *Store) W() Q { return Q{d: s.d, x: s.wx, ep: &s.epoch, st: s} }

// InTx runs fn in one write transaction: all of it lands or none of it does,
// which is how a refused request leaves nothing half-written.
func (s *Store) InTx(ctx context.Context, fn func(q Q) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return errs.Wrap(err, "begin transaction")
	}
	var dirty bool
	if err := fn(Q{d: s.d, x: tx, ep: &s.epoch, dirty: &dirty}); err != nil {
		_ = tx.Rollback()
		return err
	}
	err = tx.Commit()
	if dirty {
		// Even after a failed commit: whether it landed is unknown.
		s.epoch.move()
	}
	if err != nil {
		return errs.Wrap(err, "commit")
	}
	return nil
}

// Ping checks the database for /healthz.
func (s *Store) Ping(ctx context.Context) error { return s.w.PingContext(ctx) }

func (q Q) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := q.x.ExecContext(ctx, q.d.rebind(query), args...)
	q.wrote(query)
	return res, err
}

// query and row serve reads; the writes with RETURNING that use them touch
// no auth table today, and are recorded all the same.
func (q Q) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := q.x.QueryContext(ctx, q.d.rebind(query), args...)
	q.wrote(query)
	return rows, err
}

func (q Q) row(ctx context.Context, query string, args ...any) *sql.Row {
	r := q.x.QueryRowContext(ctx, q.d.rebind(query), args...)
	q.wrote(query)
	return r
}

// insert runs an INSERT … RETURNING id (both engines support RETURNING).
// Outside a transaction the row is committed once it has been read, so the
// auth epoch moves after Scan.
func (q Q) insert(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	query += " RETURNING id"
	err := q.x.QueryRowContext(ctx, q.d.rebind(query), args...).Scan(&id)
	q.wrote(query)
	return id, err
}

// count runs a SELECT count(*) query.
func (q Q) count(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := q.row(ctx, query, args...).Scan(&n)
	return n, err
}

// Dialect names the engine behind q.
func (q Q) Dialect() string { return q.d.name }

// InTx reports whether q runs inside a transaction (Store.InTx), where a
// write must go through q itself: on SQLite another connection would wait
// for the writer this transaction holds.
func (q Q) InTx() bool {
	_, ok := q.x.(*sql.Tx)
	return ok
}

// notFound maps sql.ErrNoRows to a NotFound error; other errors stay internal.
func notFound(err error, what string, id any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.NotFoundf("%s %v not found", what, id)
	}
	return errs.Wrap(err, "load "+what)
}

// conflict maps unique violations to a Conflict error on a field.
func (q Q) conflict(err error, field, msg string) error {
	if q.d.isUnique(err) {
		return &errs.Error{Kind: errs.Conflict, Code: "conflict", Message: msg, Fields: map[string]string{field: msg}}
	}
	return errs.Wrap(err, "write")
}

// Times are stored as unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func nullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

func toNullMS(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: ms(*t), Valid: true}
}

// Page is the common pagination input; Clamp keeps it within bounds.
type Page struct {
	Page    int
	PerPage int
}

// MaxPerPage bounds list sizes so that no request can ask for everything.
const MaxPerPage = 200

// MaxPage bounds page numbers so that the row offset always fits the SQL
// engines' integers (api refuses larger ones with a 400).
const MaxPage = 1_000_000

// Clamp fills defaults and limits.
func (p Page) Clamp() Page {
	if p.Page < 1 {
		p.Page = 1
	}
	if p.PerPage < 1 {
		p.PerPage = 50
	}
	if p.PerPage > MaxPerPage {
		p.PerPage = MaxPerPage
	}
	if p.Page > MaxPage {
		p.Page = MaxPage
	}
	return p
}

// Offset is the row offset of the page.
func (p Page) Offset() int { return (p.Page - 1) * p.PerPage }
