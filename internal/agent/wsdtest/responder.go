// Package wsdtest answers WS-Discovery probes on a 127.0.0.1 UDP port the
// way an ONVIF device does (a ProbeMatch relating to the probe's
// MessageID), for tests of the agent's discovery by unicast probe.
package wsdtest

import (
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Device is what the responder says of itself.
type Device struct {
	Endpoint, XAddr, Name, Hardware string
}

// Responder is a running WS-Discovery responder.
type Responder struct {
	conn   *net.UDPConn
	wg     sync.WaitGroup
	mu     sync.Mutex
	probes int
}

var msgIDRe = regexp.MustCompile(`<[A-Za-z0-9]*:?MessageID>([^<]+)</`)

// Start answers every probe with one ProbeMatch per device (and, first,
// a stray answer to some other probe, which the client must ignore).
func Start(t testing.TB, devs ...Device) *Responder {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	r := &Responder{conn: conn}
	r.wg.Add(1)
	go r.serve(devs)
	t.Cleanup(func() { _ = conn.Close(); r.wg.Wait() })
	return r
}

// Addr is the host:port to probe.
func (r *Responder) Addr() string { return r.conn.LocalAddr().String() }

// Probes counts the probes received.
func (r *Responder) Probes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.probes
}

func (r *Responder) serve(devs []Device) {
	defer r.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, from, err := r.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		m := msgIDRe.FindSubmatch(buf[:n])
		if m == nil || !strings.Contains(string(buf[:n]), "NetworkVideoTransmitter") {
			continue
		}
		r.mu.Lock()
		r.probes++
		r.mu.Unlock()
		_, _ = r.conn.WriteToUDP([]byte(answer("uuid:someone-else", devs)), from)
		_, _ = r.conn.WriteToUDP([]byte(answer(string(m[1]), devs)), from)
	}
}

func answer(relatesTo string, devs []Device) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" ` +
		`xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" ` +
		`xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><SOAP-ENV:Header><wsa:MessageID>uuid:answer</wsa:MessageID>` +
		`<wsa:RelatesTo>` + relatesTo + `</wsa:RelatesTo><wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>` +
		`<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></SOAP-ENV:Header><SOAP-ENV:Body><d:ProbeMatches>`)
	for _, d := range devs {
		b.WriteString(`<d:ProbeMatch><wsa:EndpointReference><wsa:Address>` + d.Endpoint + `</wsa:Address></wsa:EndpointReference>` +
			`<d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/name/` +
			strings.ReplaceAll(d.Name, " ", "%20") + ` onvif://www.onvif.org/hardware/` + strings.ReplaceAll(d.Hardware, " ", "%20") +
			`</d:Scopes><d:XAddrs>` + d.XAddr + `</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch>`)
	}
	b.WriteString(`</d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>`)
	return b.String()
}
