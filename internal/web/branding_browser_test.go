package web_test

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigilo/vigilo/internal/apitest"
	"github.com/vigilo/vigilo/internal/testenv"
)

// TestBrandingInBrowser: two integrators, each with its own brand (name,
// logo, colours) on its own verified custom domain, served over Vigilo's TLS
// listener with certificates from a real Pebble. In Chromium, each domain's
// sign-in page, portal and share page show that brand; a user of the other
// integrator is refused on the sign-in page of a domain not theirs.
func TestBrandingInBrowser(t *testing.T) {
	tlsPort := testenv.FreePort(t)
	pebble := testenv.StartPebble(t, tlsPort)
	e := apitest.Boot(t, apitest.Options{Quiet: true, Env: map[string]string{
		"VIGILO_TLS_ADDR":       "127.0.0.1:" + strconv.Itoa(tlsPort),
		"VIGILO_ACME_DIRECTORY": pebble.Directory,
		"VIGILO_ACME_CA_ROOTS":  pebble.CARoots,
		"VIGILO_ACME_EMAIL":     "ops@vigilo.test",
	}})

	type brandCase struct {
		slug, product, domain string
		primary, accent       string
		rgb                   string // primary as getComputedStyle reports it
		acct                  apitest.Account
	}
	brands := []*brandCase{
		{slug: "acme", product: "Acme Video", domain: "video.acme.test", primary: "#0b5d3b", accent: "#1d4ed8", rgb: "rgb(11, 93, 59)"},
		{slug: "bolt", product: "Bolt VMS", domain: "vms.bolt.test", primary: "#7a1f5c", accent: "#9a3412", rgb: "rgb(122, 31, 92)"},
	}
	for _, b := range brands {
		b.acct = e.CreateAccount(e.Root, 1, "integrator", b.product+" Ltd")
		id := strconv.FormatInt(b.acct.ID, 10)
		e.Must(200, "PUT", "/api/v1/accounts/"+id+"/branding", b.acct.Token, map[string]any{
			"product_name": b.product, "primary_color": b.primary, "accent_color": b.accent,
			"logo": logoDataURL(t, b.primary), "custom_domain": b.domain})
		e.Must(200, "POST", "/api/v1/accounts/"+id+"/branding/verify", e.Root, nil)
	}

	// Each name's certificate chains to Pebble's root. Chromium does not
	// know that root, so it is told to accept exactly these certificates'
	// keys (their SPKI hashes), nothing else.
	addr := e.Main.TLSAddr
	issuer := pebble.IssuerRoot(t)
	var spkis []string
	for _, b := range brands {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 30 * time.Second}, "tcp", addr,
			&tls.Config{ServerName: b.domain, RootCAs: issuer})
		if err != nil {
			t.Fatalf("%s: handshake with pebble's root: %v\npebble:\n%s", b.domain, err, pebble.Log())
		}
		leaf := c.ConnectionState().PeerCertificates[0]
		c.Close()
		if err := leaf.VerifyHostname(b.domain); err != nil {
			t.Fatalf("%s: certificate names %v: %v", b.domain, leaf.DNSNames, err)
		}
		sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
		spkis = append(spkis, base64.StdEncoding.EncodeToString(sum[:]))
	}
	if _, err := tls.Dial("tcp", addr, &tls.Config{ServerName: brands[0].domain, RootCAs: x509.NewCertPool()}); err == nil {
		t.Fatal("the certificate verified against an empty root pool")
	}

	ctx := testenv.Browser(t,
		chromedp.Flag("host-resolver-rules", "MAP "+brands[0].domain+" 127.0.0.1, MAP "+brands[1].domain+" 127.0.0.1"),
		chromedp.Flag("ignore-certificate-errors-spki-list", strings.Join(spkis, ",")))
	port := strconv.Itoa(tlsPort)

	// checkBrand asserts the page shows b's name, its logo (loaded) and its
	// primary colour behind the bar sel.
	checkBrand := func(br *browser, b *brandCase, bar string) {
		t.Helper()
		br.waitLoaded()
		if got := br.text("#brand-name"); got != b.product {
			t.Errorf("%s: brand name %q, want %q", br.eval("location.href"), got, b.product)
		}
		if got := br.eval(`(function(){var i=document.getElementById("brand-logo");return i&&i.complete?String(i.naturalWidth):"none"})()`); got != "96" {
			t.Errorf("%s: logo width %s, want 96", br.eval("location.href"), got)
		}
		if got := br.eval(`getComputedStyle(document.querySelector(` + strconv.Quote(bar) + `)).backgroundColor`); got != b.rgb {
			t.Errorf("%s: %s background %s, want %s", br.eval("location.href"), bar, got, b.rgb)
		}
		for _, other := range brands {
			if other != b && strings.Contains(br.eval("document.body.innerText"), other.product) {
				t.Errorf("%s: the page names %s", br.eval("location.href"), other.product)
			}
		}
	}

	for i, b := range brands {
		other := brands[1-i]
		br := &browser{t: t, ctx: ctx, base: "https://" + b.domain + ":" + port}

		// The sign-in page, before anyone signs in.
		br.do(chromedp.Navigate(br.base+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-email")))
		checkBrand(br, b, ".topbar")
		testenv.Screenshot(t, ctx, "branding-"+b.slug+"-1-sign-in")

		// The other integrator's owner is refused here, as any wrong
		// password is.
		br.do(chromedp.SetValue(chromedp.CSS("#f-email"), other.acct.Email), chromedp.SetValue(chromedp.CSS("#f-password"), other.acct.Password),
			chromedp.Click(chromedp.CSS("form[action='/login'] button.primary")))
		br.do(chromedp.WaitVisible(chromedp.CSS("main .alert")))
		br.waitPath("/login")
		checkBrand(br, b, ".topbar")

		// Its own owner signs in through it and sees the brand in the portal.
		br.signIn(b.acct.Email, b.acct.Password)
		if got := br.eval("location.host"); got != b.domain+":"+port {
			t.Fatalf("signed in at %s, want %s", got, b.domain)
		}
		checkBrand(br, b, ".topbar")
		testenv.Screenshot(t, ctx, "branding-"+b.slug+"-2-portal")
		br.signOut()

		// A live share of one of its cameras opens on its domain with its
		// brand (the camera need not be reachable for the page to show).
		cam := e.Must(201, "POST", "/api/v1/cameras", b.acct.Token, map[string]any{"type": "generic", "name": "Gate",
			"rtsp_url": "rtsp://127.0.0.1:1/stream"}).ID()
		link, _ := e.Must(201, "POST", "/api/v1/shares", b.acct.Token, map[string]any{"kind": "live", "camera_id": cam, "expires_in_hours": 1}).JSON["url"].(string)
		u, err := url.Parse(link)
		if err != nil || !strings.HasPrefix(u.Path, "/s/") {
			t.Fatalf("share url %q: %v", link, err)
		}
		br.do(chromedp.Navigate(br.base+u.Path), chromedp.WaitVisible(chromedp.CSS(".brandbar")))
		checkBrand(br, b, ".brandbar")
		testenv.Screenshot(t, ctx, "branding-"+b.slug+"-3-share")
	}
}

// logoDataURL is a 96×32 PNG logo: a white tile with a square and a bar of
// colour hex (the pages put logos on white, so the colour is what shows).
func logoDataURL(t *testing.T, hex string) string {
	t.Helper()
	c, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil {
		t.Fatal(err)
	}
	fill := color.RGBA{uint8(c >> 16), uint8(c >> 8), uint8(c), 255}
	img := image.NewRGBA(image.Rect(0, 0, 96, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 96; x++ {
			img.Set(x, y, color.White)
			if (x >= 6 && x < 26 && y >= 6 && y < 26) || (x >= 32 && x < 90 && y >= 13 && y < 19) {
				img.Set(x, y, fill)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}
