package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestPlansInBrowser: in Chromium, the integrator copies a fixed plan for
// its sub-integrator from the Plans page (R4); the operator opens its plan
// from the Plans page, is told beside the field that a retention of 0 days
// is refused, saves a new name, retention and bitrate, and retires the
// plan; the integrator then finds its camera on that plan flagged in the
// camera list and on the camera's page, where the first-video line says
// the camera is not billed yet. Screenshots for docs/SCREENSHOTS.md (Plans).
func TestPlansInBrowser(t *testing.T) {
	ctx := testenv.Browser(t)
	e := apitest.Boot(t, apitest.Options{Quiet: true})
	ids := map[string]string{}
	for _, it := range e.Must(200, "GET", "/api/v1/plans", e.Root, nil).Items() {
		ids[it["name"].(string)] = itoa(int64(it["id"].(float64)))
	}
	p7, p30 := ids["Cloud 7 days"], ids["Cloud 30 days"]
	a := e.CreateAccount(e.Root, 1, "integrator", "Alpha Security")
	sub := e.CreateAccount(a.Token, a.ID, "integrator", "Sub Reseller")
	cust := e.CreateAccount(a.Token, a.ID, "customer", "Corner Shop")
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(a.ID)+"/plans/"+p7, e.Root, map[string]any{"cost": "4"})
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(a.ID)+"/plans/"+p30, e.Root, map[string]any{"cost": "10", "end_user_price": "12"})
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(cust.ID)+"/plans/"+p7, a.Token, map[string]any{"cost": "6"})
	cam := itoa(e.Must(201, "POST", "/api/v1/cameras", a.Token, map[string]any{"type": "generic", "name": "Shop door",
		"rtsp_url": "rtsp://10.0.0.1/s", "customer_id": cust.ID, "plan_id": json.Number(p7)}).ID())
	b := &browser{t: t, ctx: ctx, base: e.Main.Config.BaseURL}

	// The integrator copies "Cloud 30 days" for its sub-integrator.
	b.signIn(a.Email, a.Password)
	b.do(chromedp.Navigate(b.base + "/plans"))
	b.waitPath("/plans")
	b.do(chromedp.SetValue(chromedp.CSS("#f-copy_plan"), p30), chromedp.SetValue(chromedp.CSS("#f-copy_name"), "Alpha 30 days"),
		chromedp.SetValue(chromedp.CSS("#f-copy_cost"), "13"))
	b.click(`input[name=copy_accounts][value="` + itoa(sub.ID) + `"]`)
	testenv.Screenshot(t, ctx, "plans-1-copy")
	b.click("#copy-plan-save")
	// The page is /plans before and after: wait for the answer's flash.
	b.do(chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := b.text(".flash"); !strings.Contains(got, "copied for 1 sub-integrator") {
		t.Fatalf("after Copy plan: %q", got)
	}
	var cp map[string]any
	for _, it := range e.Must(200, "GET", "/api/v1/plans", sub.Token, nil).Items() {
		if it["name"] == "Alpha 30 days" {
			cp = it
		}
	}
	// 13 with the default 25 % (not Alpha's own markup of Cloud 30 days).
	if cp == nil || cp["cost"] != "13.0000" || cp["end_user_price"] != "16.2500" {
		t.Fatalf("the sub-integrator's copy: %v", cp)
	}

	// Adding a sub-integrator: prices start above Alpha's own, and on the
	// Plans step the end-user price follows a price typed beside it.
	b.do(chromedp.Navigate(b.base + "/accounts/new?type=integrator&parent=" + itoa(a.ID)))
	b.waitStep("prices")
	if v := b.eval(`document.getElementById("f-storage_price").value`); v != "0.0375" {
		t.Fatalf("storage price starts at %q, want 0.0375 (Alpha pays 0.0300)", v)
	}
	b.click("#wizard-next")
	b.waitStep("details")
	b.do(chromedp.SetValue(chromedp.CSS("#f-name"), "Northwind"), chromedp.SetValue(chromedp.CSS("#f-email"), "northwind@vigilo.test"))
	b.click("#wizard-next")
	b.waitStep("plans")
	k := "#plan_" + p30
	if v := b.eval(`document.querySelector("` + k + `_eup").value`); v != "15.0000" {
		t.Fatalf("Northwind's end-user price starts at %q, want 15.0000 (12 + 25 %%)", v)
	}
	b.eval(`document.querySelector("` + k + `_price").value = ""`)
	b.do(chromedp.SendKeys(chromedp.CSS(k+"_price"), "20"))
	if v := b.eval(`document.querySelector("` + k + `_eup").value`); v != "25.0000" {
		t.Fatalf("after typing 20, the end-user price is %q, want 25.0000", v)
	}
	testenv.Screenshot(t, ctx, "plans-0-wizard-margin")
	b.click("#wizard-create")
	b.waitPath("/accounts")
	nw := e.Must(200, "GET", "/api/v1/accounts?parent_id="+itoa(a.ID)+"&q=Northwind", a.Token, nil).Items()
	if len(nw) != 1 {
		t.Fatalf("Northwind: %v", nw)
	}
	if o := e.Must(200, "GET", "/api/v1/accounts/"+itoa(int64(nw[0]["id"].(float64)))+"/plans/"+p30, a.Token, nil).JSON; o["cost"] != "20.0000" || o["end_user_price"] != "25.0000" {
		t.Fatalf("Northwind's offer: %v", o)
	}
	b.signOut()

	// The operator edits Cloud 7 days: a bad retention first.
	b.signIn(apitest.AdminEmail, apitest.AdminPassword)
	b.do(chromedp.Navigate(b.base + "/plans"))
	b.waitPath("/plans")
	b.click("#plan-edit-" + p7)
	b.waitPath("/plans/" + p7 + "/edit")
	b.do(chromedp.SetValue(chromedp.CSS("#f-retention_days"), "0"))
	b.click("#plan-edit-save")
	b.waitPath("/plans/" + p7 + "/edit")
	b.do(chromedp.WaitVisible(chromedp.CSS("#e-retention_days")))
	if got := b.text("#e-retention_days"); !strings.Contains(got, "Retention") || !strings.Contains(got, "between 1 and") {
		t.Fatalf("retention error: %q", got)
	}
	testenv.Screenshot(t, ctx, "plans-2-edit-refused")
	b.do(chromedp.SetValue(chromedp.CSS("#f-name"), "Cloud 14 days"), chromedp.SetValue(chromedp.CSS("#f-retention_days"), "14"),
		chromedp.SetValue(chromedp.CSS("#f-max_bitrate_kbps"), "2000"))
	b.click("#plan-edit-save")
	b.waitPath("/plans")
	if row := b.text(`#my-plans tr[data-plan="` + p7 + `"]`); !strings.Contains(row, "14 days") {
		t.Fatalf("the saved plan's row: %q", row)
	}
	if s := e.Must(200, "GET", "/api/v1/plans/"+p7, e.Root, nil).JSON; s["name"] != "Cloud 14 days" || s["retention_days"] != 14.0 || s["max_bitrate_kbps"] != 2000.0 {
		t.Fatalf("stored plan: %v", s)
	}
	// Retire it.
	b.click("#plan-edit-" + p7)
	b.waitPath("/plans/" + p7 + "/edit")
	b.click("#plan-retire")
	b.waitPath("/plans")
	if row := b.text(`#my-plans tr[data-plan="` + p7 + `"]`); !strings.Contains(row, "Retired") {
		t.Fatalf("the retired plan's row: %q", row)
	}
	testenv.Screenshot(t, ctx, "plans-3-retired")
	b.signOut()

	// The integrator's camera on it: flagged, still assigned, not billed
	// until its first video.
	b.signIn(a.Email, a.Password)
	b.do(chromedp.Navigate(b.base + "/cameras"))
	b.waitPath("/cameras")
	if row := b.text(`#camera-list tr[data-camera="` + cam + `"]`); !strings.Contains(row, "Plan retired") || !strings.Contains(row, "not billed until first video") {
		t.Fatalf("the camera's row: %q", row)
	}
	testenv.Screenshot(t, ctx, "plans-4-camera-list")
	b.do(chromedp.Navigate(b.base + "/cameras/" + cam))
	b.waitPath("/cameras/" + cam)
	if got := b.text("#camera-plan-retired"); got != "Plan retired" {
		t.Fatalf("camera page badge: %q", got)
	}
	if got := b.text("#camera-first-video"); !strings.Contains(got, "not billed until first video") {
		t.Fatalf("camera page first video: %q", got)
	}
	testenv.Screenshot(t, ctx, "plans-5-camera-page")
}
