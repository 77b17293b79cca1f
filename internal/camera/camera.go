// Package camera holds cameras as the business sees them (R8): a video source
// registered to an integrator, assigned to one of its customers with a plan,
// switchable off on its own for privacy. It validates what people type in
// (names, RTSP addresses, ONVIF and P&P details) and keeps credentials
// encrypted at rest (secret.go). It knows nothing of HTTP, SQL or video.
package camera

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/tenancy"
)

// Type is how a camera is reached.
type Type string

const (
	// Generic: an RTSP URL the recorder pulls from.
	Generic Type = "generic"
	// ONVIF: an address and credentials; the stream address is asked from
	// the device by the ONVIF connector (internal/onvifconn), which stores
	// it as the camera's RTSP URL. "pending" until the first attempt.
	ONVIF Type = "onvif"
	// PnP: an agent on the camera or its LAN connects outbound, identified
	// by a device id and a claim code; the recorder reaches the camera
	// through the agent's tunnel (internal/tunnel).
	PnP Type = "pnp"
)

// Valid reports whether t is a known type.
func (t Type) Valid() bool { return t == Generic || t == ONVIF || t == PnP }

// Connectable reports whether this build can reach the camera: itself
// (generic; ONVIF once its device gave a stream address), or for P&P
// through the agent.
func (t Type) Connectable() bool { return t == Generic || t == ONVIF || t == PnP }

// Field limits.
const (
	MaxName     = 100
	MaxURL      = 2048
	MaxUsername = 200
	MaxPassword = 200
)

// Camera is one video source.
type Camera struct {
	ID           int64
	IntegratorID int64 // the integrator that registered it (owner of the hardware relation)
	CustomerID   int64 // 0: not assigned
	PlanID       int64 // 0: no plan
	Type         Type
	Name         string
	// Enabled is the camera's own switch (privacy): off means no live view
	// and no new recording; old recordings stay viewable.
	Enabled bool
	// RTSPURL never holds credentials: they are split off into Username
	// and the encrypted secret when the camera is registered.
	RTSPURL string
	// SubStreamURL is the camera's second, lower-resolution stream for
	// grid tiles ("" when none; the main stream serves them then). Same
	// credentials as the main stream, never in the URL.
	SubStreamURL string
	ONVIFAddress string
	Username     string
	// SecretEnc is the password sealed by Secrets ("" when none).
	SecretEnc string
	DeviceID  string
	// ClaimCodeHash is the SHA-256 of the P&P claim code; the code itself
	// is a bearer secret and is not kept.
	ClaimCodeHash string
	// ONVIF holds what an ONVIF device told at onboarding (zero until then);
	// ConnectReason names why the last onboarding attempt failed ("" when it
	// worked or none was made), at ConnectCheckedAt (zero: never).
	ONVIF            ONVIFInfo
	ConnectReason    string
	ConnectCheckedAt time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// FirstVideo is when the recorder indexed the camera's first segment
	// (zero: never); fixed-plan charges start on its UTC day.
	FirstVideo time.Time

	// Paths of the integrator and (when assigned) the customer, loaded with
	// the camera for the access decision; not columns of the camera.
	IntegratorPath string
	CustomerPath   string
}

// HasPassword reports whether credentials are stored (never the credentials).
func (c Camera) HasPassword() bool { return c.SecretEnc != "" }

// Assigned reports whether the camera has a customer.
func (c Camera) Assigned() bool { return c.CustomerID != 0 }

// VisibleTo is R10 for cameras: a camera exists for an actor when it was
// registered in the actor's subtree or is assigned to an account in it.
func (c Camera) VisibleTo(actor tenancy.Actor) bool {
	return tenancy.InSubtree(actor.AccountPath, c.IntegratorPath) ||
		(c.CustomerPath != "" && tenancy.InSubtree(actor.AccountPath, c.CustomerPath))
}

