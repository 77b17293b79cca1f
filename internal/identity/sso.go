package identity

import (
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// SSOConfig is an account's OpenID Connect sign-in: the provider that
// vouches for the e-mail addresses of its domains. It covers the account's
// users and its whole subtree; users who arrive unknown are created in the
// account that owns the configuration, with its default role.
type SSOConfig struct {
	AccountID     int64
	Issuer        string
	ClientID      string
	ClientSecret  string // plain in memory; sealed in the database, never shown
	Domains       []string
	DefaultRoleID int64 // a role of AccountID; 0: its Viewer role
	Enabled       bool
}

// MaxSSODomains bounds a configuration's domain list.
const MaxSSODomains = 50

var domainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// Validate normalizes and checks the fields that need no database. An empty
// secret is allowed when keepSecret is set: a PUT that leaves it out keeps
// the stored one (the API never returns it, so a client cannot echo it).
func (c *SSOConfig) Validate(keepSecret bool) error {
	f := errs.Fields{}
	c.Issuer = strings.TrimRight(strings.TrimSpace(c.Issuer), "/")
	checkIssuer(f, c.Issuer)
	c.ClientID = strings.TrimSpace(c.ClientID)
	tenancy.CheckText(f, "client_id", c.ClientID, 255, true)
	if c.ClientSecret == "" && !keepSecret {
		f.Add("client_secret", "is required")
	} else {
		tenancy.CheckText(f, "client_secret", c.ClientSecret, 512, false)
	}
	seen := map[string]bool{}
	var out []string
	for _, d := range c.Domains {
		d = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(d)), "@")
		if d == "" || seen[d] {
			continue
		}
		if len(d) > 253 || !domainRE.MatchString(d) {
			f.Add("domains", "must be domain names such as example.com (got "+clipRunes(d, 60)+")")
			break
		}
		seen[d] = true
		out = append(out, d)
	}
	if len(out) == 0 && f["domains"] == "" {
		f.Add("domains", "list at least one e-mail domain the provider vouches for")
	}
	if len(out) > MaxSSODomains {
		f.Add("domains", "at most 50 domains")
	}
	c.Domains = out
	if c.DefaultRoleID < 0 {
		f.Add("default_role_id", "must be a role of this account")
	}
	return f.Err()
}

// checkIssuer accepts https URLs, and http only on loopback (a provider on
// the same machine, as in development and tests): the client secret and
// the tokens travel on this connection.
func checkIssuer(f errs.Fields, s string) {
	if s == "" {
		f.Add("issuer", "is required")
		return
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || len(s) > 500 {
		f.Add("issuer", "must be the provider's issuer URL, e.g. https://login.example.com")
		return
	}
	switch u.Scheme {
	case "https":
	case "http":
		h := u.Hostname()
		if ip := net.ParseIP(h); h != "localhost" && (ip == nil || !ip.IsLoopback()) {
			f.Add("issuer", "must use https (http only for a provider on this machine)")
		}
	default:
		f.Add("issuer", "must use https")
	}
}

// EmailDomain is the part of an address after its last @, lower-cased.
func EmailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(email[i+1:]))
}

// Covers reports whether the configuration vouches for the address.
func (c SSOConfig) Covers(email string) bool {
	d := EmailDomain(email)
	for _, x := range c.Domains {
		if x == d {
			return true
		}
	}
	return false
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// SSOEndpoint is what the relying party needs of a configuration to talk
// to its provider.
type SSOEndpoint struct {
	Issuer, ClientID, ClientSecret string
	RedirectURL                    string // our callback
}

// SSOIdentity is what a verified ID token says about the person.
type SSOIdentity struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
}
