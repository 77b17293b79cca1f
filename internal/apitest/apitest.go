// Package apitest boots the real Vigilo server for tests (port 0, temporary
// data directory, SQLite or a fresh PostgreSQL database) and drives its API
// over real HTTP. It is imported only from _test files.
package apitest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/config"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/server"
	"github.com/vigilo/vigilo/internal/testenv"
)

// AdminEmail and AdminPassword are the root owner's credentials in tests.
const (
	AdminEmail    = "root@vigilo.test"
	AdminPassword = "root-password-1"
)

func init() {
	// argon2id at production cost makes tree-building tests minutes long;
	// the cost parameters are stored in each hash, so this is safe.
	identity.DefaultArgon2 = identity.Argon2Params{Memory: 64, Time: 1, Threads: 1}
}

// TestCameraAllow is the camera-address allow-list tests run with.
const TestCameraAllow = "127.0.0.0/8,::1/128,10.0.0.0/8,192.168.0.0/16,fe80::/10"

// Options choose the environment.
type Options struct {
	Postgres bool              // use a fresh PostgreSQL database (skips if VIGILO_TEST_POSTGRES is unset)
	DBURL    string            // share this database with another Env (a second cluster node) instead
	Env      map[string]string // extra VIGILO_* settings, e.g. SMTP
	Quiet    bool              // drop logs below warnings
}

// Env is a running server.
type Env struct {
	T     testing.TB
	Main  *server.Main
	URL   string // http://127.0.0.1:port
	Root  string // the root owner's token
	HTTP  *http.Client
	Debug bool
}

