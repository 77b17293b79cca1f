package store

import (
	"regexp"
	"strings"
	"sync/atomic"
)

// The auth epoch lets the app cache what authenticating a request reads (a
// session or token with its user, role and account, the statuses and
// module switches of the account's path) without missing a change made by
// this process: every write to one of those tables moves the epoch on once
// it is committed, and a cached entry is used only while the epoch it was
// read at is still current. Writes by other processes (a second API node)
// are seen when the cluster transport (internal/cluster) reports them with
// MoveAuthEpoch; without one, the app's cache bounds them with a short
// lifetime.

// authEpoch counts committed writes to the auth tables.
type authEpoch struct {
	n atomic.Uint64
	// moved, when set, is told of every local move (the cluster transport
	// broadcasts it, so other nodes drop their cached entries too).
	moved atomic.Pointer[func()]
}

// move records a committed local write to the auth tables.
func (e *authEpoch) move() {
	e.n.Add(1)
	if f := e.moved.Load(); f != nil {
		(*f)()
	}
}

// OnAuthWrite registers fn, called after every committed local write to the
// auth tables (nil stops it).
func (s *Store) OnAuthWrite(fn func()) {
	if fn == nil {
		s.epoch.moved.Store(nil)
		return
	}
	s.epoch.moved.Store(&fn)
}

// MoveAuthEpoch makes every cached authentication entry stale: another node
// wrote to the auth tables of the shared database. It does not call the
// OnAuthWrite hook (the write was not ours to announce).
func (s *Store) MoveAuthEpoch() { s.epoch.n.Add(1) }

// AuthEpoch is the current epoch. Read it before loading what is cached:
// a write committed during the load then makes the entry stale at once.
func (s *Store) AuthEpoch() uint64 { return s.epoch.n.Load() }

// authWrite matches statements that may change an auth table. It errs on
// the side of moving the epoch: a statement that only mentions such a table
// costs the cache a reload, nothing more.
var authWrite = regexp.MustCompile(`(?is)\b(tokens|users|accounts|roles|account_modules)\b`)

// touchesAuth reports whether query writes and mentions an auth table.
// Reads (the hot path) are told apart by their first word alone.
func touchesAuth(query string) bool {
	s := strings.TrimLeft(query, " \t\r\n(")
	if len(s) < 6 || strings.EqualFold(s[:6], "SELECT") {
		return false
	}
	return authWrite.MatchString(query)
}

// wrote records that query ran: inside a transaction it marks the
// transaction, whose commit moves the epoch; outside, the statement has
// committed by now and the epoch moves at once.
func (q Q) wrote(query string) {
	if q.ep == nil || !touchesAuth(query) {
		return
	}
	if q.dirty != nil {
		*q.dirty = true
		return
	}
	q.ep.move()
}
