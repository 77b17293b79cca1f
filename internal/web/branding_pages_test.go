package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/events"
)

func brandLogo(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 24, 12))
	for x := 0; x < 24; x++ {
		img.Set(x, 5, color.RGBA{139, 0, 0, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

// TestBrandingPages: the sign-in page shows the brand of the custom domain
// it is asked through (and the installation's name otherwise), the portals
// show the signed-in account's effective brand, the brand's assets are
// served, the Branding tab saves and refuses by field, and sign-in through
// a domain is for its subtree only.
func TestBrandingPages(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{Quiet: true})
	acme := e.CreateAccount(e.Root, 1, "integrator", "Acme Security")
	cust := e.CreateAccount(acme.Token, acme.ID, "customer", "Acme Customer")
	other := e.CreateAccount(e.Root, 1, "integrator", "Other Integrator")
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(acme.ID)+"/branding", acme.Token, map[string]any{"product_name": "Acme Video",
		"primary_color": "#8b0000", "accent_color": "#a10000", "logo": brandLogo(t), "custom_domain": "video.acme.test"})
	e.Must(200, "POST", "/api/v1/accounts/"+itoa(acme.ID)+"/branding/verify", e.Root, nil)
	logo := "/brand/" + itoa(acme.ID) + "/logo?v="
	theme := "/brand/" + itoa(acme.ID) + "/theme.css?v="

	plain := newClient(t, e)
	if p := plain.get("/login"); p.Status != 200 || strings.Contains(p.Body, "Acme") || !strings.Contains(p.Body, "Vigilo") {
		t.Errorf("sign-in page without a domain: %d %.300s", p.Status, p.Body)
	}
	branded := newClient(t, e)
	branded.host = "video.acme.test"
	p := branded.get("/login")
	for _, want := range []string{"<title>Sign in · Acme Video</title>", logo, theme, `id="brand-name">Acme Video<`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("sign-in page through video.acme.test lacks %q", want)
		}
	}
	if strings.Contains(p.Body, "Vigilo") {
		t.Error("the branded sign-in page names Vigilo")
	}
	// Assets: the theme carries the checked colours, the logo is our PNG.
	css := plain.get(theme[:len(theme)-3])
	if css.Status != 200 || !strings.Contains(css.Body, "--brand-primary: #8b0000;") || !strings.Contains(css.Body, "--accent: #a10000;") {
		t.Errorf("theme: %d %s", css.Status, css.Body)
	}
	img := plain.get("/brand/" + itoa(acme.ID) + "/logo")
	if _, err := png.Decode(strings.NewReader(img.Body)); img.Status != 200 || err != nil {
		t.Errorf("logo: %d %v", img.Status, err)
	}
	if p := plain.get("/brand/" + itoa(other.ID) + "/logo"); p.Status != 404 {
		t.Errorf("logo of an unbranded account: %d", p.Status)
	}

	// Through Acme's domain, only Acme's subtree signs in.
	p = branded.post("/login", "/login", url.Values{"email": {other.Email}, "password": {other.Password}})
	if p.Status == http.StatusSeeOther {
		t.Error("a user of another tree signed in through Acme's domain")
	}
	branded.signIn(cust.Email, cust.Password)
	if p := branded.get("/video"); !strings.Contains(p.Body, `id="brand-name">Acme Video<`) || !strings.Contains(p.Body, logo) {
		t.Errorf("video portal of Acme's customer: %.400s", p.Body)
	}

	// The admin portal of Acme's owner (on the operator's address) and its
	// Branding tab.
	owner := newClient(t, e)
	owner.signIn(acme.Email, acme.Password)
	tab := "/accounts/" + itoa(acme.ID) + "/branding"
	if p := owner.get(tab); p.Status != 200 || !strings.Contains(p.Body, `id="brand-name">Acme Video<`) ||
		!strings.Contains(p.Body, `id="branding-form"`) || !strings.Contains(p.Body, `id="branding-domain"`) {
		t.Errorf("branding tab: %d", p.Status)
	}
	p = owner.post(tab, tab, url.Values{"product_name": {"Acme Vision"}, "primary_color": {"#ffff00"}, "custom_domain": {"video.acme.test"}})
	if p.Status != 400 || !strings.Contains(p.Body, `data-field="primary_color"`) {
		t.Errorf("unreadable colour from the tab: %d", p.Status)
	}
	if r := e.Must(200, "GET", "/api/v1/accounts/"+itoa(acme.ID)+"/branding", acme.Token, nil); r.JSON["product_name"] != "Acme Video" {
		t.Errorf("a refused form wrote: %s", r.Body)
	}
	p = owner.post(tab, tab, url.Values{"product_name": {"Acme Vision"}, "primary_color": {"#123456"}, "custom_domain": {"video.acme.test"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("saving the tab: %d %.500s", p.Status, p.Body)
	}
	r := e.Must(200, "GET", "/api/v1/accounts/"+itoa(acme.ID)+"/branding", acme.Token, nil)
	if r.JSON["product_name"] != "Acme Vision" || r.JSON["primary_color"] != "#123456" || r.JSON["logo"] == "" {
		t.Errorf("after the tab: %s", r.JSON)
	}
	// The change shows at once (the cache was dropped), on the domain too.
	if p := branded.get("/video"); !strings.Contains(p.Body, `id="brand-name">Acme Vision<`) {
		t.Error("the new name is not shown at once")
	}
	// Customers have no Branding tab.
	if p := owner.get("/accounts/" + itoa(cust.ID) + "/branding"); p.Status != 404 {
		t.Errorf("customer's branding tab: %d", p.Status)
	}
}

// TestBrandCacheFollowsTheBus: a brand written behind the App's back (as
// another publisher would) stays cached until an event on the bus says it
// changed; then the next page shows it.
func TestBrandCacheFollowsTheBus(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{Quiet: true})
	acme := e.CreateAccount(e.Root, 1, "integrator", "Acme Security")
	e.Must(200, "PUT", "/api/v1/accounts/"+itoa(acme.ID)+"/branding", acme.Token, map[string]any{"product_name": "Acme Video"})
	c := newClient(t, e)
	c.signIn(acme.Email, acme.Password)
	if p := c.get("/"); !strings.Contains(p.Body, `id="brand-name">Acme Video<`) {
		t.Fatal("brand not shown")
	}
	ctx := context.Background()
	b, err := e.Main.Store.R().Brand(ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	b.ProductName = "Acme Renamed"
	if err := e.Main.Store.W().PutBrand(ctx, b); err != nil {
		t.Fatal(err)
	}
	if p := c.get("/"); !strings.Contains(p.Body, `id="brand-name">Acme Video<`) {
		t.Fatal("the cache was bypassed: the test proves nothing")
	}
	acct, err := e.Main.Store.R().Account(ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.Main.App.Events.Publish(events.Event{Kind: events.BrandingChanged, AccountID: acme.ID, Path: acct.Path})
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(c.get("/").Body, `id="brand-name">Acme Renamed<`) {
		if time.Now().After(deadline) {
			t.Fatal("the bus event did not drop the cached brand")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
