package branding

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

func pngDataURL(t *testing.T, w, h int, extra []byte) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	b.Write(extra) // bytes after IEND: decoders ignore them, we must drop them
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

func TestContrast(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{{"#000000", "#ffffff", 21}, {"#ffffff", "#ffffff", 1}, {"#0b57c2", "#ffffff", 6.6}} {
		if got := Contrast(c.a, c.b); got < c.want-0.1 || got > c.want+0.1 {
			t.Errorf("Contrast(%s, %s) = %.2f, want %.1f", c.a, c.b, got, c.want)
		}
	}
	if err := CheckReadable("#ffff00"); err == nil || !strings.Contains(err.Error(), "unreadable") {
		t.Errorf("yellow behind white text accepted: %v", err)
	}
	if err := CheckReadable("#102a4c"); err != nil {
		t.Errorf("dark blue refused: %v", err)
	}
	if c, err := ParseColor("#ABC"); err != nil || c != "#aabbcc" {
		t.Errorf("ParseColor(#ABC) = %q, %v", c, err)
	}
	for _, bad := range []string{"red", "#12345", "#gggggg", "0b57c2"} {
		if _, err := ParseColor(bad); err == nil {
			t.Errorf("ParseColor(%q) accepted", bad)
		}
	}
}

func TestParseImage(t *testing.T) {
	trailer := []byte("<script>alert(1)</script>")
	if _, err := ParseImage(pngDataURL(t, 4, 4, trailer), MaxLogoBytes, MaxLogoPixels); err == nil || !strings.Contains(err.Error(), "script") {
		t.Errorf("PNG carrying script accepted: %v", err)
	}
	img, err := ParseImage(pngDataURL(t, 4, 4, []byte("trailing bytes")), MaxLogoBytes, MaxLogoPixels)
	if err != nil {
		t.Fatal(err)
	}
	if img.Type != "image/png" || bytes.Contains(img.Data, []byte("trailing bytes")) {
		t.Errorf("the upload was not re-encoded: %q", img.Data)
	}
	if _, err := png.Decode(bytes.NewReader(img.Data)); err != nil {
		t.Errorf("re-encoded logo does not decode: %v", err)
	}
	svg := "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
	if _, err := ParseImage(svg, MaxLogoBytes, MaxLogoPixels); err == nil || !strings.Contains(err.Error(), "SVG with script") {
		t.Errorf("SVG with script: %v", err)
	}
	cases := map[string]string{
		"data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("not a png")):                  "not a readable",
		"data:image/jpeg;base64," + strings.TrimPrefix(pngDataURL(t, 2, 2, nil), "data:image/png;base64,"): "holds png",
		"data:image/gif;base64,R0lGOD": "PNG or JPEG",
		"https://example.com/logo.png": "data URL",
		pngDataURL(t, 3000, 10, nil):   "pixels",
	}
	for in, want := range cases {
		if _, err := ParseImage(in, MaxLogoBytes, MaxLogoPixels); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseImage(%.40q…) = %v, want an error with %q", in, err, want)
		}
	}
	big := "data:image/png;base64," + base64.StdEncoding.EncodeToString(make([]byte, MaxLogoBytes+1))
	if _, err := ParseImage(big, MaxLogoBytes, MaxLogoPixels); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("oversized logo: %v", err)
	}
}

func TestParseDomain(t *testing.T) {
	if d, err := ParseDomain(" Video.Example-Security.COM. ", "vms.example.net"); err != nil || d != "video.example-security.com" {
		t.Errorf("ParseDomain = %q, %v", d, err)
	}
	for in, want := range map[string]string{
		"203.0.113.7":           "IP address",
		"[2001:db8::1]":         "IP address",
		"*.example.com":         "wildcard",
		"vms.example.net":       "operator's own domain",
		"eu.vms.example.net":    "operator's own domain",
		"localhost":             "full host name",
		"https://a.example.com": "bare host",
		"a..example.com":        "invalid label",
		"-a.example.com":        "invalid label",
		"a.example.com:8443":    "bare host",
	} {
		if _, err := ParseDomain(in, "vms.example.net"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDomain(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestEffective(t *testing.T) {
	root := Brand{AccountID: 1, ProductName: "Operator Cloud"}
	integ := Brand{AccountID: 7, ProductName: "Acme Video"}
	chain := []Brand{root, integ, {}, {}}
	if b, ok := Effective(chain, []bool{true, true, true, true}); !ok || b.AccountID != 7 {
		t.Errorf("nearest brand: got %d", b.AccountID)
	}
	// Branding switched off for the integrator: its stored brand is skipped.
	if b, ok := Effective(chain, []bool{true, false, false, false}); !ok || b.AccountID != 1 {
		t.Errorf("module off: got %d", b.AccountID)
	}
	if _, ok := Effective([]Brand{{}, {}}, []bool{true, true}); ok {
		t.Error("no brand on the path, yet one is effective")
	}
}

func TestApplyReportsEveryField(t *testing.T) {
	bad := "data:image/svg+xml,<svg/>"
	_, err := Apply(Brand{}, Input{ProductName: "", PrimaryColor: "#eeeeee", AccentColor: "blue", Logo: &bad,
		SupportEmail: "nope", SupportURL: "javascript:alert(1)", MailReplyTo: "x@", SupportPhone: "call me"})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, f := range []string{"product_name", "primary_color", "accent_color", "logo", "support_email", "support_url", "mail_reply_to", "support_phone"} {
		if !strings.Contains(err.Error(), "["+f+":") {
			t.Errorf("no error for %s in %v", f, err)
		}
	}
}
