package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// Token purposes. Sessions and API tokens authenticate requests; the others
// are single-use links sent by e-mail or printed at first start.
const (
	PurposeSession = "session"
	PurposeAPI     = "api"
	PurposeConfirm = "confirm"
	PurposeReset   = "reset"
	PurposeSetup   = "setup"
)

// ClientPortal marks sessions opened by the portal's own sign-in form: only
// those may use the API from the browser without the api_access module.
const ClientPortal = "portal"

// Lifetimes of each kind of token.
const (
	SessionTTL = 30 * 24 * time.Hour
	ConfirmTTL = 72 * time.Hour
	ResetTTL   = 2 * time.Hour
)

// NewToken returns a random token for the client and the hash to store.
// Only hashes are stored, so a leaked database cannot be replayed.
func NewToken() (plain, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	plain = base64.RawURLEncoding.EncodeToString(b)
	return plain, HashToken(plain)
}

// HashToken is the stored form of a token.
func HashToken(plain string) string {
	s := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(s[:])
}

// Session is a sign-in (browser cookie or Bearer token).
type Session struct {
	ID        int64
	UserID    int64
	Kind      string // PurposeSession or PurposeAPI
	Name      string
	CreatedAt time.Time
	ExpiresAt time.Time
}
