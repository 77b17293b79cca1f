// Package onvif is a small ONVIF client written from the WSDL shapes: the
// device service (time, services, capabilities, identity), media (Media1
// and Media2 profiles and stream URIs), events (PullPoint) and PTZ. It only
// speaks SOAP 1.2 over HTTP; every connection goes through the dialer it is
// given (the camera-address policy), answers are bounded in size, and every
// failure becomes one of a few named reasons (reasons.go).
package onvif

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// MaxResponse bounds one SOAP answer; a device that sends more is broken or
// hostile, and is reported as bad_response without reading further.
const MaxResponse = 1 << 20

// Namespaces used in requests.
const (
	nsDevice  = "http://www.onvif.org/ver10/device/wsdl"
	nsMedia   = "http://www.onvif.org/ver10/media/wsdl"
	nsMedia2  = "http://www.onvif.org/ver20/media/wsdl"
	nsEvents  = "http://www.onvif.org/ver10/events/wsdl"
	nsPTZ     = "http://www.onvif.org/ver20/ptz/wsdl"
	nsSchema  = "http://www.onvif.org/ver10/schema"
	nsWSNT    = "http://docs.oasis-open.org/wsn/b-2"
	nsWSA     = "http://www.w3.org/2005/08/addressing"
	nsWSSE    = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	nsWSU     = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	pwDigest  = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
	nonceType = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)

// Dialer opens connections; the camera-address policy's DialContext is one.
type Dialer func(ctx context.Context, network, address string) (net.Conn, error)

// Client talks to one device. It is safe for concurrent use.
type Client struct {
	Username, Password string

	http *http.Client
	mu   sync.Mutex
	// offset is the device clock minus ours, applied to the WS-Security
	// timestamp: devices refuse tokens created too far from their time.
	offset time.Duration
	// digest is set once the device asked for HTTP digest authentication.
	digest *digestChallenge
	// basic is set once the device asked for HTTP Basic authentication and
	// offered no digest (go2rtc with credentials does; so do some older
	// firmwares): the password then travels as the device demands.
	basic bool
}

// NewClient builds a client whose every connection goes through dial (nil:
// the plain dialer, for tests only). Proxies from the environment are never
// used: the policy must see the device's own address.
func NewClient(dial Dialer, username, password string) *Client {
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	tr := &http.Transport{DialContext: dial, Proxy: nil, MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second, TLSHandshakeTimeout: 10 * time.Second}
	return &Client{Username: username, Password: password, http: &http.Client{Transport: tr, Timeout: 20 * time.Second,
		// A redirect is followed at most twice, through the same dialer, and
		// only on the device's own host: the dialer turns a P&P camera's
		// stand-in host into that camera's agent tunnel, so a device must
		// not be able to send us into another one (or anywhere not checked
		// when it was registered).
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 2 {
				return errors.New("too many redirects")
			}
			if !strings.EqualFold(req.URL.Hostname(), via[0].URL.Hostname()) {
				return fmt.Errorf("refused to follow the device to %s: it stays on its own host", req.URL.Host)
			}
			return nil
		}}}
}

// Close drops idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// SetClockOffset sets the device clock minus ours.
func (c *Client) SetClockOffset(d time.Duration) {
	c.mu.Lock()
	c.offset = d
	c.mu.Unlock()
}

// header builds the SOAP header: the WS-Security UsernameToken (digest of
// nonce + created + password) when a user is set, and WS-Addressing for
// calls that need it (events).
func (c *Client) header(to, action string) string {
	var b strings.Builder
	if action != "" {
		fmt.Fprintf(&b, `<wsa:Action>%s</wsa:Action><wsa:To>%s</wsa:To>`, esc(action), esc(to))
	}
	if c.Username != "" {
		c.mu.Lock()
		created := time.Now().Add(c.offset).UTC().Format("2006-01-02T15:04:05.000Z")
		c.mu.Unlock()
		nonce := make([]byte, 16)
		_, _ = rand.Read(nonce)
		h := sha1.New()
		h.Write(nonce)
		h.Write([]byte(created))
		h.Write([]byte(c.Password))
		fmt.Fprintf(&b, `<wsse:Security s:mustUnderstand="1" xmlns:wsse="%s" xmlns:wsu="%s"><wsse:UsernameToken>`+
			`<wsse:Username>%s</wsse:Username><wsse:Password Type="%s">%s</wsse:Password>`+
			`<wsse:Nonce EncodingType="%s">%s</wsse:Nonce><wsu:Created>%s</wsu:Created></wsse:UsernameToken></wsse:Security>`,
			nsWSSE, nsWSU, esc(c.Username), pwDigest, base64.StdEncoding.EncodeToString(h.Sum(nil)),
			nonceType, base64.StdEncoding.EncodeToString(nonce), created)
	}
	return b.String()
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// call posts body (one operation element) to url and decodes the element
// named want of the answer's Body into out (nil: only check for a fault).
// wsaAction, when set, adds WS-Addressing headers (events).
func (c *Client) call(ctx context.Context, url, body, want string, out any, wsaAction string) error {
	// The Body declares xsi and xsd, as gSOAP-based clients write it:
	// harmless to any device, and some (the onvif npm package's device
	// mockup among them) find the operation only in a Body written so.
	env := `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"` +
		` xmlns:wsa="` + nsWSA + `" xmlns:tt="` + nsSchema + `"><s:Header>` + c.header(url, wsaAction) + `</s:Header>` +
		`<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` + body + `</s:Body></s:Envelope>`
	resp, data, err := c.post(ctx, url, env, nil)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		challenges := resp.Header.Values("WWW-Authenticate")
		ch, isDigest := parseDigest(challenges)
		switch {
		case c.Username == "":
			return &Error{Reason: ReasonUnauthorized, Op: want, Err: errors.New("401 and no credentials to give")}
		case isDigest:
			c.mu.Lock()
			c.digest = ch
			c.mu.Unlock()
		case offersBasic(challenges):
			c.mu.Lock()
			c.basic = true
			c.mu.Unlock()
		default:
			return &Error{Reason: ReasonUnauthorized, Op: want, Err: errors.New("401 without a digest or basic challenge")}
		}
		resp, data, err = c.post(ctx, url, env, ch)
		if err != nil {
			return err
		}
		if resp.StatusCode == http.StatusUnauthorized {
			return &Error{Reason: ReasonUnauthorized, Op: want, Err: errors.New("HTTP credentials refused")}
		}
	}
	return decodeAnswer(resp.StatusCode, data, want, out)
}

