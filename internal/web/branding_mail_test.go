package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// TestBrandingMailPreview: the Branding tab frames a preview of the
// subtree's mails, rendered by the templates that send them: the saved
// brand for each of welcome, reset, alert and invoice; the form as typed
// (not saved) through "Preview mail"; a refusal naming the field for a
// brand that cannot be saved; never for a customer or another tree; and
// only ever framed by the portal itself, without script.
func TestBrandingMailPreview(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{Quiet: true})
	acme := e.CreateAccount(e.Root, 1, "integrator", "Acme Security")
	cust := e.CreateAccount(acme.Token, acme.ID, "customer", "Acme Customer")
	other := e.CreateAccount(e.Root, 1, "integrator", "Other Integrator")
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(acme.ID)+"/branding", acme.Token, map[string]any{"product_name": "Acme Video",
		"accent_color": "#a10000", "logo": brandLogo(t), "mail_sender_name": "Acme Video Team", "mail_reply_to": "support@acme.test",
		"support_email": "help@acme.test", "texts": map[string]string{"welcome": "Welcome aboard Acme Video.", "reset": "Acme resets.",
			"alert": "Acme watches.", "invoice": "Acme bills."}})

	owner := newClient(t, e)
	owner.signIn(acme.Email, acme.Password)
	tab := "/accounts/" + itoa(acme.ID) + "/branding"
	preview := tab + "/mail-preview"
	p := owner.get(tab)
	for _, want := range []string{`id="branding-mail-preview"`, `name="mail-preview"`, `src="` + preview + `?kind=welcome"`,
		`formaction="` + preview + `"`, `formtarget="mail-preview"`, `<option value="invoice">`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the tab lacks %q", want)
		}
	}

	// The saved brand, each mail.
	for kind, want := range map[string][]string{
		"welcome": {"Welcome aboard Acme Video.", "/confirm?token=preview"},
		"reset":   {"Acme resets.", "/reset?token=preview"},
		"alert":   {"Acme watches.", "Front door"},
		"invoice": {"Acme bills.", "42.00", "Example Customer"},
	} {
		resp := owner.get(preview + "?kind=" + kind)
		body := resp.Body
		if resp.Status != 200 {
			t.Errorf("%s: %d %.300s", kind, resp.Status, body)
			continue
		}
		for _, w := range append(want, `id="mail-subject">`, "Acme Video", `id="mail-from">Acme Video Team<`,
			`id="mail-reply-to">support@acme.test<`, "help@acme.test", "/brand/"+itoa(acme.ID)+"/logo?v=") {
			if !strings.Contains(body, w) {
				t.Errorf("%s preview lacks %q", kind, w)
			}
		}
		if strings.Contains(body, "Vigilo") {
			t.Errorf("%s preview names Vigilo", kind)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "frame-ancestors 'self'") || strings.Contains(csp, "script-src") ||
			resp.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
			t.Errorf("%s preview headers: CSP %q, XFO %q", kind, csp, resp.Header.Get("X-Frame-Options"))
		}
	}

	// The form as typed, not saved: "Preview mail".
	form := url.Values{"product_name": {"Acme Vision"}, "mail_sender_name": {"Vision Desk"}, "text_reset": {"Typed, not saved."},
		"preview_kind": {"reset"}}
	p = owner.post(tab, preview, form)
	if p.Status != 200 || !strings.Contains(p.Body, "Typed, not saved.") || !strings.Contains(p.Body, "Acme Vision") ||
		!strings.Contains(p.Body, `id="mail-from">Vision Desk<`) {
		t.Errorf("preview of the typed form: %d %.500s", p.Status, p.Body)
	}
	if r := e.Must(200, "GET", "/api/v1/accounts/"+itoa(acme.ID)+"/branding", acme.Token, nil); r.JSON["product_name"] != "Acme Video" {
		t.Errorf("the preview saved the brand: %s", r.Body)
	}
	// A brand that cannot be saved cannot be previewed: the field is named.
	p = owner.post(tab, preview, url.Values{"product_name": {"Acme Vision"}, "accent_color": {"#ffff00"}, "preview_kind": {"welcome"}})
	if p.Status != 400 || !strings.Contains(p.Body, `data-field="accent_color"`) || !strings.Contains(p.Body, "contrast") {
		t.Errorf("preview of an unreadable colour: %d %.300s", p.Status, p.Body)
	}
	if p := owner.get(preview + "?kind=newsletter"); p.Status != 400 || !strings.Contains(p.Body, `data-field="kind"`) {
		t.Errorf("unknown kind: %d %.300s", p.Status, p.Body)
	}

	// Not for a customer's tab, nor for another tree.
	if p := owner.get("/accounts/" + itoa(cust.ID) + "/branding/mail-preview?kind=welcome"); p.Status == 200 {
		t.Errorf("customer's mail preview: %d", p.Status)
	}
	stranger := newClient(t, e)
	stranger.signIn(other.Email, other.Password)
	if p := stranger.get(preview + "?kind=welcome"); p.Status == 200 || strings.Contains(p.Body, "Acme") {
		t.Errorf("another tree's mail preview: %d", p.Status)
	}
}
