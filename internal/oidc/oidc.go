// Package oidc is Vigilo's OpenID Connect relying party: discovery, the
// authorization URL (state, nonce, PKCE S256) and the code exchange with the
// ID token's verification, over github.com/coreos/go-oidc and
// golang.org/x/oauth2. It knows nothing of accounts or users; internal/app
// decides who an identity is.
package oidc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vigilo/vigilo/internal/identity"
)

// discoveryTTL is how long a provider's discovery document is reused; its
// signing keys are refreshed by go-oidc when an unknown key id shows up.
const discoveryTTL = 10 * time.Minute

// Client talks to the providers that accounts configure. Every connection
// goes through dial, the deployment's outbound address policy: an issuer URL
// is chosen by a tenant, so it must not reach the server's own network.
type Client struct {
	http *http.Client
	now  func() time.Time

	mu        sync.Mutex
	providers map[string]cachedProvider
}

type cachedProvider struct {
	p    *gooidc.Provider
	seen time.Time
}

// New builds a client whose connections use dial (nil: the default dialer).
func New(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // the policy judges the provider's address, not a proxy's
	if dial != nil {
		tr.DialContext = dial
	}
	return &Client{
		http: &http.Client{Transport: tr, Timeout: 10 * time.Second,
			CheckRedirect: func(_ *http.Request, via []*http.Request) error {
				if len(via) >= 3 {
					return errors.New("too many redirects")
				}
				return nil
			}},
		now:       time.Now,
		providers: map[string]cachedProvider{},
	}
}

func (c *Client) ctx(ctx context.Context) context.Context {
	return gooidc.ClientContext(context.WithValue(ctx, oauth2.HTTPClient, c.http), c.http)
}

// provider returns the issuer's discovery, cached for discoveryTTL.
func (c *Client) provider(ctx context.Context, issuer string) (*gooidc.Provider, error) {
	c.mu.Lock()
	cp, ok := c.providers[issuer]
	c.mu.Unlock()
	if ok && c.now().Sub(cp.seen) < discoveryTTL {
		return cp.p, nil
	}
	// The provider keeps the client for its key set; the request's context
	// only bounds the discovery itself.
	p, err := gooidc.NewProvider(gooidc.ClientContext(ctx, c.http), issuer)
	if err != nil {
		return nil, fmt.Errorf("discovery at %s: %w", issuer, err)
	}
	c.mu.Lock()
	if len(c.providers) > 1000 { // many tenants' issuers: start over rather than grow
		clear(c.providers)
	}
	c.providers[issuer] = cachedProvider{p: p, seen: c.now()}
	c.mu.Unlock()
	return p, nil
}

func config(p *gooidc.Provider, ep identity.SSOEndpoint) *oauth2.Config {
	return &oauth2.Config{ClientID: ep.ClientID, ClientSecret: ep.ClientSecret, RedirectURL: ep.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: []string{gooidc.ScopeOpenID, "email", "profile"}}
}

// AuthURL is where the browser goes to sign in: the provider's
// authorization endpoint with state, nonce and the S256 challenge of
// verifier (RFC 7636), and the address as a login hint.
func (c *Client) AuthURL(ctx context.Context, ep identity.SSOEndpoint, state, nonce, verifier, hint string) (string, error) {
	p, err := c.provider(ctx, ep.Issuer)
	if err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)}
	if hint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", hint))
	}
	return config(p, ep).AuthCodeURL(state, opts...), nil
}

// Exchange trades the callback's code (with the PKCE verifier) for tokens
// and verifies the ID token: signature by the issuer's keys, issuer,
// audience (our client id), expiry, and the nonce of this sign-in.
func (c *Client) Exchange(ctx context.Context, ep identity.SSOEndpoint, code, verifier, nonce string) (identity.SSOIdentity, error) {
	var id identity.SSOIdentity
	p, err := c.provider(ctx, ep.Issuer)
	if err != nil {
		return id, err
	}
	tok, err := config(p, ep).Exchange(c.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return id, fmt.Errorf("code exchange: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return id, errors.New("the provider returned no ID token")
	}
	idt, err := p.Verifier(&gooidc.Config{ClientID: ep.ClientID}).Verify(c.ctx(ctx), raw)
	if err != nil {
		return id, fmt.Errorf("ID token: %w", err)
	}
	if idt.Nonce != nonce {
		return id, errors.New("ID token: nonce does not match this sign-in")
	}
	var claims struct {
		Email    string `json:"email"`
		Verified any    `json:"email_verified"` // some providers send "true"
		Name     string `json:"name"`
	}
	if err := idt.Claims(&claims); err != nil {
		return id, fmt.Errorf("ID token claims: %w", err)
	}
	id.Subject, id.Email, id.Name = idt.Subject, claims.Email, claims.Name
	id.EmailVerified = claims.Verified == true || claims.Verified == "true"
	return id, nil
}
