package camera

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/errs"
)

func TestParseRTSPURL(t *testing.T) {
	cases := []struct {
		in, clean, user, pass string
		ok                    bool
	}{
		{"rtsp://10.0.0.1/stream1", "rtsp://10.0.0.1/stream1", "", "", true},
		{"  RTSP://cam.local:8554/live?ch=1 ", "rtsp://cam.local:8554/live?ch=1", "", "", true},
		{"rtsps://admin:p%40ss@10.0.0.1:322/s", "rtsps://10.0.0.1:322/s", "admin", "p@ss", true},
		{"rtsp://onlyuser@[fe80::1]/s", "rtsp://[fe80::1]/s", "onlyuser", "", true},
		{"http://10.0.0.1/stream", "", "", "", false},
		{"rtsp:///stream", "", "", "", false},
		{"rtsp://10.0.0.1:99999/s", "", "", "", false},
		{"rtsp://10.0.0.1/s#frag", "", "", "", false},
		{"10.0.0.1/stream", "", "", "", false},
		{"", "", "", "", false},
	}
	for _, c := range cases {
		f := errs.Fields{}
		clean, cred, ok := ParseRTSPURL(f, "rtsp_url", c.in)
		if ok != c.ok || clean != c.clean || cred.Username != c.user || cred.Password != c.pass {
			t.Errorf("%q: got %q %+v %v, want %q %s/%s %v", c.in, clean, cred, ok, c.clean, c.user, c.pass, c.ok)
		}
		if ok == f.Has("rtsp_url") {
			t.Errorf("%q: ok=%v but field error %v", c.in, ok, f)
		}
	}
}

func TestStreamURLPutsCredentialsBack(t *testing.T) {
	u, err := StreamURL("rtsp://10.0.0.1:554/s?x=1", "ad min", "p@ss:/word")
	if err != nil {
		t.Fatal(err)
	}
	f := errs.Fields{}
	clean, cred, ok := ParseRTSPURL(f, "u", u)
	if !ok || clean != "rtsp://10.0.0.1:554/s?x=1" || cred.Username != "ad min" || cred.Password != "p@ss:/word" {
		t.Fatalf("round trip: %s → %s %+v", u, clean, cred)
	}
}

func TestValidateSplitsCredentials(t *testing.T) {
	v, err := NewCamera{Type: Generic, Name: " Gate ", RTSPURL: "rtsp://u:p@h/s"}.Validate()
	if err != nil || v.Camera.Name != "Gate" || v.Camera.RTSPURL != "rtsp://h/s" || v.Camera.Username != "u" || v.Password != "p" {
		t.Fatalf("%+v %v", v, err)
	}
	// Separate credentials win over the URL's.
	v, err = NewCamera{Type: Generic, Name: "Gate", RTSPURL: "rtsp://u:p@h/s", Username: "x", Password: "y"}.Validate()
	if err != nil || v.Camera.Username != "x" || v.Password != "y" {
		t.Fatalf("%+v %v", v, err)
	}
	_, err = NewCamera{Type: ONVIF, Name: "Hall", RTSPURL: "rtsp://h/s", ONVIF: &ONVIFInput{Address: "a b"}}.Validate()
	e, _ := errs.As(err)
	for _, f := range []string{"rtsp_url", "onvif.address", "onvif.username"} {
		if _, ok := e.Fields[f]; !ok {
			t.Fatalf("onvif: %v lacks %s", err, f)
		}
	}
	v, err = NewCamera{Type: PnP, Name: "Agent", PnP: &PnPInput{DeviceID: "VG-1234", ClaimCode: "ABCDEF"}}.Validate()
	if err != nil || v.Camera.ClaimCodeHash != HashClaimCode("ABCDEF") || strings.Contains(v.Camera.ClaimCodeHash, "ABCDEF") {
		t.Fatalf("pnp: %+v %v", v, err)
	}
}

func TestSecretsKeyFileAndSealing(t *testing.T) {
	dir := t.TempDir()
	s1, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	sealed, err := s1.Seal("camera-password")
	if err != nil || !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, "camera-password") {
		t.Fatalf("sealed %q %v", sealed, err)
	}
	again, _ := s1.Seal("camera-password")
	if again == sealed {
		t.Fatal("sealing is deterministic: the nonce is not random")
	}
	// A restart reads the same key and opens what was sealed before.
	s2, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if pw, err := s2.Open(sealed); err != nil || pw != "camera-password" {
		t.Fatalf("reopen: %q %v", pw, err)
	}
	// Another key, or a tampered value, does not open.
	s3, _ := LoadOrCreateKey(t.TempDir())
	if _, err := s3.Open(sealed); err == nil {
		t.Fatal("opened with another key")
	}
	b := []byte(sealed)
	b[len(b)-2] ^= 1
	if _, err := s2.Open(string(b)); err == nil {
		t.Fatal("opened a tampered value")
	}
	if s, _ := s1.Seal(""); s != "" {
		t.Fatal("empty password sealed to something")
	}
	// The key file given to every node of a cluster (LoadKey) is the same
	// key, with the same fingerprint; another key has another, and the
	// fingerprint does not show the key.
	s4, err := LoadKey(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if pw, err := s4.Open(sealed); err != nil || pw != "camera-password" || s4.Fingerprint() != s1.Fingerprint() {
		t.Fatalf("the key file read as VIGILO_SECRET_KEY_FILE: %q %v, fingerprints %s %s", pw, err, s4.Fingerprint(), s1.Fingerprint())
	}
	raw, _ := os.ReadFile(filepath.Join(dir, KeyFile))
	if fp := s1.Fingerprint(); len(fp) != 16 || fp == s3.Fingerprint() || strings.Contains(string(raw), fp) {
		t.Fatalf("fingerprints %q and %q of two keys", fp, s3.Fingerprint())
	}
	if _, err := LoadKey(filepath.Join(dir, "missing.key")); err == nil {
		t.Fatal("a missing key file was accepted")
	}
	// A damaged key file is an error, never silently replaced.
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, KeyFile), []byte("short"), 0o600)
	if _, err := LoadOrCreateKey(bad); err == nil {
		t.Fatal("accepted a damaged key file")
	}
}
