package api_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// pngOf is a data URL of a w×h PNG; noisy pixels do not compress, so its
// size grows with the area.
func pngOf(t *testing.T, w, h int, noisy bool) (string, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{0, 80, 160, 255}
			if noisy {
				c = color.RGBA{uint8(r.UintN(256)), uint8(r.UintN(256)), uint8(r.UintN(256)), 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()), b.Bytes()
}

func dataURL(mime string, raw []byte) string {
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(raw)
}

// TestBrandingBadInput: every kind of bad input the issue lists, each
// alone in an otherwise good brand that changes every other part: a 400
// naming the field with a reason, and the stored brand (name, colours,
// images, domain, its challenge) exactly as before. Both databases.
func TestBrandingBadInput(t *testing.T) {
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(t, apitest.Options{Postgres: pg, Quiet: true, Env: map[string]string{
			"VIGILO_BASE_URL": "http://vms.vigilo.test:0"}})
		acme := e.CreateAccount(e.Root, 1, "integrator", "Acme Security")
		other := e.CreateAccount(e.Root, 1, "integrator", "Other Integrator")
		path := "/api/v1/accounts/" + itoa(acme.ID) + "/branding"
		logo, _ := pngOf(t, 40, 20, false)
		e.Must(200, "PUT", path, acme.Token, map[string]any{"product_name": "Acme Video", "primary_color": "#8b0000",
			"accent_color": "#a10000", "logo": logo, "favicon": logo, "custom_domain": "video.acme.test"})
		e.Must(200, "PUT", "/api/v1/accounts/"+itoa(other.ID)+"/branding", other.Token,
			map[string]any{"product_name": "Other VMS", "custom_domain": "vms.other.test"})
		before := string(e.Must(200, "GET", path, acme.Token, nil).Body)

		_, flat := pngOf(t, 16, 16, false)
		tallPNG, _ := pngOf(t, 2100, 4, false)
		bigPNG, _ := pngOf(t, 480, 480, true) // ~900 KB of noise
		bigIcon, _ := pngOf(t, 160, 160, true)
		wideIcon, _ := pngOf(t, 300, 8, false)
		var jpg bytes.Buffer
		if err := jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 8, 8)), nil); err != nil {
			t.Fatal(err)
		}
		withScript := append(append([]byte{}, flat...), []byte("<script>alert(1)</script>")...)

		for _, c := range []struct {
			name, field string
			value       any
			want        string
		}{
			{"SVG with script", "logo", dataURL("image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)), "script"},
			{"SVG with an event handler script", "logo", "data:image/svg+xml;utf8,<svg onload=alert(1)><script>x</script></svg>", "script"},
			{"plain SVG", "logo", dataURL("image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)), "SVG is not accepted"},
			{"HTML", "logo", dataURL("text/html", []byte("<b>hi</b>")), "PNG or JPEG"},
			{"not a data URL", "logo", "https://evil.example/logo.png", "data URL"},
			{"bad base64", "logo", "data:image/png;base64,%%%%", "base64"},
			{"truncated PNG", "logo", dataURL("image/png", flat[:40]), "not a readable"},
			{"JPEG said to be PNG", "logo", dataURL("image/png", jpg.Bytes()), "holds jpeg"},
			{"PNG with a script payload", "logo", dataURL("image/png", withScript), "script"},
			{"oversized logo (bytes)", "logo", bigPNG, "too large"},
			{"oversized logo (pixels)", "logo", tallPNG, "pixels"},
			{"oversized favicon (bytes)", "favicon", bigIcon, "too large"},
			{"oversized favicon (pixels)", "favicon", wideIcon, "pixels"},
			{"malformed colour", "primary_color", "red", "colour"},
			{"unreadable primary", "primary_color", "#777777", "contrast"},
			{"unreadable accent", "accent_color", "#ffff00", "contrast"},
			{"IPv4 domain", "custom_domain", "203.0.113.9", "IP address"},
			{"IPv6 domain", "custom_domain", "2001:db8::1", "IP address"},
			{"bracketed IPv6 domain", "custom_domain", "[2001:db8::1]", "IP address"},
			{"numeric top label", "custom_domain", "video.10", "IP address"},
			{"wildcard", "custom_domain", "*.acme.test", "wildcard"},
			{"inner wildcard", "custom_domain", "video.*.test", "wildcard"},
			{"URL", "custom_domain", "https://video.acme.test/", "bare host name"},
			{"port", "custom_domain", "video.acme.test:8443", "bare host name"},
			{"single label", "custom_domain", "intranet", "full host name"},
			{"localhost", "custom_domain", "cams.localhost", "public host name"},
			{"bad label", "custom_domain", "video_acme.test", "invalid label"},
			{"operator's own", "custom_domain", "vms.vigilo.test", "operator"},
			{"below the operator's", "custom_domain", "acme.vms.vigilo.test", "operator"},
			{"already taken", "custom_domain", "VMS.Other.Test", "taken"},
			{"empty name", "product_name", "", "required"},
			{"markup in the name", "product_name", "<b>Acme</b>", "60 characters"},
			{"support e-mail", "support_email", "not-an-address", "e-mail address"},
			{"support URL", "support_url", "javascript:alert(1)", "http(s)"},
		} {
			body := map[string]any{"product_name": "Changed", "primary_color": "#123456", "accent_color": "#0b57c2",
				"logo": "", "favicon": "", "custom_domain": "cams.acme.test", "support_email": "help@acme.test"}
			body[c.field] = c.value
			r := e.Do("PUT", path, acme.Token, body)
			if r.Status != 400 {
				t.Errorf("%s: %d %.300s", c.name, r.Status, r.Body)
				continue
			}
			msg, _ := r.Fields()[c.field].(string)
			if !strings.Contains(msg, c.want) || len(r.Fields()) != 1 {
				t.Errorf("%s: want only %s refused with %q: %s", c.name, c.field, c.want, r.Body)
			}
			if after := string(e.Must(200, "GET", path, acme.Token, nil).Body); after != before {
				t.Errorf("%s: the refused PUT changed the brand:\nbefore %.300s\nafter  %.300s", c.name, before, after)
			}
		}
		// The other integrator's domain is untouched too.
		if r := e.Must(200, "GET", "/api/v1/accounts/"+itoa(other.ID)+"/branding", other.Token, nil); r.JSON["custom_domain"] != "vms.other.test" {
			t.Errorf("the taken domain moved: %s", r.Body)
		}
	})
}
