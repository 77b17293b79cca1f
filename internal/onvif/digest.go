package onvif

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
)

// digestChallenge is an HTTP Digest (RFC 7616, MD5, qop=auth) challenge,
// the fallback for devices that refuse WS-Security and ask for it instead.
type digestChallenge struct {
	realm, nonce, opaque, qop string
	mu                        sync.Mutex
	nc                        int
}

func parseDigest(headers []string) (*digestChallenge, bool) {
	for _, h := range headers {
		if len(h) < 7 || !strings.EqualFold(h[:7], "digest ") {
			continue
		}
		ch := &digestChallenge{}
		for _, part := range splitParams(h[7:]) {
			k, v, ok := strings.Cut(part, "=")
			if !ok {
				continue
			}
			v = strings.Trim(strings.TrimSpace(v), `"`)
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "realm":
				ch.realm = v
			case "nonce":
				ch.nonce = v
			case "opaque":
				ch.opaque = v
			case "qop":
				for _, q := range strings.Split(v, ",") {
					if strings.TrimSpace(q) == "auth" {
						ch.qop = "auth"
					}
				}
			}
		}
		if ch.nonce != "" {
			return ch, true
		}
	}
	return nil, false
}

// offersBasic tells whether a 401's challenges include HTTP Basic.
func offersBasic(headers []string) bool {
	for _, h := range headers {
		if len(h) >= 5 && strings.EqualFold(h[:5], "basic") {
			return true
		}
	}
	return false
}

// splitParams splits on commas outside quotes.
func splitParams(s string) []string {
	var out []string
	quoted, start := false, 0
	for i, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ',' && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func (ch *digestChallenge) authorize(user, pass, method, uri string) string {
	ha1 := md5hex(user + ":" + ch.realm + ":" + pass)
	ha2 := md5hex(method + ":" + uri)
	if ch.qop == "" {
		return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s"%s`,
			user, ch.realm, ch.nonce, uri, md5hex(ha1+":"+ch.nonce+":"+ha2), ch.opaqueParam())
	}
	ch.mu.Lock()
	ch.nc++
	nc := fmt.Sprintf("%08x", ch.nc)
	ch.mu.Unlock()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	cnonce := hex.EncodeToString(b)
	resp := md5hex(ha1 + ":" + ch.nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", qop=auth, nc=%s, cnonce="%s", response="%s"%s`,
		user, ch.realm, ch.nonce, uri, nc, cnonce, resp, ch.opaqueParam())
}

func (ch *digestChallenge) opaqueParam() string {
	if ch.opaque == "" {
		return ""
	}
	return fmt.Sprintf(`, opaque="%s"`, ch.opaque)
}
