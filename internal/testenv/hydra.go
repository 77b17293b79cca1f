package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// HydraServer is a running ory/hydra (an OpenID Connect provider) with
// its in-memory store, and the login and consent app it sends browsers to.
// The app is the test's: it shows a one-field form ("who are you") and
// hands hydra, through its admin API, the subject and the ID token's
// e-mail claims that the test chose for that person.
type HydraServer struct {
	Issuer   string // public URL, e.g. http://127.0.0.1:40123
	AdminURL string
	LoginURL string // the login and consent app

	client *http.Client
	mu     sync.Mutex
	people map[string]HydraPerson
}

// HydraPerson is what the provider says about a subject in the ID token.
type HydraPerson struct {
	Email         string
	EmailVerified bool
	Name          string
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	p, err := freePort()
	if err != nil {
		t.Fatalf("testenv: free port: %v", err)
	}
	return p
}

// Hydra starts hydra (`hydra serve all --dev`, DSN=memory) on free loopback
// ports with its login and consent app, and stops both when the test ends.
// Without a hydra binary the test skips (fails when CI=true); .ci/run
// installs it.
func Hydra(t testing.TB) *HydraServer {
	t.Helper()
	bin := RequireTool(t, "hydra")
	h := &HydraServer{client: &http.Client{Timeout: 10 * time.Second}, people: map[string]HydraPerson{}}
	app := &http.Server{Handler: h.loginConsentApp(), ReadHeaderTimeout: 5 * time.Second}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: listen: %v", err)
	}
	h.LoginURL = "http://" + l.Addr().String()
	go app.Serve(l)
	t.Cleanup(func() { app.Close() })

	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if lastErr = h.start(t, bin); lastErr == nil {
			return h
		}
	}
	t.Fatalf("testenv: hydra did not start: %v", lastErr)
	return nil
}

func (h *HydraServer) start(t testing.TB, bin string) error {
	public, err := freePort()
	if err != nil {
		return err
	}
	admin, err := freePort()
	if err != nil {
		return err
	}
	issuer := "http://127.0.0.1:" + strconv.Itoa(public)
	cmd := exec.Command(bin, "serve", "all", "--dev", "--sqa-opt-out")
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "DSN=") || strings.HasPrefix(kv, "URLS_") || strings.HasPrefix(kv, "SERVE_") ||
			strings.HasPrefix(kv, "SECRETS_") || strings.HasPrefix(kv, "OIDC_") || strings.HasPrefix(kv, "TTL_")
	})
	cmd.Env = append(env,
		"DSN=memory",
		"SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_PUBLIC_PORT="+strconv.Itoa(public),
		"SERVE_ADMIN_HOST=127.0.0.1", "SERVE_ADMIN_PORT="+strconv.Itoa(admin),
		"URLS_SELF_ISSUER="+issuer,
		"URLS_LOGIN="+h.LoginURL+"/login", "URLS_CONSENT="+h.LoginURL+"/consent",
		"SECRETS_SYSTEM=vigilo-test-system-secret-0123456789",
		"LOG_LEVEL=warn", "SQA_OPT_OUT=true",
	)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() { cmd.Process.Kill(); <-exited }
	h.Issuer, h.AdminURL = issuer, "http://127.0.0.1:"+strconv.Itoa(admin)
	deadline := time.Now().Add(60 * time.Second)
	for !h.ready() {
		select {
		case <-exited:
			return fmt.Errorf("hydra exited: %s", out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("hydra not ready after 60s: %s", out.String())
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("hydra output:\n%s", out.String())
		}
		stop()
	})
	return nil
}

func (h *HydraServer) ready() bool {
	for _, u := range []string{h.AdminURL + "/health/ready", h.Issuer + "/.well-known/openid-configuration"} {
		resp, err := h.client.Get(u)
		if err != nil {
			return false
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false
		}
	}
	return true
}

// SetPerson says what the provider vouches for when subject signs in; a
// subject never set gets its own name as a verified e-mail.
func (h *HydraServer) SetPerson(subject string, p HydraPerson) {
	h.mu.Lock()
	h.people[subject] = p
	h.mu.Unlock()
}

func (h *HydraServer) person(subject string) HydraPerson {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p, ok := h.people[subject]; ok {
		return p
	}
	return HydraPerson{Email: subject, EmailVerified: true}
}

// CreateClient registers an OAuth 2.0 client that may redirect to
// redirectURI and returns its id and secret.
func (h *HydraServer) CreateClient(t testing.TB, redirectURI string) (id, secret string) {
	t.Helper()
	var out struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	err := h.admin(context.Background(), "POST", "/admin/clients", map[string]any{
		"client_name": "vigilo test", "redirect_uris": []string{redirectURI},
		"grant_types": []string{"authorization_code"}, "response_types": []string{"code"},
		"scope": "openid email profile", "token_endpoint_auth_method": "client_secret_basic",
	}, &out)
	if err != nil || out.ClientID == "" || out.ClientSecret == "" {
		t.Fatalf("testenv: create hydra client: %v %+v", err, out)
	}
	return out.ClientID, out.ClientSecret
}

func (h *HydraServer) admin(ctx context.Context, method, path string, body, out any) error {
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.AdminURL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return fmt.Errorf("%s %s: %s %s", method, path, resp.Status, b.String())
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// loginConsentApp is hydra's login and consent UI: /login asks who the
// person is (prefilled with the login hint) and accepts that subject;
// /consent grants the requested scopes with the person's e-mail claims.
func (h *HydraServer) loginConsentApp() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		ch := r.URL.Query().Get("login_challenge")
		var lr struct {
			OIDCContext struct {
				LoginHint string `json:"login_hint"`
			} `json:"oidc_context"`
		}
		if err := h.admin(r.Context(), "GET", "/admin/oauth2/auth/requests/login?login_challenge="+url.QueryEscape(ch), nil, &lr); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Test provider</title><h1>Test provider</h1>
<form method="post" action="/login"><input type="hidden" name="login_challenge" value="%s">
<label>Username <input name="subject" id="provider-subject" value="%s"></label>
<button type="submit" id="provider-sign-in">Sign in at the provider</button></form>`,
			html.EscapeString(ch), html.EscapeString(lr.OIDCContext.LoginHint))
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		err := h.admin(r.Context(), "PUT", "/admin/oauth2/auth/requests/login/accept?login_challenge="+url.QueryEscape(r.PostFormValue("login_challenge")),
			map[string]any{"subject": r.PostFormValue("subject"), "remember": false}, &out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		http.Redirect(w, r, out.RedirectTo, http.StatusFound)
	})
	mux.HandleFunc("GET /consent", func(w http.ResponseWriter, r *http.Request) {
		ch := r.URL.Query().Get("consent_challenge")
		var cr struct {
			Subject        string   `json:"subject"`
			RequestedScope []string `json:"requested_scope"`
			Audience       []string `json:"requested_access_token_audience"`
		}
		if err := h.admin(r.Context(), "GET", "/admin/oauth2/auth/requests/consent?consent_challenge="+url.QueryEscape(ch), nil, &cr); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		p := h.person(cr.Subject)
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		err := h.admin(r.Context(), "PUT", "/admin/oauth2/auth/requests/consent/accept?consent_challenge="+url.QueryEscape(ch), map[string]any{
			"grant_scope": cr.RequestedScope, "grant_access_token_audience": cr.Audience, "remember": false,
			"session": map[string]any{"id_token": map[string]any{"email": p.Email, "email_verified": p.EmailVerified, "name": p.Name}},
		}, &out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		http.Redirect(w, r, out.RedirectTo, http.StatusFound)
	})
	return mux
}
