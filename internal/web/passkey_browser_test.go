package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestPasskeysInBrowser: in a real Chromium with a virtual authenticator
// (CTAP2, resident keys, user verification), a user adds a passkey on the
// Security page, signs out, signs in with the passkey alone (no password,
// no code although TOTP is on), and after removing it the authenticator's
// credential no longer signs in. Audited. Both databases.
func TestPasskeysInBrowser(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			ctx := testenv.Browser(t)
			e := apitest.Boot(t, apitest.Options{Postgres: pg})
			base := e.Main.Config.BaseURL // http://localhost:port: WebAuthn needs a domain, not an IP
			in := e.CreateAccount(e.Root, 1, "integrator", "Passkey Int")
			b := &browser{t: t, ctx: ctx, base: base}
			if err := chromedp.Do(ctx, chromedp.Func(func(c context.Context, tg *chromedp.Target) error {
				if _, err := cdp.Call(c, tg, webauthn.Enable, webauthn.EnableParams{}); err != nil {
					return err
				}
				_, err := cdp.Call(c, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
					Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2,
						Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
						IsUserVerified: true, AutomaticPresenceSimulation: true}})
				return err
			})); err != nil {
				t.Fatal(err)
			}
			r := e.Must(200, "POST", "/api/v1/me/totp", in.Token, nil)
			secret := r.JSON["secret"].(string)
			code, _ := totp.GenerateCode(secret, time.Now())
			e.Must(200, "POST", "/api/v1/me/totp/confirm", in.Token, map[string]string{"code": code})

			// Add a passkey: password and code first, then the Security page.
			b.do(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-email")))
			b.do(chromedp.SetValue(chromedp.CSS("#f-email"), in.Email), chromedp.SetValue(chromedp.CSS("#f-password"), in.Password),
				chromedp.Click(chromedp.CSS("form[action='/login'] button.primary")), chromedp.WaitVisible(chromedp.CSS("#f-otp")))
			code, _ = totp.GenerateCode(secret, time.Now())
			b.do(chromedp.SetValue(chromedp.CSS("#f-otp"), code), chromedp.Click(chromedp.CSS("form[action='/login'] button.primary")))
			b.waitPath("/")
			b.do(chromedp.Navigate(base+"/security"), chromedp.WaitVisible(chromedp.CSS("form[data-passkey-add] button")))
			b.do(chromedp.SetValue(chromedp.CSS("#f-passkey-name"), "Test laptop"), chromedp.Click(chromedp.CSS("form[data-passkey-add] button")))
			b.do(chromedp.WaitVisible(chromedp.CSS("[data-passkeys] tr[data-passkey]")))
			if name := b.text("[data-passkeys] tr[data-passkey] td"); name != "Test laptop" {
				t.Fatalf("passkey listed as %q", name)
			}
			testenv.Screenshot(t, ctx, "security-passkeys")
			b.signOut()

			// Password-less sign-in.
			b.do(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#passkey-sign-in")))
			b.do(chromedp.Click(chromedp.CSS("#passkey-sign-in")))
			b.waitPath("/") // the dashboard: signed in, and no code asked

			// Removed: the authenticator still holds the credential, the server no longer accepts it.
			b.do(chromedp.Navigate(base+"/security"), chromedp.WaitVisible(chromedp.CSS("[data-passkeys] tr[data-passkey] form button")))
			// The old page still shows the row until the post-redirect-get has
			// loaded, so the test waits for the list to empty rather than
			// reading it once (a loaded CI machine read the old page).
			b.do(chromedp.Click(chromedp.CSS("[data-passkeys] tr[data-passkey] form button")))
			// Evaluations fail while the page navigates; those tries are skipped.
			for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				n, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`document.readyState === "complete" && document.querySelector("form[data-passkey-add] button") ? document.querySelectorAll("[data-passkeys] tr[data-passkey]").length : -1`))
				if err == nil && n == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the passkey is still listed 15 s after removal (rows %v, %v)", n, err)
				}
			}
			b.waitPath("/security")
			b.signOut()
			b.do(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#passkey-sign-in")))
			b.do(chromedp.Click(chromedp.CSS("#passkey-sign-in")), chromedp.WaitVisible(chromedp.CSS("form[data-passkey-signin] [data-passkey-error]")))
			b.waitPath("/login")

			seen := map[string]bool{}
			for _, it := range e.Must(200, "GET", "/api/v1/audit?per_page=200", in.Token, nil).Items() {
				d, _ := it["detail"].(map[string]any)
				key := it["action"].(string)
				if d != nil && d["method"] != nil {
					key += "/" + d["method"].(string)
				}
				seen[key] = true
			}
			for _, k := range []string{"user.passkey_added", "user.passkey_removed", "user.login/passkey"} {
				if !seen[k] {
					t.Errorf("audit lacks %s: %v", k, seen)
				}
			}
		})
	}
}