// Boot starts Vigilo and signs in the root owner.
func Boot(t testing.TB, o Options) *Env {
	t.Helper()
	vars := map[string]string{
		"VIGILO_HTTP_ADDR":      "127.0.0.1:0",
		"VIGILO_BASE_URL":       "http://localhost:0",
		"VIGILO_DATA_DIR":       t.TempDir(),
		"VIGILO_ADMIN_EMAIL":    AdminEmail,
		"VIGILO_ADMIN_PASSWORD": AdminPassword,
		"VIGILO_MAIL_INTERVAL":  "200ms",
		"VIGILO_RECORD":         "false",
		// Test cameras (simcam) run on loopback and fixtures use private
		// addresses; the camera-address policy's own tests boot with
		// Env{"VIGILO_CAMERA_ALLOW": ""} to get the strict default.
		"VIGILO_CAMERA_ALLOW": TestCameraAllow,
		// Any free port: test servers run side by side.
		"VIGILO_WEBRTC_UDP_PORT": "0",
		"VIGILO_METRICS_ADDR":    "127.0.0.1:0",
		// No scheduled billing close: tests that want one start it on a
		// moved clock (internal/billingclose).
		"VIGILO_BILLING_CLOSE_AFTER": "0",
		// No statistics passes: the tab computes what each test just
		// wrote; the stored drafts' tests turn them on (internal/statsroll).
		"VIGILO_STATISTICS_REFRESH": "0",
	}
	if o.DBURL != "" {
		vars["VIGILO_DB_URL"] = o.DBURL
		// Nodes of one cluster share the camera credentials key.
		vars["VIGILO_SECRET_KEY_FILE"] = SharedKeyFile(t, o.DBURL)
	} else if o.Postgres {
		vars["VIGILO_DB_URL"] = testenv.PostgresDSN(t)
	}
	for k, v := range o.Env {
		vars[k] = v
	}
	cfg, err := config.Load(nil, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	level := slog.LevelInfo
	if o.Quiet || os.Getenv("VIGILO_TEST_VERBOSE") == "" {
		level = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
	m := &server.Main{Config: cfg, Log: log, Out: io.Discard}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	e := &Env{T: t, Main: m, URL: "http://" + m.Addr, HTTP: &http.Client{Timeout: 60 * time.Second}}
	e.Root = e.Login(AdminEmail, AdminPassword)
	return e
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Response is a decoded API answer.
type Response struct {
	Status int
	Body   []byte
	JSON   map[string]any
}

// Code is the error code of an error response ("" otherwise).
func (r Response) Code() string {
	if e, ok := r.JSON["error"].(map[string]any); ok {
		s, _ := e["code"].(string)
		return s
	}
	return ""
}

// Fields are the field errors of an error response.
func (r Response) Fields() map[string]any {
	if e, ok := r.JSON["error"].(map[string]any); ok {
		f, _ := e["fields"].(map[string]any)
		return f
	}
	return nil
}

// ID is the "id" of a JSON object response.
func (r Response) ID() int64 {
	v, _ := r.JSON["id"].(float64)
	return int64(v)
}

// Items is the "items" of a list response.
func (r Response) Items() []map[string]any {
	raw, _ := r.JSON["items"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, it := range raw {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// Do sends a request with a Bearer token (if any) and a JSON body (if not
// nil; a string or []byte body is sent verbatim).
func (e *Env) Do(method, path, token string, body any) Response {
	e.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.Send(req)
}

// Send sends a request built by the caller (its own headers or Host) and
// decodes the answer.
func (e *Env) Send(req *http.Request) Response {
	e.T.Helper()
	resp, err := e.HTTP.Do(req)
	if err != nil {
		e.T.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	r := Response{Status: resp.StatusCode}
	r.Body, _ = io.ReadAll(resp.Body)
	_ = json.Unmarshal(r.Body, &r.JSON)
	return r
}

// Must is Do that fails the test unless the status is want.
func (e *Env) Must(want int, method, path, token string, body any) Response {
	e.T.Helper()
	r := e.Do(method, path, token, body)
	if r.Status != want {
		e.T.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// Login signs in and returns the token.
func (e *Env) Login(email, password string) string {
	e.T.Helper()
	r := e.Must(200, "POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": password})
	return r.JSON["token"].(string)
}

// Account is what CreateAccount returns.
type Account struct {
	ID       int64
	Email    string
	Password string
	Token    string // the owner's token (confirmed and signed in)
}

// CreateAccount creates a sub-account through the API as token, with a
// password, confirms its owner directly through the store (tests of the mail
// flow use Mailpit instead) and signs the owner in.
func (e *Env) CreateAccount(token string, parentID int64, typ, name string) Account {
	e.T.Helper()
	email := fmt.Sprintf("%s-%d@vigilo.test", strings.ToLower(strings.ReplaceAll(name, " ", "-")), time.Now().UnixNano())
	body := map[string]any{"type": typ, "parent_id": parentID, "name": name, "email": email, "password": "password-123"}
	if typ == "integrator" {
		body["storage_price"], body["traffic_price"] = "0.0300", "0.0100"
	}
	r := e.Must(201, "POST", "/api/v1/accounts", token, body)
	a := Account{ID: r.ID(), Email: email, Password: "password-123"}
	e.ConfirmEmail(email)
	a.Token = e.Login(email, a.Password)
	return a
}

// ConfirmEmail marks a user's e-mail confirmed directly in the store.
func (e *Env) ConfirmEmail(email string) {
	e.T.Helper()
	ctx := context.Background()
	u, err := e.Main.Store.R().UserByEmail(ctx, email)
	if err != nil {
		e.T.Fatal(err)
	}
	now := time.Now()
	u.EmailConfirmedAt = &now
	if err := e.Main.Store.W().UpdateUser(ctx, &u); err != nil {
		e.T.Fatal(err)
	}
}

// SharedKeyFile is a camera credentials key file shared by every node
// booted on the database dsn (VIGILO_SECRET_KEY_FILE), as an operator gives
// every node of a cluster the same file.
func SharedKeyFile(t testing.TB, dsn string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(dsn))
	dir := filepath.Join(os.TempDir(), "vigilo-test-keys")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, hex.EncodeToString(sum[:8])+".key")
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	// O_EXCL: the first node's key is everyone's.
	if f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
		if cerr := f.Close(); werr != nil || cerr != nil {
			t.Fatalf("key file: %v %v", werr, cerr)
		}
	} else if !errors.Is(err, fs.ErrExist) {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(path) }) // each node read it at its start
	return path
}
