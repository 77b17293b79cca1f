package camera

import (
	"net"
	"net/url"
	"strings"
)

// DialHosts lists the hosts the server will connect to for c, each with the
// registration field it came from, so that a refused address is reported
// against that field. P&P cameras connect to us and have none.
func DialHosts(c Camera) map[string]string {
	switch c.Type {
	case Generic:
		hosts := map[string]string{}
		if h := urlHost(c.RTSPURL); h != "" {
			hosts["rtsp_url"] = h
		}
		if h := urlHost(c.SubStreamURL); h != "" {
			hosts["sub_rtsp_url"] = h
		}
		if len(hosts) > 0 {
			return hosts
		}
	case ONVIF:
		if h := onvifHost(c.ONVIFAddress); h != "" {
			return map[string]string{"onvif.address": h}
		}
	}
	return nil
}

// URLHost is the host of an rtsp:// or http:// address ("" if none).
func urlHost(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// onvifHost reads the host of an ONVIF address: a URL, host:port or a host.
func onvifHost(raw string) string {
	raw = strings.TrimSpace(raw)
	if strings.Contains(raw, "://") {
		return urlHost(raw)
	}
	if h, _, err := net.SplitHostPort(raw); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(raw, "["), "]")
}
