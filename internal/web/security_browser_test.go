package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestTOTPAndSessionsInBrowser: in a real Chromium a user enrols an
// authenticator on the Security page (secret and otpauth link shown,
// recovery codes once), signs in again through the second step with a code
// computed as the app would, signs in from a second browser, and ends that
// browser's session from the first: its next request lands on the sign-in
// page.
func TestTOTPAndSessionsInBrowser(t *testing.T) {
	ctxA := testenv.Browser(t)
	e := apitest.Boot(t, apitest.Options{})
	base := e.Main.Config.BaseURL
	in := e.CreateAccount(e.Root, 1, "integrator", "Second Factor Security")
	a := &browser{t: t, ctx: ctxA, base: base}

	a.signIn(in.Email, in.Password)
	a.do(chromedp.Navigate(base+"/security"), chromedp.WaitVisible(chromedp.CSS("form[action='/security/totp-begin'] button")))
	a.do(chromedp.Click(chromedp.CSS("form[action='/security/totp-begin'] button")), chromedp.WaitVisible(chromedp.CSS("[data-totp-secret]")))
	secret := strings.TrimSpace(a.text("[data-totp-secret]"))
	if link := a.eval(`document.querySelector("[data-otpauth]").getAttribute("href")`); !strings.HasPrefix(link, "otpauth://totp/") || !strings.Contains(link, secret) {
		t.Fatalf("otpauth link %q for secret %q", link, secret)
	}
	testenv.Screenshot(t, ctxA, "security-totp-enrol")
	// A wrong code keeps the secret on the page and names the field.
	a.do(chromedp.SetValue(chromedp.CSS("#f-code"), "000000"), chromedp.Click(chromedp.CSS("form[action='/security/totp-confirm'] button.primary")))
	a.do(chromedp.WaitVisible(chromedp.CSS("#e-code")), chromedp.WaitVisible(chromedp.CSS("[data-totp-secret]")))
	code, _ := totp.GenerateCode(secret, time.Now())
	a.do(chromedp.SetValue(chromedp.CSS("#f-code"), code), chromedp.Click(chromedp.CSS("form[action='/security/totp-confirm'] button.primary")))
	a.do(chromedp.WaitVisible(chromedp.CSS("[data-recovery-codes]")))
	if n := a.eval(`document.querySelectorAll("[data-recovery-codes] li").length`); n != "10" {
		t.Fatalf("%s recovery codes shown", n)
	}
	testenv.Screenshot(t, ctxA, "security-recovery-codes")

	// Sign in again: the password, then the code. A code signs in once, so
	// a second sign-in takes the next 30 s step's code (accepted: clocks
	// drift), as a user would wait for the app's next code.
	var lastStep int64
	signInTOTP := func(b *browser) {
		t.Helper()
		b.do(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-email")))
		b.do(chromedp.SetValue(chromedp.CSS("#f-email"), in.Email), chromedp.SetValue(chromedp.CSS("#f-password"), in.Password),
			chromedp.Click(chromedp.CSS("form[action='/login'] button.primary")))
		b.do(chromedp.WaitVisible(chromedp.CSS("#f-otp")))
		at := time.Now()
		if at.Unix()/30 <= lastStep {
			at = time.Unix((lastStep+1)*30, 0)
		}
		lastStep = at.Unix() / 30
		code, _ := totp.GenerateCode(secret, at)
		b.do(chromedp.SetValue(chromedp.CSS("#f-otp"), code), chromedp.Click(chromedp.CSS("form[action='/login'] button.primary")))
		b.waitPath("/")
	}
	a.signOut()
	a.do(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-email")))
	a.do(chromedp.SetValue(chromedp.CSS("#f-email"), in.Email), chromedp.SetValue(chromedp.CSS("#f-password"), in.Password),
		chromedp.Click(chromedp.CSS("form[action='/login'] button.primary")))
	a.do(chromedp.WaitVisible(chromedp.CSS("#f-otp")))
	testenv.Screenshot(t, ctxA, "sign-in-second-step")
	a.do(chromedp.SetValue(chromedp.CSS("#f-otp"), "123456"), chromedp.Click(chromedp.CSS("form[action='/login'] button.primary")))
	a.do(chromedp.WaitVisible(chromedp.CSS("#e-otp")))
	signInTOTP(a)

	// A second browser signs in; the first ends its session.
	b := &browser{t: t, ctx: testenv.Browser(t), base: base}
	signInTOTP(b)
	a.do(chromedp.Navigate(base+"/security"), chromedp.WaitVisible(chromedp.CSS("[data-sessions]")))
	// Newest first: the second browser's, this one's, and the API sign-in
	// that created the account in the test.
	if n := a.eval(`document.querySelectorAll("[data-sessions] tbody tr").length`); n != "3" {
		t.Fatalf("%s sessions listed, want 3", n)
	}
	testenv.Screenshot(t, ctxA, "security-sessions")
	a.do(chromedp.Click(chromedp.CSS("[data-sessions] tbody tr:not([data-current]) form button")))
	// The same path before and after the post: wait for the new page's count.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		n := a.eval(`document.readyState === "complete" && document.querySelector("[data-sessions]") ? String(document.querySelectorAll("[data-sessions] tbody tr").length) : ""`)
		if n == "2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q sessions after signing one out, want 2", n)
		}
	}
	b.do(chromedp.Navigate(base + "/accounts"))
	b.waitPath("/login")
	// The first browser is still signed in.
	a.do(chromedp.Navigate(base + "/accounts"))
	a.waitPath("/accounts")
}
