package acmetls

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/acme/autocert"
)

// Shared is a store every api node reaches (the cluster's database): with
// it, a certificate one node obtained is served by all of them, and at most
// one node at a time orders a domain's certificate.
type Shared interface {
	ACMEEntry(ctx context.Context, name string) (data string, found bool, err error)
	PutACMEEntry(ctx context.Context, name, data string, now time.Time) error
	DeleteACMEEntry(ctx context.Context, name string) error
	ClaimACMEOrder(ctx context.Context, domain, holder string, now, expires time.Time) (bool, error)
	ReleaseACMEOrder(ctx context.Context, domain, holder string) error
}

// Sealer encrypts what is stored in Shared (the installation's secret.key):
// private keys never lie in the database in the clear.
type Sealer interface {
	SealFor(purpose, plain string) (string, error)
	OpenFor(purpose, sealed string) (string, error)
}

const sealPurpose = "acme cache"

// orderClaim bounds how long a node that died while ordering keeps the
// others from ordering; pollEvery is how often a waiting node looks for
// the certificate another node is ordering.
var (
	orderClaim = 2 * time.Minute
	pollEvery  = 300 * time.Millisecond
)

// sharedCache is autocert's cache in Shared, sealed; it also arbitrates
// who orders (order, called by the host policy before autocert looks for a
// certificate, outside autocert's locks).
type sharedCache struct {
	db     Shared
	seal   Sealer
	holder string // this process, in order claims

	mu    sync.Mutex
	known map[string]bool // domains whose certificate this process has seen stored
}

func newSharedCache(db Shared, seal Sealer) *sharedCache {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return &sharedCache{db: db, seal: seal, holder: hex.EncodeToString(b), known: map[string]bool{}}
}

// certName reports whether key names a certificate (not the account key
// or a challenge certificate) and for which domain.
func certName(key string) (string, bool) {
	if key == "acme_account+key" || key == "acme_account.key" || strings.HasSuffix(key, "+token") {
		return "", false
	}
	return strings.TrimSuffix(key, "+rsa"), true
}

func (c *sharedCache) Get(ctx context.Context, key string) ([]byte, error) {
	sealed, found, err := c.db.ACMEEntry(ctx, key)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, autocert.ErrCacheMiss
	}
	plain, err := c.seal.OpenFor(sealPurpose, sealed)
	if err != nil {
		return nil, err
	}
	if d, ok := certName(key); ok {
		c.mark(d)
	}
	return []byte(plain), nil
}

func (c *sharedCache) Put(ctx context.Context, key string, data []byte) error {
	sealed, err := c.seal.SealFor(sealPurpose, string(data))
	if err != nil {
		return err
	}
	if err := c.db.PutACMEEntry(ctx, key, sealed, time.Now()); err != nil {
		return err
	}
	if d, ok := certName(key); ok {
		c.mark(d)
		return c.db.ReleaseACMEOrder(ctx, d, c.holder)
	}
	return nil
}

func (c *sharedCache) Delete(ctx context.Context, key string) error {
	return c.db.DeleteACMEEntry(ctx, key)
}

func (c *sharedCache) mark(domain string) {
	c.mu.Lock()
	c.known[domain] = true
	c.mu.Unlock()
}

// order returns once autocert may go on for domain: its certificate is
// stored (autocert will load it), or this process holds the claim to
// order it. While another node holds the claim it waits for that node's
// certificate, or for its claim to lapse.
func (c *sharedCache) order(ctx context.Context, domain string) error {
	c.mu.Lock()
	known := c.known[domain]
	c.mu.Unlock()
	if known {
		return nil
	}
	for {
		_, found, err := c.db.ACMEEntry(ctx, domain)
		if err != nil || found {
			return err
		}
		now := time.Now()
		ok, err := c.db.ClaimACMEOrder(ctx, domain, c.holder, now, now.Add(orderClaim))
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}
