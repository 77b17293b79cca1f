package web_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestPortalInBrowser walks the seed's flow in a real Chromium against the
// real server and a real SMTP server (Mailpit): as the operator, create a
// sub-integrator through the whole wizard (prices, details, plans across two
// pages with one plan switched off and one renamed and repriced), confirm
// the welcome e-mail, sign in as the integrator and see the plans as set,
// create a customer, a role and a Guard user, disable the customer and see
// its users refused. Each step leaves a screenshot for docs/SCREENSHOTS.md.
func TestPortalInBrowser(t *testing.T) {
	mp := testenv.Mailpit(t)
	ctx := testenv.Browser(t)
	e := apitest.Boot(t, apitest.Options{Env: map[string]string{
		"VIGILO_SMTP_HOST": mp.SMTPHost, "VIGILO_SMTP_PORT": strconv.Itoa(mp.SMTPPort),
		"VIGILO_SMTP_FROM": "Vigilo <no-reply@vigilo.test>", "VIGILO_OPERATOR_NAME": "Acme Cloud Video",
	}})
	base := e.Main.Config.BaseURL // http://localhost:<port>: Secure cookies stick on localhost
	start := time.Now()

	// Enough plans for two pages in the wizard (10 a page): the four
	// default plans and eight more.
	for i := 1; i <= 8; i++ {
		e.Must(201, "POST", "/api/v1/plans", e.Root, map[string]any{"name": fmt.Sprintf("Retail %02d days", 10+i), "kind": "fixed",
			"retention_days": 10 + i, "recording_mode": "continuous", "price": fmt.Sprintf("%d.00", 6+i)})
	}

	b := &browser{t: t, ctx: ctx, base: base}
	shot := 0
	snap := func(name string) {
		t.Helper()
		shot++
		testenv.Screenshot(t, ctx, fmt.Sprintf("%02d-%s", shot, name))
	}

	// 1. Sign in as the operator.
	b.do(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-email")))
	// By keyboard: type, Tab to the password, Enter submits.
	b.do(chromedp.Focus(chromedp.CSS("#f-email")), chromedp.SendKeys(chromedp.CSS("#f-email"), apitest.AdminEmail+"\t"))
	if f := b.eval(`document.activeElement.id`); f != "f-password" {
		t.Fatalf("Tab from the e-mail goes to %q", f)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#f-password"), apitest.AdminPassword))
	snap("sign-in")
	b.do(chromedp.SendKeys(chromedp.CSS("#f-password"), "\r"))
	b.waitPath("/")
	snap("operator-dashboard")

	// 2. Customers → Add → the popup → Integrator.
	b.do(chromedp.Click(chromedp.CSS(".mainnav a[href='/accounts']")))
	b.waitPath("/accounts")
	// The popup opens and takes the focus, so the keyboard continues in it.
	b.do(chromedp.Click(chromedp.CSS("#add-button")), chromedp.WaitVisible(chromedp.CSS("#add-dialog #choose-integrator")))
	if f := b.eval(`document.activeElement.id`); f != "choose-integrator" {
		t.Fatalf("focus in the Add popup is on %q", f)
	}
	snap("add-popup")
	b.do(chromedp.Click(chromedp.CSS("#add-dialog #choose-integrator")))
	b.waitStep("prices")

	// 3. Prices: Next without them shows errors next to the fields.
	b.do(chromedp.Click(chromedp.CSS("#wizard-next")))
	b.waitStep("prices")
	b.do(chromedp.WaitVisible(chromedp.CSS("#e-storage_price")))
	if got := b.text("#e-storage_price"); !strings.Contains(got, "Storage price") || !strings.Contains(got, "required") {
		t.Fatalf("storage price error = %q", got)
	}
	snap("wizard-prices-validation")
	b.do(chromedp.SetValue(chromedp.CSS("#f-storage_price"), "0.03"), chromedp.SetValue(chromedp.CSS("#f-traffic_price"), "0.01"))
	b.do(chromedp.Click(chromedp.CSS("#wizard-next")))
	b.waitStep("details")

	// 4. Details, with a real address the welcome mail goes to.
	owner := "owner@northwind.test"
	for id, v := range map[string]string{"#f-name": "Northwind Security", "#f-contact_person": "Nora Lind", "#f-email": owner,
		"#f-phone": "+46 8 555 0100", "#f-company": "Northwind Security AB", "#f-address": "Storgatan 1, Stockholm"} {
		b.do(chromedp.SetValue(chromedp.CSS(id), v))
	}
	snap("wizard-details")
	b.do(chromedp.Click(chromedp.CSS("#wizard-next")))
	b.waitStep("plans")

	// 5. Plans, page 1: switch "Events 14 days" off.
	off := b.planRowByName("Events 14 days")
	before := b.text("#plans-on")
	b.do(chromedp.Click(chromedp.CSS("tr[data-plan='" + off + "'] label.switch")))
	if on := b.eval(`document.getElementById("plan_` + off + `_on").checked`); on != "false" {
		t.Fatalf("switch of plan %s still on", off)
	}
	if n, m := b.text("#plans-on"), before; atoiOr(n, -1) != atoiOr(m, -1)-1 {
		t.Fatalf("the selected count went from %q to %q after switching one plan off", m, n)
	}
	snap("wizard-plans-page-1")
	// Page 2: rename and reprice its first plan, for this account only.
	b.do(chromedp.Click(chromedp.CSS("button[name=go][value='plans:2']")))
	b.do(chromedp.WaitVisible(chromedp.CSS("button[name=go][value='plans:1']:not([disabled])")))
	renamed := b.eval(`document.querySelector("#wizard-plans tbody tr[data-plan]").getAttribute("data-plan")`)
	origName := b.eval(`document.getElementById("plan_` + renamed + `_name").value`)
	b.do(chromedp.SetValue(chromedp.CSS("#plan_"+renamed+"_name"), "Gold 60 days"), chromedp.SetValue(chromedp.CSS("#plan_"+renamed+"_price"), "21.50"))
	snap("wizard-plans-page-2")
	// Back to page 1 and forth again: the switch and the edits survive.
	b.do(chromedp.Click(chromedp.CSS("button[name=go][value='plans:1']")))
	b.do(chromedp.WaitVisible(chromedp.CSS("tr[data-plan='" + off + "']")))
	if on := b.eval(`document.getElementById("plan_` + off + `_on").checked`); on != "false" {
		t.Fatalf("switch of plan %s lost across pages", off)
	}
	if v := b.eval(`new FormData(document.getElementById("wizard-form")).getAll("plan_` + off + `_on").join(",")`); v != "0" {
		t.Fatalf("the form would send plan_%s_on = %q", off, v)
	}
	b.do(chromedp.Click(chromedp.CSS("#wizard-create")))
	b.waitPath("/accounts")
	if got := b.text(".flash"); !strings.Contains(got, "Northwind Security") || !strings.Contains(got, owner) {
		t.Fatalf("flash after create = %q", got)
	}
	b.do(chromedp.WaitVisible(chromedp.CSS("#accounts td a")))
	snap("integrator-created")

	// 6. The welcome mail, from the real SMTP server; its link confirms.
	msg := mp.WaitMessage(t, owner, "Welcome", 20*time.Second)
	var link string
	for _, l := range testenv.Links(msg.Text) {
		if strings.Contains(l, "/confirm?token=") {
			link = l
		}
	}
	if !strings.HasPrefix(link, base+"/confirm?token=") {
		t.Fatalf("no confirmation link in %q", msg.Text)
	}
	b.signOut()
	b.do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("form[action='/confirm'] #f-password")))
	b.do(chromedp.SetValue(chromedp.CSS("#f-password"), "northwind-pass-1"), chromedp.SetValue(chromedp.CSS("#f-password_again"), "northwind-pass-1"))
	snap("confirm-email")
	b.do(chromedp.Click(chromedp.CSS("form[action='/confirm'] button.primary")))
	b.waitPath("/login")
	if got := b.text(".flash"); !strings.Contains(got, "confirmed") {
		t.Fatalf("flash after confirm = %q", got)
	}
	b.signIn(owner, "northwind-pass-1")

	// 7. The integrator's plans: the renamed one at its new price, not the
	// switched-off one.
	b.do(chromedp.Click(chromedp.CSS(".usermenu summary")), chromedp.Click(chromedp.CSS(".usermenu a[href='/plans']")))
	b.waitPath("/plans")
	names := b.eval(`Array.from(document.querySelectorAll("#my-plans input.plan-name")).map(i => i.value).join("|")`)
	if !strings.Contains(names, "Gold 60 days") || strings.Contains(names, "Events 14 days") || strings.Contains(names, origName) {
		t.Fatalf("integrator's plans = %s (renamed from %q)", names, origName)
	}
	cost := b.eval(`document.querySelector("tr[data-plan='` + renamed + `'] .plan-cost").textContent`)
	if cost != "21.5000" && cost != "21.50" {
		t.Fatalf("cost of the renamed plan = %q, want 21.50", cost)
	}
	snap("integrator-plans")

	// 8. The integrator creates a customer.
	b.do(chromedp.Navigate(base + "/accounts/new?type=customer"))
	b.waitStep("details")
	b.do(chromedp.SetValue(chromedp.CSS("#f-name"), "Harbor Cafe"), chromedp.SetValue(chromedp.CSS("#f-email"), "owner@harbor.test"),
		chromedp.SetValue(chromedp.CSS("#f-contact_person"), "Hugo Berg"), chromedp.Click(chromedp.CSS("label.switch:has(#sw-events)")))
	snap("customer-wizard-details")
	b.do(chromedp.Click(chromedp.CSS("#wizard-next")))
	b.waitStep("plans")
	snap("customer-wizard-plans")
	b.do(chromedp.Click(chromedp.CSS("#wizard-create")))
	b.waitPath("/accounts")
	b.do(chromedp.Click(chromedp.CSS("#accounts a[href^='/accounts/']")))
	b.do(chromedp.WaitVisible(chromedp.CSS(".tabs a[aria-current=page][href$='/statistics']")))
	custPath := b.eval(`location.pathname`)
	snap("customer-properties")
	// The operator switches Clips off for the whole integrator: on the
	// customer's Modules tab it is locked and shown as restricted from above
	// (the integrator is not told more about its provider than that).
	nw := e.Must(200, "GET", "/api/v1/accounts?type=integrator&q=Northwind", e.Root, nil).Items()
	if len(nw) != 1 {
		t.Fatalf("Northwind Security not found: %v", nw)
	}
	e.Must(200, "PUT", fmt.Sprintf("/api/v1/accounts/%v/modules", nw[0]["id"]), e.Root, map[string]any{"clips": false})
	b.do(chromedp.Click(chromedp.CSS(".tabs a[href$='/modules']")), chromedp.WaitVisible(chromedp.CSS("#modules-form")))
	if on := b.eval(`document.querySelector("#modules-form input[name=events][type=checkbox]").checked`); on != "false" {
		t.Fatalf("events module of the new customer is %s", on)
	}
	if locked := b.eval(`document.querySelector("#modules-form input[name=clips][type=checkbox]").disabled`); locked != "true" {
		t.Fatalf("clips switch of the customer is not locked after the operator switched it off above")
	}
	if badge := b.eval(`document.querySelector("#modules-form input[name=clips][type=checkbox]").closest("li").querySelector(".badge").textContent`); badge != "Restricted by your provider" {
		t.Fatalf("clips row says %q", badge)
	}
	snap("customer-modules")

	// 9. A role for the video portal, then a Guard user with a password.
	b.do(chromedp.Navigate(base + custPath + "/roles/new"))
	b.do(chromedp.WaitVisible(chromedp.CSS("#role-form")))
	b.do(chromedp.SetValue(chromedp.CSS("#f-name"), "Night guard"), chromedp.SetValue(chromedp.CSS("#f-description"), "Watches the cameras after closing"),
		chromedp.Click(chromedp.CSS("#portal-video")), chromedp.Click(chromedp.CSS("#right-playback")))
	snap("add-role")
	b.do(chromedp.Click(chromedp.CSS("#role-save")))
	b.waitPath(custPath + "/roles")
	b.do(chromedp.Navigate(base + custPath + "/users/new"))
	b.do(chromedp.WaitVisible(chromedp.CSS("#user-form")))
	roleID := b.eval(`Array.from(document.querySelectorAll("#f-role_id option")).find(o => o.textContent.startsWith("Night guard")).value`)
	b.do(chromedp.SetValue(chromedp.CSS("#f-email"), "guard@harbor.test"), chromedp.SetValue(chromedp.CSS("#f-name"), "Gus Guard"),
		chromedp.SetValue(chromedp.CSS("#f-role_id"), roleID), chromedp.Click(chromedp.CSS("#signin-password")),
		chromedp.SetValue(chromedp.CSS("#f-password"), "guard-pass-123"))
	snap("add-guard-user")
	b.do(chromedp.Click(chromedp.CSS("#user-create")))
	b.waitPath(custPath + "/users")
	snap("customer-users")

	// 10. The guard signs in and lands in the video portal; the admin portal
	// is not for the video portal's roles.
	b.signOut()
	b.signIn("guard@harbor.test", "guard-pass-123")
	b.waitPath("/video")
	b.do(chromedp.Navigate(base + "/users"))
	if got := b.text(".error-page h1"); got != "Not allowed" || !strings.Contains(b.text(".error-page"), "video portal") {
		t.Fatalf("guard sees %q", b.text("main"))
	}
	snap("guard-video-portal-only")

	// 11. The integrator disables the customer, after a confirmation.
	b.signOut()
	b.signIn(owner, "northwind-pass-1")
	b.do(chromedp.Navigate(base + custPath))
	b.do(chromedp.Click(chromedp.CSS("#disable-button")), chromedp.WaitVisible(chromedp.CSS("#disable-dialog #confirm-disable")))
	snap("disable-confirmation")
	b.do(chromedp.Click(chromedp.CSS("#disable-dialog #confirm-disable")))
	b.do(chromedp.WaitVisible(chromedp.CSS("#enable-button")))
	if got := b.text("h1 .badge"); got != "Disabled" {
		t.Fatalf("status badge = %q", got)
	}
	snap("customer-disabled")

	// 12. Its users are refused.
	b.signOut()
	b.do(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-email")))
	b.do(chromedp.SetValue(chromedp.CSS("#f-email"), "guard@harbor.test"), chromedp.SetValue(chromedp.CSS("#f-password"), "guard-pass-123"),
		chromedp.Click(chromedp.CSS("form[action='/login'] button.primary")))
	b.do(chromedp.WaitVisible(chromedp.CSS("main .alert")))
	if got := b.text("main .alert"); !strings.Contains(got, "disabled") {
		t.Fatalf("disabled customer's guard sees %q", got)
	}
	snap("disabled-user-refused")

	// 13. Enable, after its confirmation: the guard gets back in (to the
	// "video portal only" page, as before the disable).
	b.signIn(owner, "northwind-pass-1")
	b.do(chromedp.Navigate(base + custPath))
	b.do(chromedp.Click(chromedp.CSS("#enable-button")), chromedp.WaitVisible(chromedp.CSS("#enable-dialog #confirm-enable")))
	snap("enable-confirmation")
	b.do(chromedp.Click(chromedp.CSS("#enable-dialog #confirm-enable")))
	b.do(chromedp.WaitVisible(chromedp.CSS("#disable-button")))
	if got := b.text("h1 .badge"); got != "Active" {
		t.Fatalf("status badge after enable = %q", got)
	}
	b.signOut()
	b.signIn("guard@harbor.test", "guard-pass-123")
	b.waitPath("/video")
	b.signOut()

	// 14. The Customers table at phone width.
	b.signIn(owner, "northwind-pass-1")
	b.do(chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/accounts"), chromedp.WaitVisible(chromedp.CSS("#accounts")))
	snap("customers-phone")
	t.Logf("browser walk took %v", time.Since(start))
}

// browser wraps a chromedp tab with the few steps the walk needs.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		b.t.Fatalf("browser at %s: %v", loc, err)
	}
}