// ManagedBy reports whether the actor may assign, move or delete the camera:
// the registering integrator and the accounts above it. A customer (or a
// sub-integrator holding only the customer) sees the camera but may only
// rename it or switch it off and on.
func (c Camera) ManagedBy(actor tenancy.Actor) bool {
	return tenancy.InSubtree(actor.AccountPath, c.IntegratorPath)
}

// Status words for a camera's connection, shown beside the live figures.
const (
	StatePending   = "pending"   // ONVIF: not onboarded yet; P&P: agent not available
	StateOff       = "off"       // switched off on its own
	StateIdle      = "idle"      // should not record (unassigned, no plan, account disabled, module off)
	StateRecording = "recording" // recording now
	StateOffline   = "offline"   // should record but the camera cannot be reached
)

// Credentials is a user name and password given apart from the URL.
type Credentials struct {
	Username string
	Password string
}

// ONVIFInput is the "onvif" object of a registration.
type ONVIFInput struct {
	Address  string
	Username string
	Password string
}

// PnPInput is the "pnp" object of a registration.
type PnPInput struct {
	DeviceID  string
	ClaimCode string
}

// NewCamera is a registration, already decoded.
type NewCamera struct {
	Type         Type
	Name         string
	RTSPURL      string
	SubStreamURL string
	Username     string
	Password     string
	ONVIF        *ONVIFInput
	PnP          *PnPInput
}

// Validated is a registration after validation: the camera to store (without
// ids) and the password to seal.
type Validated struct {
	Camera   Camera
	Password string
}

var deviceIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{2,63}$`)

// ValidDeviceID reports whether id is a well-formed P&P device id.
func ValidDeviceID(id string) bool { return deviceIDRe.MatchString(id) }

// Validate checks a registration and normalizes it. Credentials inside the
// URL are moved out of it, so a stored or displayed URL never carries a
// password; a separate username/password wins over the URL's.
func (n NewCamera) Validate() (Validated, error) {
	f := errs.Fields{}
	var v Validated
	name := strings.TrimSpace(n.Name)
	CheckName(f, "name", name)
	v.Camera = Camera{Type: n.Type, Name: name, Enabled: true}
	switch n.Type {
	case Generic:
		if n.ONVIF != nil {
			f.Add("onvif", `only for type "onvif"`)
		}
		if n.PnP != nil {
			f.Add("pnp", `only for type "pnp"`)
		}
		clean, cred, ok := ParseRTSPURL(f, "rtsp_url", n.RTSPURL)
		if ok {
			v.Camera.RTSPURL = clean
			v.Camera.Username, v.Password = cred.Username, cred.Password
		}
		if n.Username != "" || n.Password != "" {
			checkCredentials(f, "username", "password", n.Username, n.Password)
			v.Camera.Username, v.Password = n.Username, n.Password
		}
		if n.SubStreamURL != "" {
			v.Camera.SubStreamURL = checkSubStream(f, n.SubStreamURL, v.Camera.Username, v.Password)
		}
	case ONVIF:
		if n.SubStreamURL != "" {
			f.Add("sub_rtsp_url", `only for type "generic"; an ONVIF camera is asked for its sub stream`)
		}
		if n.RTSPURL != "" {
			f.Add("rtsp_url", `only for type "generic"; an ONVIF camera is asked for its stream address`)
		}
		if n.PnP != nil {
			f.Add("pnp", `only for type "pnp"`)
		}
		if n.ONVIF == nil {
			f.Add("onvif", "is required: {address, username, password}")
			break
		}
		addr, ok := checkONVIFAddress(f, "onvif.address", n.ONVIF.Address)
		if ok {
			v.Camera.ONVIFAddress = addr
		}
		if strings.TrimSpace(n.ONVIF.Username) == "" {
			f.Add("onvif.username", "is required")
		}
		checkCredentials(f, "onvif.username", "onvif.password", n.ONVIF.Username, n.ONVIF.Password)
		v.Camera.Username, v.Password = n.ONVIF.Username, n.ONVIF.Password
	case PnP:
		if n.SubStreamURL != "" {
			f.Add("sub_rtsp_url", `only for type "generic"`)
		}
		if n.RTSPURL != "" {
			f.Add("rtsp_url", `only for type "generic"; a P&P camera connects to us`)
		}
		if n.ONVIF != nil {
			f.Add("onvif", `only for type "onvif"`)
		}
		if n.PnP == nil {
			f.Add("pnp", "is required: {device_id, claim_code}")
			break
		}
		id := strings.TrimSpace(n.PnP.DeviceID)
		if !deviceIDRe.MatchString(id) {
			f.Add("pnp.device_id", "must be 3 to 64 letters, digits or . _ : -")
		}
		code := strings.TrimSpace(n.PnP.ClaimCode)
		if len(code) < 6 || len(code) > 64 {
			f.Add("pnp.claim_code", "must be 6 to 64 characters (printed on the device or its agent)")
		}
		v.Camera.DeviceID, v.Camera.ClaimCodeHash = id, HashClaimCode(code)
	default:
		f.Add("type", `must be "generic", "onvif" or "pnp"`)
	}
	return v, f.Err()
}

// CheckName validates a camera name.
func CheckName(f errs.Fields, field, name string) {
	tenancy.CheckName(f, field, name, MaxName, true)
}

// ParseRTSPURL validates an rtsp:// or rtsps:// address and splits off any
// credentials it carries. clean is the URL without user info.
func ParseRTSPURL(f errs.Fields, field, raw string) (clean string, cred Credentials, ok bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		f.Add(field, "is required, e.g. rtsp://192.168.1.20:554/stream1")
		return "", cred, false
	}
	if len(raw) > MaxURL {
		f.Add(field, "is too long")
		return "", cred, false
	}
	u, err := url.Parse(raw)
	if err != nil {
		f.Add(field, "is not a valid URL")
		return "", cred, false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "rtsp" && scheme != "rtsps" {
		f.Add(field, "must start with rtsp:// or rtsps://")
		return "", cred, false
	}
	if u.Hostname() == "" {
		f.Add(field, "must name a host, e.g. rtsp://192.168.1.20/stream1")
		return "", cred, false
	}
	if p := u.Port(); p != "" {
		if n, err := parsePort(p); err != nil || n == 0 {
			f.Add(field, "has an invalid port")
			return "", cred, false
		}
	}
	if u.Fragment != "" {
		f.Add(field, "must not contain a #fragment")
		return "", cred, false
	}
	if u.User != nil {
		cred.Username = u.User.Username()
		cred.Password, _ = u.User.Password()
		if len(cred.Username) > MaxUsername || len(cred.Password) > MaxPassword {
			f.Add(field, "carries credentials that are too long")
			return "", cred, false
		}
		u.User = nil
	}
	u.Scheme = scheme
	return u.String(), cred, true
}

func parsePort(p string) (int, error) {
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return 0, errs.New(errs.Invalid, "port", "not a number")
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return 0, errs.New(errs.Invalid, "port", "out of range")
		}
	}
	return n, nil
}

func checkCredentials(f errs.Fields, userField, passField, user, pass string) {
	if len(user) > MaxUsername {
		f.Add(userField, "is too long")
	}
	if strings.ContainsAny(user, "\x00\r\n") {
		f.Add(userField, "contains control characters")
	}
	if len(pass) > MaxPassword {
		f.Add(passField, "is too long")
	}
	if strings.ContainsAny(pass, "\x00\r\n") {
		f.Add(passField, "contains control characters")
	}
}

// checkONVIFAddress accepts host, host:port or an http(s) URL of the device.
func checkONVIFAddress(f errs.Fields, field, raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		f.Add(field, "is required, e.g. 192.168.1.20 or http://192.168.1.20:8080")
		return "", false
	}
	if len(raw) > MaxURL {
		f.Add(field, "is too long")
		return "", false
	}
	if strings.Contains(raw, "://") {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
			f.Add(field, "must be a host, host:port or an http(s):// address")
			return "", false
		}
		if u.User != nil {
			f.Add(field, "must not carry credentials; use onvif.username and onvif.password")
			return "", false
		}
		return u.String(), true
	}
	host := raw
	if h, p, err := net.SplitHostPort(raw); err == nil {
		if n, perr := parsePort(p); perr != nil || n == 0 {
			f.Add(field, "has an invalid port")
			return "", false
		}
		host = h
	}
	if host == "" || strings.ContainsAny(host, " /?#@") {
		f.Add(field, "must be a host, host:port or an http(s):// address")
		return "", false
	}
	return raw, true
}

// HashClaimCode hashes a P&P claim code for storage and later comparison.
func HashClaimCode(code string) string {
	sum := sha256.Sum256([]byte("vigilo-pnp-claim:" + strings.TrimSpace(code)))
	return hex.EncodeToString(sum[:])
}

// StreamURL is the address the recorder dials: the stored URL with the
// credentials put back in. It lives only in memory.
func StreamURL(rawURL, username, password string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	if username != "" || password != "" {
		if password != "" {
			u.User = url.UserPassword(username, password)
		} else {
			u.User = url.User(username)
		}
	}
	return u.String(), nil
}

// Patch changes some of a camera; nil means unchanged. CustomerSet with
// CustomerID 0 unassigns.
type Patch struct {
	Name        *string
	Enabled     *bool
	CustomerSet bool
	CustomerID  int64
	PlanSet     bool
	PlanID      int64
	RTSPURL     *string
	// SubStreamURL "" removes the sub stream.
	SubStreamURL *string
	Username     *string
	Password     *string
}

// TouchesAssignment reports whether the patch needs the right to manage the
// camera (assign, move, plan, connection), not only to use it.
func (p Patch) TouchesAssignment() bool {
	return p.CustomerSet || p.PlanSet || p.RTSPURL != nil || p.SubStreamURL != nil || p.Username != nil || p.Password != nil
}

// Validate checks what needs no database and normalizes in place.
func (p *Patch) Validate() error {
	f := errs.Fields{}
	if p.Name != nil {
		*p.Name = strings.TrimSpace(*p.Name)
		CheckName(f, "name", *p.Name)
	}
	if p.CustomerSet && p.CustomerID < 0 {
		f.Add("customer_id", "must be an account id or null")
	}
	if p.PlanSet && p.PlanID < 0 {
		f.Add("plan_id", "must be a plan id or null")
	}
	if p.RTSPURL != nil {
		clean, cred, ok := ParseRTSPURL(f, "rtsp_url", *p.RTSPURL)
		if ok {
			*p.RTSPURL = clean
			if cred.Username != "" && p.Username == nil {
				p.Username = &cred.Username
			}
			if cred.Password != "" && p.Password == nil {
				p.Password = &cred.Password
			}
		}
	}
	if p.SubStreamURL != nil && *p.SubStreamURL != "" {
		clean, cred, ok := ParseRTSPURL(f, "sub_rtsp_url", *p.SubStreamURL)
		if ok && (cred.Username != "" || cred.Password != "") {
			f.Add("sub_rtsp_url", "must not hold credentials: the camera's username and password serve both streams")
		}
		*p.SubStreamURL = clean
	}
	if p.Username != nil || p.Password != nil {
		var u, pw string
		if p.Username != nil {
			u = *p.Username
		}
		if p.Password != nil {
			pw = *p.Password
		}
		checkCredentials(f, "username", "password", u, pw)
	}
	return f.Err()
}

// checkSubStream validates a sub stream address like rtsp_url and returns it
// without credentials. Credentials in it must be the camera's own: one
// user name and password serve both streams.
func checkSubStream(f errs.Fields, raw, user, pw string) string {
	clean, cred, ok := ParseRTSPURL(f, "sub_rtsp_url", raw)
	if !ok {
		return ""
	}
	if (cred.Username != "" && cred.Username != user) || (cred.Password != "" && cred.Password != pw) {
		f.Add("sub_rtsp_url", "must use the camera's user name and password (those of rtsp_url), or none")
	}
	return clean
}
