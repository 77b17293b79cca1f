package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vigilo/vigilo/internal/testenv"
)

// TestSSOInBrowser: in a real Chromium, an integrator's administrator sets
// up SSO on the account page's SSO tab; a person of the covered domain types
// the address on the sign-in page, gets "Continue with SSO", signs in at
// the provider (ory/hydra with its login and consent app) and lands in the
// portal as a new user of the integrator.
func TestSSOInBrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	h := testenv.Hydra(t)
	e := bootForSSO(t, false)
	in := e.CreateAccount(e.Root, 1, "integrator", "Browser SSO Int")
	id, secret := h.CreateClient(t, e.URL+"/auth/oidc/callback")
	b := &browser{t: t, ctx: ctx, base: e.URL}

	// The administrator fills in the SSO tab.
	b.signIn(in.Email, in.Password)
	b.do(chromedp.Navigate(e.URL+"/accounts/"+itoa(in.ID)+"/sso"), chromedp.WaitVisible(chromedp.CSS("#sso-form")))
	if uri := b.text("#sso-redirect-uri"); uri != e.URL+"/auth/oidc/callback" {
		t.Fatalf("redirect URI shown: %q", uri)
	}
	b.do(chromedp.SetValue(chromedp.CSS("#f-issuer"), h.Issuer), chromedp.SetValue(chromedp.CSS("#f-client_id"), id),
		chromedp.SetValue(chromedp.CSS("#f-client_secret"), secret), chromedp.SetValue(chromedp.CSS("#f-domains"), "browser.example"))
	testenv.Screenshot(t, ctx, "account-sso-tab")
	// The same path before and after: the saved page is the one with Remove.
	b.do(chromedp.Click(chromedp.CSS("#sso-form button.primary")), chromedp.WaitVisible(chromedp.CSS("#sso-form button.danger")))
	if r := e.Must(200, "GET", "/api/v1/accounts/"+itoa(in.ID)+"/sso", in.Token, nil); r.JSON["client_secret_set"] != true || r.JSON["enabled"] != true {
		t.Fatalf("not saved from the form: %s\n%s", r.Body, b.eval(`document.querySelector("main").innerText`))
	}
	b.signOut()

	// A person of the domain: the button appears as the address is typed.
	b.do(chromedp.Navigate(e.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-email")))
	if v := b.eval(`document.querySelector("[data-sso]").hidden`); v != "true" {
		t.Fatalf("SSO offered before an address: %s", v)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#f-email"), "zoe@browser.example"), chromedp.WaitVisible(chromedp.CSS("[data-sso-link]")))
	testenv.Screenshot(t, ctx, "sign-in-continue-with-sso")
	b.do(chromedp.Click(chromedp.CSS("[data-sso-link]")), chromedp.WaitVisible(chromedp.CSS("#provider-sign-in")))
	if hint := b.eval(`document.querySelector("#provider-subject").value`); hint != "zoe@browser.example" {
		t.Fatalf("login hint at the provider: %q", hint)
	}
	b.do(chromedp.Click(chromedp.CSS("#provider-sign-in")))
	b.waitPath("/video") // a new user with the default (Viewer) role
	u, err := e.Main.Store.R().UserByEmail(t.Context(), "zoe@browser.example")
	if err != nil || u.AccountID != in.ID || !u.Confirmed() {
		t.Fatalf("JIT user: %+v %v", u, err)
	}
	testenv.Screenshot(t, ctx, "signed-in-through-sso")
}