func (b *browser) eval(js string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return fmt.Sprint(v)
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		b.t.Fatalf("text of %s at %s: %v", sel, loc, err)
	}
	return strings.TrimSpace(s)
}

// click clicks sel once it stays where it is: the same box in two looks
// 100 ms apart, with the element itself under its centre. A click computed
// while a video or a list above it is still growing lands on whatever moved
// under the pointer instead.
func (b *browser) click(sel string) {
	b.t.Helper()
	q := strconv.Quote(sel)
	js := `(function(){var e=document.querySelector(` + q + `);if(!e)return "missing";e.scrollIntoView({block:"center"});` +
		`var r=e.getBoundingClientRect();if(!r.width||!r.height)return "hidden";` +
		`var h=document.elementFromPoint(r.left+r.width/2,r.top+r.height/2);if(!h||!(h===e||e.contains(h)))return "covered";` +
		`return [r.left,r.top,r.width,r.height].join(",")})()`
	deadline := time.Now().Add(15 * time.Second)
	last := ""
	for {
		cur := b.eval(js)
		if cur == last && strings.Contains(cur, ",") {
			break
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s did not settle to be clicked: %s", sel, cur)
		}
		last = cur
		time.Sleep(100 * time.Millisecond)
	}
	b.do(chromedp.Click(chromedp.CSS(sel)))
}

