package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

func brandPNG(t *testing.T, c color.RGBA) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 8))
	for x := 0; x < 16; x++ {
		for y := 0; y < 8; y++ {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

// hostDo sends a request with a Host header of its own (a custom domain
// mapped to the test server).
func hostDo(t *testing.T, e *apitest.Env, method, path, host string, body any) apitest.Response {
	t.Helper()
	buf, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, e.URL+path, bytes.NewReader(buf))
	req.Host = host
	req.Header.Set("Content-Type", "application/json")
	return e.Send(req)
}

func effectiveName(r apitest.Response) string {
	eff, _ := r.JSON["effective"].(map[string]any)
	s, _ := eff["product_name"].(string)
	return s
}

// TestBranding: a brand per integrator on both databases — inheritance down
// the tree, the branding module, every bad input refused by field with
// nothing written, custom domains (taken, IPs, wildcards, the operator's
// own), verification, sign-in limited to the domain's subtree, and the
// welcome mail of a customer two levels below the brand, read from Mailpit.
func TestBranding(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		mp := testenv.Mailpit(t)
		e := apitest.Boot(t, apitest.Options{Postgres: pg, Env: map[string]string{
			"VIGILO_BASE_URL":      "http://vms.vigilo.test:0",
			"VIGILO_SMTP_HOST":     mp.SMTPHost,
			"VIGILO_SMTP_PORT":     strconv.Itoa(mp.SMTPPort),
			"VIGILO_SMTP_FROM":     "Vigilo <no-reply@vigilo.test>",
			"VIGILO_DNS_RESOLVER":  "127.0.0.1:1", // nothing answers: DNS proof fails fast
			"VIGILO_MAIL_INTERVAL": "100ms",
		}})
		acme := e.CreateAccount(e.Root, 1, "integrator", "Acme Security")
		acmeSub := e.CreateAccount(acme.Token, acme.ID, "integrator", "Acme North")
		other := e.CreateAccount(e.Root, 1, "integrator", "Other Integrator")
		otherCust := e.CreateAccount(other.Token, other.ID, "customer", "Other Customer")
		path := func(id int64) string { return "/api/v1/accounts/" + itoa(id) + "/branding" }

		// Nobody set a brand: the installation's name, marked default.
		r := e.Must(200, "GET", path(otherCust.ID), otherCust.Token, nil)
		if effectiveName(r) != "" || r.JSON["effective"].(map[string]any)["default"] != true {
			t.Fatalf("unbranded: %s", r.Body)
		}

		// Every bad part at once: 400 naming each field, nothing written.
		svg := "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(`<svg><script>alert(1)</script></svg>`))
		big := "data:image/png;base64," + base64.StdEncoding.EncodeToString(make([]byte, 600<<10))
		r = e.Must(400, "PUT", path(acme.ID), acme.Token, map[string]any{"product_name": "Acme Video", "primary_color": "#f0f0f0",
			"accent_color": "#ffff00", "logo": svg, "favicon": "data:image/png;base64,bm90IGEgcG5n", "custom_domain": "203.0.113.9"})
		for _, f := range []string{"primary_color", "accent_color", "logo", "favicon", "custom_domain"} {
			if _, ok := r.Fields()[f]; !ok {
				t.Errorf("no field error for %s: %s", f, r.Body)
			}
		}
		if !strings.Contains(r.Fields()["logo"].(string), "script") {
			t.Errorf("SVG with script: %s", r.Fields()["logo"])
		}
		for field, body := range map[string]map[string]any{
			"logo":          {"product_name": "Acme Video", "logo": big},
			"custom_domain": {"product_name": "Acme Video", "custom_domain": "*.acme.test"},
		} {
			r = e.Must(400, "PUT", path(acme.ID), acme.Token, body)
			if _, ok := r.Fields()[field]; !ok {
				t.Errorf("%s: %s", field, r.Body)
			}
		}
		for _, d := range []string{"vms.vigilo.test", "portal.vms.vigilo.test"} {
			r = e.Must(400, "PUT", path(acme.ID), acme.Token, map[string]any{"product_name": "Acme Video", "custom_domain": d})
			if !strings.Contains(r.Fields()["custom_domain"].(string), "operator") {
				t.Errorf("operator's domain %s: %s", d, r.Body)
			}
		}
		if r = e.Must(200, "GET", path(acme.ID), acme.Token, nil); r.JSON["own"] != false || r.JSON["custom_domain"] != "" {
			t.Fatalf("a refused PUT wrote something: %s", r.Body)
		}

		// The operator's brand, then Acme's.
		e.Must(200, "PUT", path(1), e.Root, map[string]any{"product_name": "Operator Cloud", "primary_color": "#333333"})
		logo := brandPNG(t, color.RGBA{200, 0, 0, 255})
		r = e.Must(200, "PUT", path(acme.ID), acme.Token, map[string]any{"product_name": "Acme Video", "primary_color": "#8b0000",
			"accent_color": "#a10000", "logo": logo, "support_email": "help@acme.test", "mail_sender_name": "Acme Video Team",
			"mail_reply_to": "support@acme.test", "texts": map[string]string{"welcome": "Welcome aboard Acme Video, the eyes of Acme."},
			"custom_domain": "Video.Acme.test"})
		if r.JSON["custom_domain"] != "video.acme.test" || !strings.HasPrefix(r.JSON["logo"].(string), "data:image/png;base64,") {
			t.Fatalf("PUT: %s", r.Body)
		}
		dom := r.JSON["domain"].(map[string]any)
		if dom["verified"] != false || dom["txt_name"] != "_vigilo-challenge.video.acme.test" || !strings.HasPrefix(dom["txt_value"].(string), "vigilo-") {
			t.Fatalf("domain: %v", dom)
		}
		// Another integrator cannot take the same name.
		r = e.Must(400, "PUT", path(other.ID), other.Token, map[string]any{"product_name": "Other", "custom_domain": "video.acme.test"})
		if !strings.Contains(r.Fields()["custom_domain"].(string), "taken") {
			t.Errorf("taken domain: %s", r.Body)
		}

		// Inheritance: two levels below Acme shows Acme; Acme's parent (the
		// operator) is named only to those who may see it.
		cust := e.CreateAccount(acmeSub.Token, acmeSub.ID, "customer", "Deep Customer")
		r = e.Must(200, "GET", path(cust.ID), cust.Token, nil)
		if effectiveName(r) != "Acme Video" || r.JSON["effective"].(map[string]any)["inherited_from"] != nil {
			t.Errorf("customer below Acme: %s", r.Body)
		}
		r = e.Must(200, "GET", path(cust.ID), acme.Token, nil)
		if r.JSON["effective"].(map[string]any)["inherited_from"] != float64(acme.ID) {
			t.Errorf("seen by Acme: %s", r.Body)
		}
		if r = e.Must(200, "GET", path(otherCust.ID), otherCust.Token, nil); effectiveName(r) != "Operator Cloud" {
			t.Errorf("customer elsewhere: %s", r.Body)
		}
		// Customers never set a brand of their own.
		e.Must(403, "PUT", path(cust.ID), cust.Token, map[string]any{"product_name": "Mine"})

		// The branding module: switched off for Acme, its brand stays
		// stored but its subtree shows the operator's again, at once.
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(acme.ID)+"/modules", e.Root, map[string]bool{"branding": false})
		if r = e.Must(200, "GET", path(cust.ID), cust.Token, nil); effectiveName(r) != "Operator Cloud" {
			t.Errorf("module off: %s", r.Body)
		}
		if r = e.Must(403, "PUT", path(acme.ID), acme.Token, map[string]any{"product_name": "Acme Again"}); r.Code() != "module_disabled" {
			t.Errorf("PUT with the module off: %s", r.Body)
		}
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(acme.ID)+"/modules", e.Root, map[string]bool{"branding": true})
		if r = e.Must(200, "GET", path(cust.ID), cust.Token, nil); effectiveName(r) != "Acme Video" {
			t.Errorf("module on again: %s", r.Body)
		}

		// An unverified domain brings nothing: sign-in through it is not
		// limited. DNS proof fails without the record; the operator vouches.
		if r = hostDo(t, e, "POST", "/api/v1/auth/login", "video.acme.test", map[string]string{"email": otherCust.Email, "password": otherCust.Password}); r.Status != 200 {
			t.Errorf("unverified domain limited sign-in: %s", r.Body)
		}
		if r = e.Must(409, "POST", path(acme.ID)+"/verify", acme.Token, nil); r.Code() != "domain_unverified" {
			t.Errorf("DNS proof without a record: %s", r.Body)
		}
		r = e.Must(200, "POST", path(acme.ID)+"/verify", e.Root, nil)
		if d := r.JSON["domain"].(map[string]any); d["verified"] != true || d["verified_by"] != "operator" {
			t.Errorf("manual verification: %s", r.Body)
		}
		// Through Acme's domain only Acme's subtree signs in; others get
		// the ordinary refusal.
		r = hostDo(t, e, "POST", "/api/v1/auth/login", "video.acme.test:443", map[string]string{"email": otherCust.Email, "password": otherCust.Password})
		if r.Status != 401 || r.Code() != "invalid_credentials" {
			t.Errorf("foreign user through Acme's domain: %d %s", r.Status, r.Body)
		}
		if r = hostDo(t, e, "POST", "/api/v1/auth/login", "video.acme.test", map[string]string{"email": cust.Email, "password": cust.Password}); r.Status != 200 {
			t.Errorf("Acme's customer through Acme's domain: %s", r.Body)
		}

		// Mail: a customer two levels below Acme gets Acme's welcome; a
		// customer elsewhere none of it.
		deep := "deep-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "@vigilo.test"
		e.Must(201, "POST", "/api/v1/accounts", acmeSub.Token, map[string]any{"type": "customer", "parent_id": acmeSub.ID, "name": "Deep Two", "email": deep})
		elsewhere := "elsewhere-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "@vigilo.test"
		e.Must(201, "POST", "/api/v1/accounts", other.Token, map[string]any{"type": "customer", "parent_id": other.ID, "name": "Elsewhere", "email": elsewhere})
		m := mp.WaitMessage(t, deep, "Welcome to Acme Video", 15*time.Second)
		if m.FromName != "Acme Video Team" || m.From != "no-reply@vigilo.test" || len(m.ReplyTo) != 1 || m.ReplyTo[0] != "support@acme.test" {
			t.Errorf("branded sender: from %q <%s>, reply-to %v", m.FromName, m.From, m.ReplyTo)
		}
		for _, want := range []string{"Welcome aboard Acme Video", "http://video.acme.test/confirm?token=", "help@acme.test"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("welcome text lacks %q:\n%s", want, m.Text)
			}
		}
		if !strings.Contains(m.HTML, "http://video.acme.test/brand/"+itoa(acme.ID)+"/logo?v=") {
			t.Errorf("welcome HTML lacks the logo:\n%s", m.HTML)
		}
		m = mp.WaitMessage(t, elsewhere, "Welcome to", 15*time.Second)
		if strings.Contains(m.Text+m.HTML+m.FromName+m.Subject, "Acme") || len(m.ReplyTo) != 0 {
			t.Errorf("a customer elsewhere got Acme's brand: %q %q %v\n%s", m.Subject, m.FromName, m.ReplyTo, m.Text)
		}

		// Preview: unsaved text in, nothing stored.
		r = e.Must(200, "POST", path(acme.ID)+"/preview", acme.Token, map[string]any{"kind": "reset", "product_name": "Acme Video",
			"texts": map[string]string{"reset": "Preview paragraph."}})
		if !strings.Contains(r.JSON["text"].(string), "Preview paragraph.") || r.JSON["from_name"] != "Acme Video" {
			t.Errorf("preview: %s", r.Body)
		}
		e.Must(400, "POST", path(acme.ID)+"/preview", acme.Token, map[string]any{"kind": "nope", "product_name": "x"})

		// The operator lists and revokes domains; nobody else may.
		e.Must(403, "GET", "/api/v1/branding/domains", acme.Token, nil)
		r = e.Must(200, "GET", "/api/v1/branding/domains", e.Root, nil)
		if items := r.Items(); len(items) != 1 || items[0]["name"] != "video.acme.test" || items[0]["account_id"] != float64(acme.ID) {
			t.Errorf("domains: %s", r.Body)
		}
		e.Must(204, "DELETE", "/api/v1/branding/domains/video.acme.test", e.Root, nil)
		if r = hostDo(t, e, "POST", "/api/v1/auth/login", "video.acme.test", map[string]string{"email": otherCust.Email, "password": otherCust.Password}); r.Status != 200 {
			t.Errorf("revoked domain still limits sign-in: %s", r.Body)
		}
	})
}
