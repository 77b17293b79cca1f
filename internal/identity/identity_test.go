package identity

import (
	"strings"
	"testing"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("not an argon2id PHC string with the default cost: %s", h)
	}
	if ok, err := CheckPasswordHash(h, "correct horse battery"); !ok || err != nil {
		t.Fatalf("right password refused: %v %v", ok, err)
	}
	if ok, _ := CheckPasswordHash(h, "correct horse batterY"); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("correct horse battery")
	if h2 == h {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

// Raising the default cost must not lock out users hashed with the old one:
// the parameters travel inside the hash.
func TestPasswordHashKeepsItsOwnParameters(t *testing.T) {
	old := DefaultArgon2
	defer func() { DefaultArgon2 = old }()
	DefaultArgon2 = Argon2Params{Memory: 64, Time: 1, Threads: 1}
	h, _ := HashPassword("pw-0123456789")
	DefaultArgon2 = old
	if ok, err := CheckPasswordHash(h, "pw-0123456789"); !ok || err != nil {
		t.Fatalf("hash made with other parameters no longer verifies: %v %v", ok, err)
	}
}

func TestMalformedHashes(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=1,t=1,p=1$!!$AA"} {
		if ok, err := CheckPasswordHash(h, "x"); ok || err == nil {
			t.Errorf("%q: ok=%v err=%v, want an error", h, ok, err)
		}
	}
}

func TestTokensAreRandomAndStoredHashed(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		plain, hash := NewToken()
		if len(plain) != 43 || seen[plain] {
			t.Fatalf("token %q: wrong length or repeated", plain)
		}
		seen[plain] = true
		if hash == plain || hash != HashToken(plain) || len(hash) != 64 {
			t.Fatalf("hash %q of %q is not the SHA-256 hex", hash, plain)
		}
	}
}

func TestNewUserValidation(t *testing.T) {
	n := NewUser{Email: "  Bob@Example.COM ", Password: "short"}
	err := n.Validate()
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("short password accepted: %v", err)
	}
	if n.Email != "bob@example.com" {
		t.Fatalf("e-mail not normalized: %q", n.Email)
	}
	n = NewUser{Email: "not-an-address", Password: "long-enough-pw"}
	if err := n.Validate(); err == nil || !strings.Contains(err.Error(), "email") {
		t.Fatalf("bad e-mail accepted: %v", err)
	}
}

func TestRoleValidation(t *testing.T) {
	r := Role{Name: " Night guard ", Portal: VideoPortal, Rights: []string{RightViewLive, RightPlayback}}
	if err := r.Validate(); err != nil || r.Name != "Night guard" {
		t.Fatalf("valid role refused: %v (%q)", err, r.Name)
	}
	for _, bad := range []Role{
		{Name: "", Portal: VideoPortal},
		{Name: "x", Portal: "cinema"},
		{Name: "x", Portal: AdminPortal, Rights: []string{"teleport"}},
		{Name: "x", Portal: AdminPortal, Rights: []string{RightPTZ, RightPTZ}},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