func (c *Client) post(ctx context.Context, url, env string, ch *digestChallenge) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(env))
	if err != nil {
		return nil, nil, &Error{Reason: ReasonBadAddress, Err: err}
	}
	req.Header.Set("Content-Type", `application/soap+xml; charset=utf-8`)
	c.mu.Lock()
	if ch == nil {
		ch = c.digest
	}
	basic := c.basic
	c.mu.Unlock()
	switch {
	case c.Username == "":
	case ch != nil:
		req.Header.Set("Authorization", ch.authorize(c.Username, c.Password, http.MethodPost, req.URL.RequestURI()))
	case basic:
		req.SetBasicAuth(c.Username, c.Password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, &Error{Reason: reasonOfNetErr(err), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		return nil, nil, &Error{Reason: reasonOfNetErr(err), Err: err}
	}
	if len(data) > MaxResponse {
		return nil, nil, &Error{Reason: ReasonBadResponse, Err: fmt.Errorf("answer larger than %d bytes", MaxResponse)}
	}
	return resp, data, nil
}

// decodeAnswer finds the Body's first element: a Fault becomes an error
// (NotAuthorized: unauthorized), the expected element is decoded into out.
func decodeAnswer(status int, data []byte, want string, out any) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	inBody := false
	for {
		tok, err := d.Token()
		if err != nil {
			if status >= 400 {
				return httpStatusError(status, want)
			}
			return &Error{Reason: ReasonBadResponse, Op: want, Err: fmt.Errorf("no %s in the answer: %v", want, err)}
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !inBody {
			inBody = se.Name.Local == "Body"
			continue
		}
		switch se.Name.Local {
		case "Fault":
			var f soapFault
			if err := d.DecodeElement(&f, &se); err != nil {
				return &Error{Reason: ReasonBadResponse, Op: want, Err: err}
			}
			return f.err(want)
		case want:
			if out == nil {
				return nil
			}
			if err := d.DecodeElement(out, &se); err != nil {
				return &Error{Reason: ReasonBadResponse, Op: want, Err: err}
			}
			return nil
		default:
			if status >= 400 {
				return httpStatusError(status, want)
			}
			return &Error{Reason: ReasonBadResponse, Op: want, Err: fmt.Errorf("answer %s, want %s", se.Name.Local, want)}
		}
	}
}

func httpStatusError(status int, op string) error {
	r := ReasonBadResponse
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		r = ReasonUnauthorized
	}
	if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
		r = ReasonNotONVIF
	}
	return &Error{Reason: r, Op: op, Err: fmt.Errorf("HTTP %d", status)}
}

type soapFault struct {
	Code struct {
		Value   string `xml:"Value"`
		Subcode struct {
			Value   string `xml:"Value"`
			Subcode struct {
				Value string `xml:"Value"`
			} `xml:"Subcode"`
		} `xml:"Subcode"`
	} `xml:"Code"`
	Reason struct {
		Text string `xml:"Text"`
	} `xml:"Reason"`
}

func (f soapFault) err(op string) error {
	codes := f.Code.Value + " " + f.Code.Subcode.Value + " " + f.Code.Subcode.Subcode.Value
	r := ReasonBadResponse
	lower := strings.ToLower(codes + " " + f.Reason.Text)
	if strings.Contains(lower, "notauthorized") || strings.Contains(lower, "not authorized") || strings.Contains(lower, "failedauthentication") {
		r = ReasonUnauthorized
	}
	if strings.Contains(lower, "actionnotsupported") || strings.Contains(lower, "notsupported") {
		r = ReasonNotSupported
	}
	return &Error{Reason: r, Op: op, Err: fmt.Errorf("SOAP fault %s: %s", strings.TrimSpace(codes), limit(f.Reason.Text, 200))}
}

func limit(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
