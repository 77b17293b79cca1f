package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Argon2Params tune the password hash. The defaults follow OWASP's argon2id
// recommendation (19 MiB, two passes); tests lower them to stay fast.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultArgon2 is used by HashPassword; tests may lower it.
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// HashPassword returns a PHC-format argon2id hash with a random salt. It
// waits for a hashing slot (hashgate.go) and fails with a 503-kind error when
// none frees up in time.
func HashPassword(pw string) (string, error) {
	p := DefaultArgon2
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	var key []byte
	if err := withSlot(LaneAnyone, func() { key = argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32) }); err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("malformed password hash")

// CheckPasswordHash compares in constant time, with the parameters stored in
// the hash so that raising the defaults never locks anyone out.
func CheckPasswordHash(hash, pw string) (bool, error) {
	return CheckPasswordHashIn(LaneAnyone, hash, pw)
}

// CheckPasswordHashIn is CheckPasswordHash waiting in lane for a slot.
func CheckPasswordHashIn(lane Lane, hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var m, t uint32
	var th uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false, errBadHash
	}
	var got []byte
	if err := withSlot(lane, func() { got = argon2.IDKey([]byte(pw), salt, t, m, th, uint32(len(want))) }); err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummy lets sign-in spend the same time for unknown e-mails as for wrong
// passwords, so response times do not reveal which addresses exist. It is
// made on first use with the parameters then in force (tests lower them), and
// again whenever they change.
type dummy struct {
	params Argon2Params
	hash   string
}

var dummyHash atomic.Pointer[dummy]

// BurnPasswordTime performs a hash comparison whose result is discarded; its
// only error is a busy hashing gate, which the caller reports exactly as it
// would for a real comparison.
func BurnPasswordTime(pw string) error { return BurnPasswordTimeIn(LaneAnyone, pw) }

// BurnPasswordTimeIn is BurnPasswordTime waiting in lane, which must be the
// lane a real comparison for the same request would use.
func BurnPasswordTimeIn(lane Lane, pw string) error {
	d := dummyHash.Load()
	if d == nil || d.params != DefaultArgon2 {
		p := DefaultArgon2
		h, err := HashPassword("not-a-real-password")
		if err != nil {
			return err
		}
		d = &dummy{params: p, hash: h}
		dummyHash.Store(d)
	}
	_, err := CheckPasswordHashIn(lane, d.hash, pw)
	return err
}