// waitPath waits until the page's path (and query, if given) is want and
// the document is loaded.
func (b *browser) waitPath(want string, or ...string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		// The page may be navigating while it is asked (a redirect after a
		// click): that is not an answer yet, ask again.
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.readyState === "complete" ? location.pathname + location.search : ""`))
		cancel()
		got := ""
		if err == nil {
			got = fmt.Sprint(v)
		} else if time.Now().After(deadline) {
			b.t.Fatalf("page did not settle on %q: %v", want, err)
		}
		for _, w := range append([]string{want}, or...) {
			if got == w || (!strings.Contains(w, "?") && strings.SplitN(got, "?", 2)[0] == w) {
				return
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("page is %q, want %q: %s", got, want, b.eval(`document.querySelector("main") && document.querySelector("main").innerText`))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitStep waits for the wizard to show step.
func (b *browser) waitStep(step string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(`#wizard-form`)), chromedp.WaitReady(chromedp.CSS(`input[name=step][value="`+step+`"]`)))
	// The step's elements show before the deferred app.js has hooked its
	// handlers; a switch clicked then toggles without moving the count (seen
	// on a loaded CI machine), so the test also waits for the load to finish.
	b.waitLoaded()
}

// waitLoaded waits until the document and its deferred scripts have loaded.
func (b *browser) waitLoaded() {
	b.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		state, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.readyState`))
		if err == nil && state == "complete" {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the page did not finish loading: readyState %q, %v", state, err)
		}
	}
}

// planRowByName finds the wizard row of a plan on the page shown.
func (b *browser) planRowByName(name string) string {
	b.t.Helper()
	id := b.eval(`(Array.from(document.querySelectorAll("#wizard-plans tr[data-plan]")).find(tr => tr.textContent.includes(` +
		strconv.Quote(name) + `)) || {dataset: {}}).dataset.plan || ""`)
	if id == "" || id == "<nil>" {
		b.t.Fatalf("no plan %q on this page", name)
	}
	return id
}

func (b *browser) signIn(email, password string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-email")))
	b.do(chromedp.SetValue(chromedp.CSS("#f-email"), email), chromedp.SetValue(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS("form[action='/login'] button.primary")))
	b.waitPath("/", "/video") // Guards and Viewers land in the video portal
}

func (b *browser) signOut() {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(".usermenu summary")), chromedp.Click(chromedp.CSS(".usermenu form[action='/logout'] button")))
	b.waitPath("/login")
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}
