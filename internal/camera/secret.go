package camera

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFile is the name of the credentials key in the data directory.
const KeyFile = "secret.key"

// sealPrefix versions the ciphertext format so the key or algorithm can be
// rotated later without guessing what a stored value is.
const sealPrefix = "v1:"

// aad binds ciphertexts to their purpose: a value sealed for something else
// with the same key does not open as a camera credential.
var aad = []byte("vigilo camera credential")

// Secrets seals camera credentials with AES-256-GCM. A database dump alone
// does not reveal camera passwords: the key lives in a file of the data
// directory, readable only by the service user.
type Secrets struct {
	aead cipher.AEAD
	fp   string
}

// NewSecrets builds a sealer from a 32-byte key.
func NewSecrets(key []byte) (*Secrets, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("camera secret key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("vigilo secret.key fingerprint"))
	return &Secrets{aead: aead, fp: hex.EncodeToString(mac.Sum(nil)[:8])}, nil
}

// Fingerprint names the key without revealing it (an HMAC of a fixed
// text under the key): the nodes of a cluster compare theirs with the one
// the first node recorded in the shared database.
func (s *Secrets) Fingerprint() string { return s.fp }

// LoadKey reads a key file written as LoadOrCreateKey writes it (64 hex
// digits) or 32 raw bytes: VIGILO_SECRET_KEY_FILE, one file given to every
// node of a cluster.
func LoadKey(path string) (*Secrets, error) { return readKey(path) }

// LoadOrCreateKey reads dataDir/secret.key, creating it (0600, 32 random
// bytes written as hex) at first start. Losing the file makes stored camera
// passwords unreadable, so it is never overwritten.
func LoadOrCreateKey(dataDir string) (*Secrets, error) {
	path := filepath.Join(dataDir, KeyFile)
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	// O_EXCL: two processes starting at once agree on one key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
		if serr := f.Sync(); werr == nil {
			werr = serr
		}
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			os.Remove(path)
			return nil, fmt.Errorf("write %s: %w", path, werr)
		}
		return NewSecrets(key)
	case errors.Is(err, fs.ErrExist):
		return readKey(path)
	default:
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
}

func readKey(path string) (*Secrets, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	txt := strings.TrimSpace(string(b))
	if len(txt) == 64 {
		if key, err := hex.DecodeString(txt); err == nil {
			return NewSecrets(key)
		}
	}
	if len(b) == 32 { // a raw key written by an operator
		return NewSecrets(b)
	}
	return nil, fmt.Errorf("%s: expected 32 bytes as 64 hex digits", path)
}

// Seal encrypts plain; the empty string stays empty (no credential).
func (s *Secrets) Seal(plain string) (string, error) { return s.seal(plain, aad) }

// Open decrypts a value made by Seal.
func (s *Secrets) Open(sealed string) (string, error) { return s.open(sealed, aad) }

// SealFor seals another kind of credential with the same key (an SSO
// client secret): purpose is bound to the ciphertext, so a value sealed for
// one purpose does not open as another.
func (s *Secrets) SealFor(purpose, plain string) (string, error) {
	return s.seal(plain, []byte("vigilo "+purpose))
}

// OpenFor decrypts a value made by SealFor with the same purpose.
func (s *Secrets) OpenFor(purpose, sealed string) (string, error) {
	return s.open(sealed, []byte("vigilo "+purpose))
}

func (s *Secrets) seal(plain string, aad []byte) (string, error) {
	if plain == "" {
		return "", nil
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, []byte(plain), aad)
	return sealPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

func (s *Secrets) open(sealed string, aad []byte) (string, error) {
	if sealed == "" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return "", errors.New("unknown credential format")
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil {
		return "", fmt.Errorf("credential: %w", err)
	}
	n := s.aead.NonceSize()
	if len(raw) < n+s.aead.Overhead() {
		return "", errors.New("credential: too short")
	}
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], aad)
	if err != nil {
		return "", errors.New("credential: cannot decrypt (wrong secret.key?)")
	}
	return string(plain), nil
}
