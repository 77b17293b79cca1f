package api_test

import (
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestDomainVerifiedByDNS: an integrator proves its custom domain with the
// TXT record _vigilo-challenge.<domain>, asked of the DNS server in
// VIGILO_DNS_RESOLVER (a real one on a loopback UDP port). Missing or
// holding another value, the domain stays unverified with a reason that
// names the record, and its Host brings no brand; with the right value it
// is verified by DNS and its Host serves the brand. Both databases.
func TestDomainVerifiedByDNS(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		dns := testenv.StartDNS(t)
		e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true, Env: map[string]string{"VIGILO_DNS_RESOLVER": dns.Addr}})
		acme := e.CreateAccount(e.Root, 1, "integrator", "Acme Security")
		path := "/api/v1/accounts/" + itoa(acme.ID) + "/branding"
		r := e.Must(200, "PUT", path, acme.Token, map[string]any{"product_name": "Acme Video", "custom_domain": "video.acme.test"})
		dom := r.JSON["domain"].(map[string]any)
		name, value := dom["txt_name"].(string), dom["txt_value"].(string)
		if name != "_vigilo-challenge.video.acme.test" || !strings.HasPrefix(value, "vigilo-") {
			t.Fatalf("challenge: %s", r.Body)
		}
		branded := func() bool {
			t.Helper()
			r := hostDo(t, e, "GET", "/login", "video.acme.test", nil)
			return r.Status == 200 && strings.Contains(string(r.Body), `id="brand-name">Acme Video<`)
		}
		unverified := func(why string, wants ...string) {
			t.Helper()
			r := e.Do("POST", path+"/verify", acme.Token, nil)
			if r.Status != 409 || r.Code() != "domain_unverified" {
				t.Fatalf("%s: %d %s", why, r.Status, r.Body)
			}
			for _, w := range wants {
				if !strings.Contains(string(r.Body), w) {
					t.Errorf("%s: the reason lacks %q: %s", why, w, r.Body)
				}
			}
			if d := e.Must(200, "GET", path, acme.Token, nil).JSON["domain"].(map[string]any); d["verified"] != false {
				t.Errorf("%s: verified anyway: %v", why, d)
			}
			if branded() {
				t.Errorf("%s: the unverified domain brings the brand", why)
			}
		}

		unverified("no record", "no TXT record "+name, value)
		dns.SetTXT("video.acme.test", value) // on the domain itself, not the challenge name
		unverified("record on the wrong name", "no TXT record "+name)
		dns.SetTXT(name, "vigilo-stale-value")
		unverified("wrong value", name, `holds \"vigilo-stale-value\"`, "not "+value)

		dns.SetTXT(name, "v=spf1 -all", value) // beside other values
		r = e.Must(200, "POST", path+"/verify", acme.Token, nil)
		if d := r.JSON["domain"].(map[string]any); d["verified"] != true || d["verified_by"] != "dns" {
			t.Fatalf("after publishing the record: %s", r.Body)
		}
		if !branded() {
			t.Error("the verified domain does not serve the brand")
		}
		if r := hostDo(t, e, "GET", "/login", "elsewhere.acme.test", nil); strings.Contains(string(r.Body), "Acme Video") {
			t.Error("another host got the brand")
		}
	})
}
