// Package onviftest is a small ONVIF device for tests of what go2rtc (the
// real device the tests also use) cannot show: WS-Security and HTTP digest
// authentication, PullPoint motion events, PTZ, and broken answers. It
// checks the UsernameToken digest as a camera does.
package onviftest

import (
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Auth is how the device wants credentials.
type Auth int

const (
	AuthWSSE   Auth = iota // WS-Security UsernameToken digest
	AuthDigest             // HTTP digest only (WS-Security ignored)
)

// Device is one fake device listening on 127.0.0.1.
type Device struct {
	Username, Password string
	Auth               Auth
	// StreamURI is what GetStreamUri answers for the main profile; sub
	// gets SubStreamURI.
	StreamURI, SubStreamURI string
	// ServiceHost replaces the host (or, as host:port, the host and port)
	// in the XAddrs it returns ("" = the request's), to test XAddrs that
	// name another place.
	ServiceHost string
	// Clock is added to the device's UTC time (a device whose clock is off).
	Clock time.Duration
	// Huge makes every answer after GetSystemDateAndTime n bytes long;
	// Malformed makes them broken XML.
	Huge      int
	Malformed bool
	// Term is what a subscription is granted, by its creation and by each
	// renewal (0: the minute asked for, not said in the answer); a pull
	// after it ran out is refused, as a device that ended it would.
	Term time.Duration

	URL string // the device service URL

	mu       sync.Mutex
	srv      *http.Server
	ln       net.Listener
	pending  []string // motion states waiting to be pulled ("true"/"false")
	wake     chan struct{}
	Calls    []string // PTZ operations received, with their arguments
	renewals int
	subs     int
	expires  time.Time // of the current subscription, when Term is set
	lapsed   int       // pulls refused because the term ran out
}

// Start listens on a free 127.0.0.1 port.
func Start(d *Device) (*Device, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d.ln, d.wake = ln, make(chan struct{}, 1)
	d.URL = "http://" + ln.Addr().String() + "/onvif/device_service"
	d.srv = &http.Server{Handler: http.HandlerFunc(d.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = d.srv.Serve(ln) }()
	return d, nil
}

// StartT starts d for a test and stops it when the test ends.
func StartT(t testing.TB, d *Device) *Device {
	t.Helper()
	dev, err := Start(d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dev.Close)
	return dev
}

// Close stops the device.
func (d *Device) Close() { _ = d.srv.Close() }

// Motion queues a motion report (on or off) for the next PullMessages.
func (d *Device) Motion(on bool) {
	d.mu.Lock()
	d.pending = append(d.pending, fmt.Sprint(on))
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// SetStreamURI changes the main stream address (a camera after a reboot).
func (d *Device) SetStreamURI(uri string) {
	d.mu.Lock()
	d.StreamURI = uri
	d.mu.Unlock()
}

// PTZCalls returns the PTZ operations received so far.
func (d *Device) PTZCalls() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.Calls...)
}

// Lapsed counts pulls refused because the subscription's term ran out
// before a renewal.
func (d *Device) Lapsed() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lapsed
}

// grant starts a term for the subscription: the answer's CurrentTime and
// TerminationTime elements (only CurrentTime when Term is unset).
func (d *Device) grant() string {
	if d.Term <= 0 {
		return `<wsnt:CurrentTime>` + time.Now().UTC().Format(time.RFC3339) + `</wsnt:CurrentTime>`
	}
	now := time.Now().UTC()
	d.expires = now.Add(d.Term)
	// Like a cheap camera: times without a zone.
	const layout = "2006-01-02T15:04:05.000"
	return `<wsnt:CurrentTime>` + now.Format(layout) + `</wsnt:CurrentTime><wsnt:TerminationTime>` + d.expires.Format(layout) + `</wsnt:TerminationTime>`
}

// Subscriptions counts CreatePullPointSubscription and Renew calls.
func (d *Device) Subscriptions() (created, renewed int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.subs, d.renewals
}

