package app

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// The authentication cache keeps what API requests read over and over —
// the principal of a token (session or API token, user, role, account, the
// status of every account up its path), module folds such as api_access,
// the caller's own user and account (GET /me) and pages of the account
// list — so that a busy client does not pay for the same queries on every
// request (docs/BENCHMARKS.md, API throughput).
//
// It never serves what this process has changed: an entry is used only
// while the store's auth epoch is the one it was loaded at, and every
// committed write to tokens, users, roles, accounts or module switches
// (a sign-out, a revoked session, a password change, a disabled user or
// account, a role edited, a module switched off, an account created or
// renamed) moves the epoch (store/authepoch.go). Writes by another process
// sharing the database are seen after at most AuthCacheTTL. Expiry and idle
// timeouts are still judged on every request against the clock, and every
// access decision still runs: only the loading is saved.

// DefaultAuthCacheTTL bounds how long another process's change may go
// unseen.
const DefaultAuthCacheTTL = time.Second

// maxAuthCacheEntries bounds each cache's memory; a full cache starts over.
const maxAuthCacheEntries = 20000

type authCache struct {
	principals epochCache[string, store.Principal]
	modules    epochCache[string, error]
	me         epochCache[int64, meEntry]
	accounts   epochCache[store.AccountFilter, accountPage]
}

type meEntry struct {
	user identity.User
	acct tenancy.Account
}

type accountPage struct {
	list  []tenancy.Account
	total int
}

// epochCache is a map whose entries hold while the auth epoch they were
// loaded at is current and their lifetime has not run out.
type epochCache[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]epochEntry[V]
}

type epochEntry[V any] struct {
	v     V
	epoch uint64
	until time.Time
}

// load returns the value for k, from the cache or from fn (kept when keep
// says so). The epoch is read before fn loads: a write committed meanwhile
// makes the new entry stale at once.
func (c *epochCache[K, V]) load(a *App, k K, fn func() (V, error), keep func(error) bool) (V, error) {
	ttl := a.authTTL()
	if ttl == 0 {
		return fn()
	}
	epoch := a.Store.AuthEpoch()
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && e.epoch == epoch && now.Before(e.until) {
		return e.v, nil
	}
	v, err := fn()
	if !keep(err) {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxAuthCacheEntries {
		c.m = map[K]epochEntry[V]{}
	}
	c.m[k] = epochEntry[V]{v: v, epoch: epoch, until: now.Add(ttl)}
	c.mu.Unlock()
	return v, err
}

func noError(err error) bool { return err == nil }

func (a *App) authTTL() time.Duration {
	if a.Config.AuthCacheTTL == 0 {
		return DefaultAuthCacheTTL
	}
	return max(a.Config.AuthCacheTTL, 0)
}

// principal is PrincipalByToken through the cache.
func (a *App) principal(ctx context.Context, hash string) (store.Principal, error) {
	p, err := a.authCache.principals.load(a, hash, func() (store.Principal, error) {
		return a.Store.R().PrincipalByToken(ctx, hash)
	}, noError)
	// The actor gets these slices; nobody may change the cached ones.
	p.Role.Rights, p.Role.CameraIDs = slices.Clone(p.Role.Rights), slices.Clone(p.Role.CameraIDs)
	return p, err
}

// moduleAt is requireModule on the read pool through the cache: nil and
// the module_disabled refusal are kept; other errors are not.
func (a *App) moduleAt(ctx context.Context, path, key string) error {
	// The refusal is the cached value; load's own error is only a failure
	// to load (not kept).
	refusal, err := a.authCache.modules.load(a, path+"\x00"+key, func() (error, error) {
		err := requireModule(ctx, a.Store.R(), path, key)
		if err == nil || errs.CodeOf(err) == "module_disabled" {
			return err, nil
		}
		return nil, err
	}, noError)
	if err != nil {
		return err
	}
	return refusal
}
