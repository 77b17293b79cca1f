package acmetls

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/store"
)

func sealer(t *testing.T, b byte) *camera.Secrets {
	t.Helper()
	key := make([]byte, 32)
	for i := range key {
		key[i] = b
	}
	s, err := camera.NewSecrets(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSharedCacheOneOrderer: on a real database, two nodes' caches agree
// on who orders a domain: the second waits while the first holds the
// claim, and goes on as soon as the certificate is stored (which it then
// reads, sealed at rest) or the first node's claim lapses; a node with
// another secret.key fails instead of ordering again.
func TestSharedCacheOneOrderer(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	claim, poll := orderClaim, pollEvery
	t.Cleanup(func() { orderClaim, pollEvery = claim, poll })
	pollEvery = 20 * time.Millisecond

	a, b := newSharedCache(st.W(), sealer(t, 1)), newSharedCache(st.W(), sealer(t, 1))
	if err := a.order(ctx, "video.acme.test"); err != nil {
		t.Fatalf("first node: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	err = b.order(short, "video.acme.test")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second node did not wait for the first: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- b.order(ctx, "video.acme.test") }()
	pem := []byte("-----BEGIN EC PRIVATE KEY-----\nsecret\n-----END EC PRIVATE KEY-----\n")
	if err := a.Put(ctx, "video.acme.test", pem); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("second node after the certificate: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second node still waits after the certificate was stored")
	}
	if got, err := b.Get(ctx, "video.acme.test"); err != nil || string(got) != string(pem) {
		t.Fatalf("second node reads %q, %v", got, err)
	}
	if raw, _, _ := st.R().ACMEEntry(ctx, "video.acme.test"); strings.Contains(raw, "PRIVATE KEY") || raw == "" {
		t.Fatalf("stored in the clear: %q", raw)
	}
	other := newSharedCache(st.W(), sealer(t, 2))
	if _, err := other.Get(ctx, "video.acme.test"); err == nil || strings.Contains(err.Error(), "cache miss") {
		t.Fatalf("another secret.key: %v", err)
	}

	// A node that dies holding the claim holds it only until it lapses.
	orderClaim = 150 * time.Millisecond
	if err := a.order(ctx, "vms.bolt.test"); err != nil {
		t.Fatal(err)
	}
	lapse, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := b.order(lapse, "vms.bolt.test"); err != nil {
		t.Fatalf("the lapsed claim was not taken over: %v", err)
	}
}
