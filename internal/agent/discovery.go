package agent

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/tunnel"
)

// WS-Discovery (ONVIF Core §7, WS-Discovery 2005/04): the agent sends a
// Probe for NetworkVideoTransmitter devices by UDP to the multicast group
// on its LAN (and to any unicast addresses it is given, for networks where
// multicast does not reach the camera, and for tests); every device answers
// with a ProbeMatch naming its device service address (XAddrs) and scopes
// (name, hardware). The agent reports what it found to the server, which
// lists it for the integrator; serving a device still takes --onvif.

// DiscoveryGroup is the WS-Discovery multicast address.
const DiscoveryGroup = "239.255.255.250:3702"

const (
	// maxDiscovered bounds what one probe keeps (and the report).
	maxDiscovered = 64
	// maxProbeMatch bounds one answer datagram we read.
	maxProbeMatch = 64 << 10
)

const probeTemplate = `<?xml version="1.0" encoding="UTF-8"?>
<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">
<e:Header><w:MessageID>uuid:%ID%</w:MessageID><w:To e:mustUnderstand="true">urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To><w:Action e:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action></e:Header>
<e:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></e:Body>
</e:Envelope>`

// probeMatches is the part of a ProbeMatches answer we read (by local
// names: devices differ in prefixes).
type probeMatches struct {
	RelatesTo string `xml:"Header>RelatesTo"`
	Matches   []struct {
		Address string `xml:"EndpointReference>Address"`
		Types   string `xml:"Types"`
		Scopes  string `xml:"Scopes"`
		XAddrs  string `xml:"XAddrs"`
	} `xml:"Body>ProbeMatches>ProbeMatch"`
}

// Discover probes for ONVIF devices for the length of wait: by multicast
// (multicast true) and at each unicast target (host:port). Devices are
// told apart by their endpoint address; the list is sorted by it.
func Discover(ctx context.Context, multicast bool, targets []string, wait time.Duration) ([]camera.DiscoveredDevice, error) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	h := hex.EncodeToString(id)
	msgID := h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	probe := []byte(strings.Replace(probeTemplate, "%ID%", msgID, 1))
	dsts := slices.Clone(targets)
	if multicast {
		dsts = append(dsts, DiscoveryGroup)
	}
	sent := 0
	var lastErr error
	for _, d := range dsts {
		addr, err := net.ResolveUDPAddr("udp4", d)
		if err == nil {
			_, err = conn.WriteToUDP(probe, addr)
		}
		if err != nil {
			lastErr = err
			continue
		}
		sent++
	}
	if sent == 0 {
		if lastErr == nil {
			lastErr = errors.New("no address to probe")
		}
		return nil, lastErr
	}
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	found := map[string]camera.DiscoveredDevice{}
	buf := make([]byte, maxProbeMatch)
	for len(found) < maxDiscovered {
		n, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			break // the wait is over (or ctx ended)
		}
		for _, d := range parseProbeMatches(buf[:n], "uuid:"+msgID) {
			if _, ok := found[d.Endpoint]; !ok && len(found) < maxDiscovered {
				found[d.Endpoint] = d
			}
		}
	}
	out := make([]camera.DiscoveredDevice, 0, len(found))
	for _, d := range found {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b camera.DiscoveredDevice) int { return strings.Compare(a.Endpoint, b.Endpoint) })
	return out, nil
}

// parseProbeMatches reads the devices of one answer to our probe (msgID);
// anything else — another probe's answer, a device without a usable http
// service address, broken XML — yields nothing.
func parseProbeMatches(b []byte, msgID string) []camera.DiscoveredDevice {
	var pm probeMatches
	dec := xml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&pm); err != nil || strings.TrimSpace(pm.RelatesTo) != msgID {
		return nil
	}
	var out []camera.DiscoveredDevice
	for _, m := range pm.Matches {
		d := camera.DiscoveredDevice{Endpoint: strings.TrimSpace(m.Address)}
		for _, x := range strings.Fields(m.XAddrs) {
			u, err := url.Parse(x)
			if err == nil && u.Scheme == "http" && u.Hostname() != "" && u.User == nil {
				if ip := net.ParseIP(u.Hostname()); ip == nil || ip.To4() != nil { // IPv4 or a name first
					d.XAddr = u.String()
					break
				}
				if d.XAddr == "" {
					d.XAddr = u.String()
				}
			}
		}
		for _, s := range strings.Fields(m.Scopes) {
			if v, ok := strings.CutPrefix(s, "onvif://www.onvif.org/name/"); ok {
				d.Name, _ = url.PathUnescape(v)
			}
			if v, ok := strings.CutPrefix(s, "onvif://www.onvif.org/hardware/"); ok {
				d.Hardware, _ = url.PathUnescape(v)
			}
		}
		if d.Endpoint == "" {
			d.Endpoint = d.XAddr
		}
		if d.XAddr != "" && d.Validate() == nil {
			out = append(out, d)
		}
	}
	return out
}

// discoveries holds the agent's latest WS-Discovery result, for every
// link to report.
type discoveries struct {
	mu      sync.Mutex
	version int
	devices []camera.DiscoveredDevice
}

func (d *discoveries) set(devs []camera.DiscoveredDevice) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if slices.Equal(devs, d.devices) && d.version > 0 {
		return
	}
	d.devices, d.version = devs, d.version+1
}

// since is the report to send when the link sent version seen (ok false:
// nothing new).
func (d *discoveries) since(seen int) (tunnel.Discovered, int, bool) {
	if d == nil {
		return tunnel.Discovered{}, seen, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.version == seen {
		return tunnel.Discovered{}, seen, false
	}
	return tunnel.Discovered{Type: "discovered", Devices: slices.Clone(d.devices)}, d.version, true
}

// discoverLoop probes at start and then every cfg.DiscoverEvery.
func discoverLoop(ctx context.Context, cfg *Config, d *discoveries) {
	for {
		devs, err := Discover(ctx, cfg.Discover, cfg.DiscoverTargets, discoverWait)
		if err != nil {
			cfg.Logger.Warn("WS-Discovery", "err", err)
		} else {
			for _, dev := range devs {
				cfg.Logger.Info("ONVIF device found", "xaddr", dev.XAddr, "name", dev.Name, "hardware", dev.Hardware)
			}
			d.set(devs)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(cfg.DiscoverEvery):
		}
	}
}

// discoverWait is how long a probe waits for answers (ONVIF devices answer
// within a random delay of up to 500 ms).
const discoverWait = 2 * time.Second

// fitLine drops devices from a report until its line fits the protocol's
// bound.
func fitLine(r tunnel.Discovered) []byte {
	for {
		b, _ := json.Marshal(r)
		if len(b) < tunnel.MaxLine || len(r.Devices) == 0 {
			return append(b, '\n')
		}
		r.Devices = r.Devices[:len(r.Devices)-1]
	}
}
