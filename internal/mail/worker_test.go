package mail_test

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/mail"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/testenv"
)

// later shifts the worker's clock: the outbox is read as if it were d later,
// so a test need not sleep through a real back-off.
type later struct {
	store.Q
	d time.Duration
}

func (l later) DueMail(ctx context.Context, now time.Time, limit int) ([]mail.Queued, error) {
	return l.Q.DueMail(ctx, now.Add(l.d), limit)
}

// runWorker runs a worker until stop is called.
func runWorker(o mail.Outbox, s mail.Sender, results chan<- bool) (stop func()) {
	w := mail.NewWorker(o, s, slog.New(slog.DiscardHandler), 20*time.Millisecond)
	w.OnResult = func(ok bool) { results <- ok }
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w.Run(ctx) }()
	return func() { cancel(); wg.Wait() }
}

// closedPort returns a loopback port nobody listens on.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// TestWorkerSurvivesSMTPOutage: with the SMTP server down a message stays
// queued with its attempt counted and a later retry time; once a server is
// up, the same message is delivered exactly once.
func TestWorkerSurvivesSMTPOutage(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := "sqlite"
		if pg {
			name = "postgres"
		}
		t.Run(name, func(t *testing.T) {
			dsn := ""
			if pg {
				dsn = testenv.PostgresDSN(t)
			}
			st, err := store.Open(context.Background(), dsn, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ctx := context.Background()
			id, err := st.W().EnqueueMail(ctx, mail.Message{To: "someone@example.com", Subject: "Outage test", Text: "hello"})
			if err != nil {
				t.Fatal(err)
			}

			// SMTP down: one failed attempt, then the back-off holds the message.
			results := make(chan bool, 16)
			down := mail.NewSMTPSender(mail.SMTPConfig{Host: "127.0.0.1", Port: closedPort(t), From: "Vigilo <no-reply@vigilo.test>"})
			before := time.Now()
			stop := runWorker(st.W(), down, results)
			select {
			case ok := <-results:
				if ok {
					t.Fatal("delivered to a closed port")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no delivery attempt")
			}
			time.Sleep(150 * time.Millisecond) // several more ticks: the back-off must hold
			stop()
			if n := len(results); n != 0 {
				t.Fatalf("%d more attempts during the back-off", n)
			}
			if due, _ := st.R().DueMail(ctx, time.Now(), 10); len(due) != 0 {
				t.Fatalf("message due again before its back-off ended: %+v", due)
			}
			due, _ := st.R().DueMail(ctx, before.Add(mail.Backoff(1)+2*time.Second), 10)
			if len(due) != 1 || due[0].ID != id || due[0].Attempts != 1 {
				t.Fatalf("queued after the failure: %+v", due)
			}
			if pending, sent, _ := st.R().MailStats(ctx); pending != 1 || sent != 0 {
				t.Fatalf("pending %d sent %d", pending, sent)
			}

			// SMTP up (and the back-off over): delivered once.
			mp := testenv.Mailpit(t)
			up := mail.NewSMTPSender(mail.SMTPConfig{Host: mp.SMTPHost, Port: mp.SMTPPort, From: "Vigilo <no-reply@vigilo.test>"})
			stop = runWorker(later{st.W(), time.Hour}, up, results)
			select {
			case ok := <-results:
				if !ok {
					t.Fatal("delivery to mailpit failed")
				}
			case <-time.After(15 * time.Second):
				t.Fatal("not delivered after the server came up")
			}
			time.Sleep(100 * time.Millisecond)
			stop()
			msg := mp.WaitMessage(t, "someone@example.com", "Outage test", 5*time.Second)
			if msg.From != "no-reply@vigilo.test" || msg.Text == "" {
				t.Fatalf("received %+v", msg)
			}
			if n := len(mp.Messages(t)); n != 1 {
				t.Fatalf("mailpit received %d messages", n)
			}
			if pending, sent, _ := st.R().MailStats(ctx); pending != 0 || sent != 1 {
				t.Fatalf("after delivery: pending %d sent %d", pending, sent)
			}
		})
	}
}