var opRe = regexp.MustCompile(`Body[^>]*>\s*<(?:[A-Za-z0-9_]+:)?([A-Za-z]+)`)

func (d *Device) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	m := opRe.FindSubmatch(body)
	if m == nil {
		http.Error(w, "not SOAP", http.StatusBadRequest)
		return
	}
	op := string(m[1])
	if op != "GetSystemDateAndTime" && d.Username != "" {
		switch d.Auth {
		case AuthDigest:
			if !d.digestOK(r) {
				w.Header().Set("WWW-Authenticate", `Digest realm="fake", qop="auth", nonce="abc123", opaque="xyz"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		default:
			if !d.wsseOK(string(body)) {
				w.Header().Set("Content-Type", "application/soap+xml")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, envelope(`<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:NotAuthorized</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">Sender not Authorized</s:Text></s:Reason></s:Fault>`))
				return
			}
		}
	}
	if op != "GetSystemDateAndTime" {
		if d.Huge > 0 {
			w.Header().Set("Content-Type", "application/soap+xml")
			fmt.Fprint(w, `<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x>`)
			chunk := strings.Repeat("A", 64<<10)
			for n := 0; n < d.Huge; n += len(chunk) {
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
			}
			return
		}
		if d.Malformed {
			w.Header().Set("Content-Type", "application/soap+xml")
			fmt.Fprint(w, `<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><tds:GetServicesResponse><<<`)
			return
		}
	}
	host := r.Host
	if d.ServiceHost != "" {
		host = d.ServiceHost
		if _, _, err := net.SplitHostPort(d.ServiceHost); err != nil { // a host alone: the request's port
			_, port, _ := net.SplitHostPort(r.Host)
			host = net.JoinHostPort(d.ServiceHost, port)
		}
	}
	base := "http://" + host + "/onvif/"
	var out string
	switch op {
	case "GetSystemDateAndTime":
		t := time.Now().UTC().Add(d.Clock)
		out = fmt.Sprintf(`<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>Manual</tt:DateTimeType><tt:UTCDateTime>`+
			`<tt:Time><tt:Hour>%d</tt:Hour><tt:Minute>%d</tt:Minute><tt:Second>%d</tt:Second></tt:Time>`+
			`<tt:Date><tt:Year>%d</tt:Year><tt:Month>%d</tt:Month><tt:Day>%d</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`,
			t.Hour(), t.Minute(), t.Second(), t.Year(), t.Month(), t.Day())
	case "GetServices":
		out = `<tds:GetServicesResponse>` + svc("http://www.onvif.org/ver10/device/wsdl", base+"device_service") +
			svc("http://www.onvif.org/ver10/media/wsdl", base+"media_service") +
			svc("http://www.onvif.org/ver10/events/wsdl", base+"events_service") +
			svc("http://www.onvif.org/ver20/ptz/wsdl", base+"ptz_service") + `</tds:GetServicesResponse>`
	case "GetDeviceInformation":
		out = `<tds:GetDeviceInformationResponse><tds:Manufacturer>Fakecam</tds:Manufacturer><tds:Model>FC-2000 PTZ</tds:Model>` +
			`<tds:FirmwareVersion>1.2.3</tds:FirmwareVersion><tds:SerialNumber>SN0001</tds:SerialNumber><tds:HardwareId>1</tds:HardwareId></tds:GetDeviceInformationResponse>`
	case "GetProfiles":
		out = `<trt:GetProfilesResponse>` + profile("main", 1280, 720) + profile("sub", 320, 180) + `</trt:GetProfilesResponse>`
	case "GetStreamUri":
		d.mu.Lock()
		uri := d.StreamURI
		if strings.Contains(string(body), ">sub<") {
			uri = d.SubStreamURI
		}
		d.mu.Unlock()
		out = `<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>` + uri + `</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect></trt:MediaUri></trt:GetStreamUriResponse>`
	case "CreatePullPointSubscription":
		d.mu.Lock()
		d.subs++
		granted := d.grant()
		d.mu.Unlock()
		out = `<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference><wsa:Address>` + base + `pullpoint/1</wsa:Address></tev:SubscriptionReference>` +
			granted + `</tev:CreatePullPointSubscriptionResponse>`
	case "PullMessages":
		d.mu.Lock()
		ended := d.Term > 0 && time.Now().After(d.expires)
		if ended {
			d.lapsed++
		}
		d.mu.Unlock()
		if ended {
			w.Header().Set("Content-Type", "application/soap+xml")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, envelope(`<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text xml:lang="en">subscription ended</s:Text></s:Reason></s:Fault>`))
			return
		}
		out = d.pull(r, body)
	case "Renew":
		d.mu.Lock()
		d.renewals++
		if d.Term > 0 {
			// CurrentTime is optional in a RenewResponse, and left out here:
			// the term is the one granted at creation.
			d.grant()
			out = `<wsnt:RenewResponse><wsnt:TerminationTime>` + d.expires.Format(time.RFC3339Nano) + `</wsnt:TerminationTime></wsnt:RenewResponse>`
		} else {
			out = `<wsnt:RenewResponse><wsnt:TerminationTime>` + time.Now().Add(time.Minute).UTC().Format(time.RFC3339) + `</wsnt:TerminationTime></wsnt:RenewResponse>`
		}
		d.mu.Unlock()
	case "Unsubscribe":
		out = `<wsnt:UnsubscribeResponse/>`
	case "ContinuousMove", "Stop", "GotoPreset":
		args := regexp.MustCompile(`(x|y)="([-0-9.]+)"|<(?:[a-z]+:)?PresetToken>([^<]*)<`).FindAllString(string(body), -1)
		d.mu.Lock()
		d.Calls = append(d.Calls, op+" "+strings.Join(args, " "))
		d.mu.Unlock()
		out = `<tptz:` + op + `Response/>`
	case "GetPresets":
		out = `<tptz:GetPresetsResponse><tptz:Preset token="p1"><tt:Name>Door</tt:Name></tptz:Preset><tptz:Preset token="p2"><tt:Name>Yard</tt:Name></tptz:Preset></tptz:GetPresetsResponse>`
	default:
		http.Error(w, "unsupported", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
	fmt.Fprint(w, envelope(out))
}

var timeoutRe = regexp.MustCompile(`Timeout>PT(\d+)S<`)

// pull answers PullMessages: at once with what is queued, or after the
// request's timeout (at most 2 s, to keep tests short) with nothing.
func (d *Device) pull(r *http.Request, body []byte) string {
	wait := 2 * time.Second
	if m := timeoutRe.FindSubmatch(body); m != nil {
		if n, err := strconv.Atoi(string(m[1])); err == nil && time.Duration(n)*time.Second < wait {
			wait = time.Duration(n) * time.Second
		}
	}
	deadline := time.After(wait)
	for {
		d.mu.Lock()
		q := d.pending
		d.pending = nil
		d.mu.Unlock()
		if len(q) > 0 {
			var b strings.Builder
			b.WriteString(`<tev:PullMessagesResponse><tev:CurrentTime>` + time.Now().UTC().Format(time.RFC3339) + `</tev:CurrentTime>`)
			for _, on := range q {
				fmt.Fprintf(&b, `<wsnt:NotificationMessage><wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">tns1:RuleEngine/CellMotionDetector/Motion</wsnt:Topic>`+
					`<wsnt:Message><tt:Message UtcTime="%s" PropertyOperation="Changed"><tt:Source><tt:SimpleItem Name="VideoSourceConfigurationToken" Value="main"/></tt:Source>`+
					`<tt:Data><tt:SimpleItem Name="IsMotion" Value="%s"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>`,
					time.Now().UTC().Format(time.RFC3339Nano), on)
			}
			b.WriteString(`</tev:PullMessagesResponse>`)
			return b.String()
		}
		select {
		case <-d.wake:
		case <-deadline:
			return `<tev:PullMessagesResponse><tev:CurrentTime>` + time.Now().UTC().Format(time.RFC3339) + `</tev:CurrentTime></tev:PullMessagesResponse>`
		case <-r.Context().Done():
			return ""
		}
	}
}

func svc(ns, x string) string {
	return `<tds:Service><tds:Namespace>` + ns + `</tds:Namespace><tds:XAddr>` + x + `</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>5</tt:Minor></tds:Version></tds:Service>`
}

func profile(token string, w, h int) string {
	return fmt.Sprintf(`<trt:Profiles token="%s" fixed="true"><tt:Name>%s</tt:Name><tt:VideoEncoderConfiguration token="vec-%s"><tt:Name>v</tt:Name>`+
		`<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>%d</tt:Width><tt:Height>%d</tt:Height></tt:Resolution></tt:VideoEncoderConfiguration>`+
		`<tt:PTZConfiguration token="ptz"><tt:Name>ptz</tt:Name></tt:PTZConfiguration></trt:Profiles>`, token, token, token, w, h)
}

func envelope(body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema"` +
		` xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tev="http://www.onvif.org/ver10/events/wsdl"` +
		` xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:wsa="http://www.w3.org/2005/08/addressing"` +
		` xmlns:ter="http://www.onvif.org/ver10/error"><s:Body>` + body + `</s:Body></s:Envelope>`
}

var (
	userRe    = regexp.MustCompile(`<(?:\w+:)?Username>([^<]*)<`)
	passRe    = regexp.MustCompile(`<(?:\w+:)?Password[^>]*>([^<]*)<`)
	nonceRe   = regexp.MustCompile(`<(?:\w+:)?Nonce[^>]*>([^<]*)<`)
	createdRe = regexp.MustCompile(`<(?:\w+:)?Created>([^<]*)<`)
)

// wsseOK checks the UsernameToken as a camera does: the digest, and a
// creation time within 5 s of the device's own clock.
func (d *Device) wsseOK(body string) bool {
	u, p, n, c := userRe.FindStringSubmatch(body), passRe.FindStringSubmatch(body), nonceRe.FindStringSubmatch(body), createdRe.FindStringSubmatch(body)
	if u == nil || p == nil || n == nil || c == nil || u[1] != d.Username {
		return false
	}
	created, err := time.Parse(time.RFC3339Nano, c[1])
	if err != nil {
		return false
	}
	if skew := created.Sub(time.Now().UTC().Add(d.Clock)); skew > 5*time.Second || skew < -5*time.Second {
		return false
	}
	nonce, err := base64.StdEncoding.DecodeString(n[1])
	if err != nil {
		return false
	}
	h := sha1.New()
	h.Write(nonce)
	h.Write([]byte(c[1]))
	h.Write([]byte(d.Password))
	return base64.StdEncoding.EncodeToString(h.Sum(nil)) == p[1]
}

var paramRe = regexp.MustCompile(`(\w+)=(?:"([^"]*)"|([^,\s]*))`)

func (d *Device) digestOK(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if !strings.HasPrefix(h, "Digest ") {
		return false
	}
	p := map[string]string{}
	for _, m := range paramRe.FindAllStringSubmatch(h[7:], -1) {
		p[m[1]] = m[2] + m[3]
	}
	md := func(s string) string { x := md5.Sum([]byte(s)); return hex.EncodeToString(x[:]) }
	if p["username"] != d.Username || p["nonce"] != "abc123" {
		return false
	}
	ha1 := md(d.Username + ":fake:" + d.Password)
	ha2 := md(r.Method + ":" + p["uri"])
	return p["response"] == md(ha1+":abc123:"+p["nc"]+":"+p["cnonce"]+":auth:"+ha2)
}
