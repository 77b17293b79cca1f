package onvif

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// DeviceURL turns what an integrator typed (host, host:port or a device
// service URL) into the device service URL.
func DeviceURL(address string) (string, error) {
	a := strings.TrimSpace(address)
	if strings.Contains(a, "://") {
		u, err := url.Parse(a)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", &Error{Reason: ReasonBadAddress, Err: fmt.Errorf("not an http(s) URL: %q", address)}
		}
		if u.Path == "" || u.Path == "/" {
			u.Path = "/onvif/device_service"
		}
		return u.String(), nil
	}
	if a == "" {
		return "", &Error{Reason: ReasonBadAddress, Err: fmt.Errorf("empty address")}
	}
	host := a
	if _, _, err := net.SplitHostPort(a); err != nil {
		host = net.JoinHostPort(strings.Trim(a, "[]"), "80")
	}
	return "http://" + host + "/onvif/device_service", nil
}

type dateTime struct {
	Time struct {
		Hour   int `xml:"Hour"`
		Minute int `xml:"Minute"`
		Second int `xml:"Second"`
	} `xml:"Time"`
	Date struct {
		Year  int `xml:"Year"`
		Month int `xml:"Month"`
		Day   int `xml:"Day"`
	} `xml:"Date"`
}

// SyncClock asks the device for its UTC time (no authentication needed) and
// keeps the difference for WS-Security timestamps. It returns the offset.
func (c *Client) SyncClock(ctx context.Context, deviceURL string) (time.Duration, error) {
	var r struct {
		SystemDateAndTime struct {
			UTCDateTime *dateTime `xml:"UTCDateTime"`
		} `xml:"SystemDateAndTime"`
	}
	before := time.Now()
	// Sent without credentials: it must answer anonymously, and some
	// devices refuse a token made with the wrong clock.
	anon := &Client{http: c.http}
	body := `<GetSystemDateAndTime xmlns="` + nsDevice + `"/>`
	if err := anon.call(ctx, deviceURL, body, "GetSystemDateAndTimeResponse", &r, ""); err != nil {
		// Some devices (go2rtc with credentials, firmwares behind HTTP
		// authentication) answer nothing anonymously: ask again as the user.
		if ReasonOf(err) != ReasonUnauthorized || c.Username == "" {
			return 0, err
		}
		if err := c.call(ctx, deviceURL, body, "GetSystemDateAndTimeResponse", &r, ""); err != nil {
			return 0, err
		}
	}
	u := r.SystemDateAndTime.UTCDateTime
	if u == nil || u.Date.Year < 1970 {
		return 0, nil // no UTC time given: keep ours
	}
	dev := time.Date(u.Date.Year, time.Month(u.Date.Month), u.Date.Day, u.Time.Hour, u.Time.Minute, u.Time.Second, 0, time.UTC)
	mid := before.Add(time.Since(before) / 2)
	off := dev.Sub(mid).Truncate(time.Second)
	if off > -2*time.Second && off < 2*time.Second {
		off = 0 // within the second the device reports in
	}
	c.SetClockOffset(off)
	return off, nil
}

// Services are the XAddrs a device names for its services ("" when absent).
type Services struct {
	Device, Media, Media2, Events, PTZ string
}

// GetServices asks GetServices, and GetCapabilities when that is not
// offered (older devices).
func (c *Client) GetServices(ctx context.Context, deviceURL string) (Services, error) {
	s := Services{Device: deviceURL}
	var r struct {
		Service []struct {
			Namespace string `xml:"Namespace"`
			XAddr     string `xml:"XAddr"`
		} `xml:"Service"`
	}
	err := c.call(ctx, deviceURL, `<GetServices xmlns="`+nsDevice+`"><IncludeCapability>false</IncludeCapability></GetServices>`,
		"GetServicesResponse", &r, "")
	if err == nil {
		for _, sv := range r.Service {
			x := strings.TrimSpace(sv.XAddr)
			switch strings.TrimSpace(sv.Namespace) {
			case nsMedia:
				s.Media = x
			case nsMedia2:
				s.Media2 = x
			case nsEvents:
				s.Events = x
			case nsPTZ:
				s.PTZ = x
			}
		}
		if s.Media != "" || s.Media2 != "" {
			return s, nil
		}
	} else if ReasonOf(err) == ReasonUnauthorized {
		return s, err
	}
	var cr struct {
		Capabilities struct {
			Media  struct{ XAddr string } `xml:"Media"`
			Events struct{ XAddr string } `xml:"Events"`
			PTZ    struct{ XAddr string } `xml:"PTZ"`
		} `xml:"Capabilities"`
	}
	if err := c.call(ctx, deviceURL, `<GetCapabilities xmlns="`+nsDevice+`"><Category>All</Category></GetCapabilities>`,
		"GetCapabilitiesResponse", &cr, ""); err != nil {
		return s, err
	}
	s.Media = strings.TrimSpace(cr.Capabilities.Media.XAddr)
	s.Events = firstNonEmpty(s.Events, strings.TrimSpace(cr.Capabilities.Events.XAddr))
	s.PTZ = firstNonEmpty(s.PTZ, strings.TrimSpace(cr.Capabilities.PTZ.XAddr))
	return s, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// DeviceInfo is what GetDeviceInformation tells.
type DeviceInfo struct {
	Manufacturer string `xml:"Manufacturer"`
	Model        string `xml:"Model"`
	Firmware     string `xml:"FirmwareVersion"`
	Serial       string `xml:"SerialNumber"`
}

// GetDeviceInformation reads the device's identity.
func (c *Client) GetDeviceInformation(ctx context.Context, deviceURL string) (DeviceInfo, error) {
	var d DeviceInfo
	err := c.call(ctx, deviceURL, `<GetDeviceInformation xmlns="`+nsDevice+`"/>`, "GetDeviceInformationResponse", &d, "")
	d.Manufacturer, d.Model = limit(strings.TrimSpace(d.Manufacturer), 100), limit(strings.TrimSpace(d.Model), 100)
	d.Firmware, d.Serial = limit(strings.TrimSpace(d.Firmware), 100), limit(strings.TrimSpace(d.Serial), 100)
	return d, err
}

// onDeviceHost accepts a service address the device gave (raw) only as an
// http(s) URL with a host, without credentials, and reaches it on the host
// and port of base (the address the device was reached at) whatever it names:
// a camera behind NAT or port forwarding names its LAN address, which only
// the address the integrator gave reaches, and a device must not send us
// to any other host (as with redirects). The path and query are its own.
func onDeviceHost(base, raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return "", &Error{Reason: ReasonBadAddress, Err: fmt.Errorf("service address %q", limit(raw, 200))}
	}
	u.User = nil
	b, err := url.Parse(base)
	if err != nil || b.Hostname() == "" {
		return "", &Error{Reason: ReasonBadAddress, Err: fmt.Errorf("device address %q", limit(base, 200))}
	}
	// The port too: another port of the same host may be another service
	// (on a shared NAT address, another customer's), and after a Basic
	// challenge our calls carry the password in clear.
	u.Scheme, u.Host = b.Scheme, b.Host
	return u.String(), nil
}
