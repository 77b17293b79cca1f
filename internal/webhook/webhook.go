// Package webhook holds the rules of an account's webhooks: which events a
// webhook may subscribe to, what a valid URL and secret are, how a body is
// signed, and how long a failed delivery waits before the next try. The
// outbox rows live in the store and the worker that posts them in
// internal/hookworker.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
)

// Event names a webhook can subscribe to (DESIGN §3b).
const (
	CameraOffline = "camera.offline"
	CameraOnline  = "camera.online"
	Motion        = "motion"
)

// Events are every name a webhook may list, in the order shown.
var Events = []string{CameraOffline, CameraOnline, Motion}

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the body>".
const SignatureHeader = "X-Vigilo-Signature"

// MaxPerAccount bounds an account's webhooks: every event is posted to
// each, so the number multiplies outbound traffic.
const MaxPerAccount = 20

// Webhook is one subscription of an account.
type Webhook struct {
	ID        int64
	AccountID int64
	URL       string
	Events    []string
	SecretEnc string // the secret, sealed with the data directory's key
	CreatedAt time.Time
}

// Wants reports whether the webhook subscribed to event.
func (w Webhook) Wants(event string) bool { return slices.Contains(w.Events, event) }

// Input is what a client sends to create a webhook.
type Input struct {
	URL    string
	Events []string
	Secret string
}

// Validate checks the input and normalises it (events de-duplicated and
// ordered). The address policy (no loopback or private targets) is checked
// separately, because it resolves names.
func (in *Input) Validate() error {
	f := errs.Fields{}
	in.URL = strings.TrimSpace(in.URL)
	if u, err := url.Parse(in.URL); in.URL == "" {
		f.Add("url", "is required")
	} else if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		f.Add("url", "must be an http:// or https:// URL with a host")
	} else if u.User != nil {
		f.Add("url", "must not carry a user name or password; the secret signs each delivery")
	} else if len(in.URL) > 2000 {
		f.Add("url", "is longer than 2000 characters")
	}
	if len(in.Events) == 0 {
		f.Add("events", "name at least one of "+strings.Join(Events, ", "))
	}
	var evs []string
	for _, e := range in.Events {
		if !slices.Contains(Events, e) {
			f.Add("events", "unknown event "+quote(e)+"; known: "+strings.Join(Events, ", "))
			break
		}
		if !slices.Contains(evs, e) {
			evs = append(evs, e)
		}
	}
	slices.SortFunc(evs, func(a, b string) int { return slices.Index(Events, a) - slices.Index(Events, b) })
	in.Events = evs
	if n := len(in.Secret); n < 16 || n > 256 {
		f.Add("secret", "must be 16 to 256 characters")
	}
	return f.Err()
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + s + `"`
}

// Sign is the value of the signature header for body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header in constant time (for receivers and
// tests).
func Verify(secret string, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}

// Backoff is the wait after the n-th failed attempt: 5 s doubling to at
// most an hour. Deliveries are never dropped for failing; a receiver down
// for a day receives everything within an hour of coming back.
func Backoff(attempts int) time.Duration { return BackoffFrom(5*time.Second, attempts) }

// BackoffFrom is Backoff starting at first instead of 5 s.
func BackoffFrom(first time.Duration, attempts int) time.Duration {
	d := first
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Delivery is one event on its way to one webhook (the outbox row and its
// log entry).
type Delivery struct {
	ID          int64
	WebhookID   int64
	Event       string
	Body        []byte
	Attempts    int
	LastStatus  int    // HTTP status of the last attempt, 0 when none answered
	LastError   string // what went wrong last, "" once delivered
	NextAttempt time.Time
	DeliveredAt *time.Time
	CreatedAt   time.Time
}

// Status names where a delivery is: "delivered", "pending" (never tried
// yet) or "retrying".
func (d Delivery) Status() string {
	switch {
	case d.DeliveredAt != nil:
		return "delivered"
	case d.Attempts == 0:
		return "pending"
	}
	return "retrying"
}

// Due is a delivery ready to be posted, with where and how to sign it.
type Due struct {
	Delivery
	URL       string
	SecretEnc string
}

// Payload is the JSON body posted for an event.
type Payload struct {
	ID       string         `json:"id"` // unique per event, for receivers' de-duplication
	Event    string         `json:"event"`
	At       time.Time      `json:"at"`
	Account  int64          `json:"account_id"`
	Camera   *PayloadCamera `json:"camera,omitempty"`
	Reason   string         `json:"reason,omitempty"`
	Duration string         `json:"offline_for,omitempty"`
	Detail   string         `json:"detail,omitempty"` // what the camera reported (a motion event's topic)
}

// PayloadCamera names the camera an event is about.
type PayloadCamera struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}
