package hookworker

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/money"
	"github.com/vigilo/vigilo/internal/netpolicy"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tenancy"
	"github.com/vigilo/vigilo/internal/webhook"
)

// TestPolicyAtEveryConnection: a webhook stored while its address was
// allowed is refused at delivery once the policy no longer allows it — the
// attempt is logged with the policy's reason and retried, never sent — and
// delivered, signed, when allowed. Redirects count as failures.
func TestPolicyAtEveryConnection(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	secrets, err := camera.NewSecrets(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int32
	var sig atomic.Value
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hits.Add(1)
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "http://127.0.0.1:1/elsewhere", http.StatusFound)
			return
		}
		sig.Store(webhook.Verify("s3cret-s3cret-s3cret", body, r.Header.Get(webhook.SignatureHeader)))
	}))
	t.Cleanup(rcv.Close)

	acct := tenancy.Account{Type: tenancy.Integrator, Name: "A", Status: tenancy.Active, StoragePrice: money.MustParse("0"), TrafficPrice: money.MustParse("0")}
	if err := st.InTx(ctx, func(q store.Q) error { return q.InsertAccount(ctx, &acct, "") }); err != nil {
		t.Fatal(err)
	}
	sealed, _ := secrets.Seal("s3cret-s3cret-s3cret")
	add := func(url string) int64 {
		w := webhook.Webhook{AccountID: acct.ID, URL: url, Events: []string{webhook.Motion}, SecretEnc: sealed, CreatedAt: time.Now()}
		if err := st.W().InsertWebhook(ctx, &w); err != nil {
			t.Fatal(err)
		}
		id, err := st.W().EnqueueDelivery(ctx, w.ID, webhook.Motion, []byte(`{"event":"motion"}`), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	ok, moved := add(rcv.URL+"/hook"), add(rcv.URL+"/moved")
	delivery := func(id int64) webhook.Delivery {
		list, _, err := st.R().Deliveries(ctx, store.DeliveryFilter{AccountID: acct.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range list {
			if d.ID == id {
				return d
			}
		}
		t.Fatalf("delivery %d not logged", id)
		return webhook.Delivery{}
	}
	run := func(allow []netip.Prefix, done func() bool) {
		w := New(Config{Store: st, Open: secrets.Open, Policy: netpolicy.New(allow), Interval: 50 * time.Millisecond,
			Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
		defer w.Close()
		deadline := time.Now().Add(5 * time.Second)
		for !done() {
			if time.Now().After(deadline) {
				t.Fatalf("no attempts: %+v %+v", delivery(ok), delivery(moved))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	run(nil, func() bool { return delivery(ok).Attempts >= 2 && delivery(moved).Attempts >= 2 }) // strict: loopback refused
	if d := delivery(ok); d.Status() != "retrying" || !strings.Contains(d.LastError, "webhook-address policy: loopback") || hits.Load() != 0 {
		t.Fatalf("strict policy: %+v, receiver hit %d times", d, hits.Load())
	}
	run([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, func() bool {
		return delivery(ok).Status() == "delivered" && delivery(moved).LastStatus != 0
	})
	if d := delivery(ok); d.Status() != "delivered" || d.LastStatus != 200 || sig.Load() != true {
		t.Fatalf("allowed: %+v, signature ok %v", d, sig.Load())
	}
	if d := delivery(moved); d.Status() != "retrying" || d.LastStatus != http.StatusFound {
		t.Fatalf("a redirect counted as delivered: %+v", d)
	}
}
