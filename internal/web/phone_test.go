package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestTablesAtPhoneWidth opens every page with a table, and each step of
// the wizard, at 390 px (a phone) and checks that nothing scrolls sideways:
// neither the page nor any table's box. Columns that are not key to a table
// fold away at that width instead.
func TestTablesAtPhoneWidth(t *testing.T) {
	ctx := testenv.Browser(t)
	e := apitest.Boot(t, apitest.Options{})
	w := newCamPortal(t, e)
	cam := e.Must(201, "POST", "/api/v1/cameras", w.A.Token, map[string]any{"type": "generic", "name": "Front gate with a long name",
		"rtsp_url": "rtsp://10.0.0.7/stream1"}).ID()
	e.Must(200, "PATCH", "/api/v1/cameras/"+itoa(cam), w.A.Token, map[string]any{"customer_id": w.C.ID, "plan_id": w.P})
	b := &browser{t: t, ctx: ctx, base: e.Main.Config.BaseURL}
	b.do(chromedp.EmulateViewport(390, 844))
	b.signIn(w.A.Email, w.A.Password)

	// overflow names what is wider than the window: the page, or a table box.
	const overflow = `(function(){var out=[];var W=document.documentElement.clientWidth;
		if(document.documentElement.scrollWidth>W)out.push("page "+document.documentElement.scrollWidth+">"+W);
		document.querySelectorAll(".tablewrap").forEach(function(t){if(t.scrollWidth>t.clientWidth+1)out.push((t.querySelector("table")||{}).id+" "+t.scrollWidth+">"+t.clientWidth)});
		return out.join("; ")})()`
	// widest names the elements reaching past the window's right edge.
	const widest = `(function(){var W=document.documentElement.clientWidth,out=[];document.querySelectorAll("main *").forEach(function(el){var r=el.getBoundingClientRect();
		if(r.right>W+1&&out.length<4)out.push(el.tagName+"."+el.className+"#"+el.id+" "+Math.round(r.right))});return out.join(", ")})()`
	check := func(path, ready string) {
		t.Helper()
		b.do(chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(ready)))
		if o := b.eval(overflow); o != "" {
			testenv.Screenshot(t, ctx, "phone-overflow"+strings.ReplaceAll(path, "/", "-"))
			t.Errorf("%s scrolls sideways at 390 px: %s (widest: %s)", path, o, b.eval(widest))
		}
	}
	for _, p := range []struct{ path, ready string }{
		{"/accounts", "#accounts"},
		{"/cameras", "#camera-list"},
		{"/cameras/" + itoa(cam), "#camera-status"},
		{"/plans", "#my-plans"},
		{"/users", "main table"},
		{"/roles", "main table"},
		{"/accounts/" + itoa(w.C.ID) + "/plans", "main table"},
		{"/accounts/" + itoa(w.C.ID) + "/users", "main table"},
		{"/accounts/" + itoa(w.C.ID) + "/roles", "main table"},
		{"/accounts/" + itoa(w.C.ID) + "/cameras", "main table"},
		{"/", "main"},
	} {
		check(p.path, p.ready)
	}
	// The wizard, step by step: prices are for integrators, so a customer's
	// wizard goes details → plans.
	check("/accounts/new?type=customer", "#wizard-form")
	b.do(chromedp.SetValue(chromedp.CSS("#f-name"), "Phone Shop"), chromedp.SetValue(chromedp.CSS("#f-email"), "phone@shop.test"),
		chromedp.Click(chromedp.CSS("#wizard-next")))
	b.waitStep("plans")
	if o := b.eval(overflow); o != "" {
		t.Errorf("the wizard's plans step scrolls sideways at 390 px: %s", o)
	}
	testenv.Screenshot(t, ctx, "wizard-plans-phone")
	check("/accounts/new?type=integrator", "#wizard-form")
}
