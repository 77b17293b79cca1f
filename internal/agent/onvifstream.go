package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/onvif"
)

// The local buffer records an ONVIF device like an RTSP camera, from its
// main stream; only the agent has to learn that stream's address from the
// device first (the server does the same through the tunnel for its own
// recording). It asks the device on the LAN with the credentials it was
// given, as the server would, and asks again when the buffer's pull has
// failed for a while: devices change the address on a reboot or a
// configuration change.

const (
	// streamStale is how long the buffer's pull of a device may stay
	// down before its stream address is asked for again.
	streamStale = 30 * time.Second
	// streamRetryMax bounds the wait between failed attempts to ask.
	streamRetryMax = time.Minute
)

// bufferONVIF learns the device's main stream address and keeps the local
// buffer recording it, until ctx ends.
func (l *link) bufferONVIF(ctx context.Context) {
	retry := 2 * time.Second
	for ctx.Err() == nil {
		uri, err := l.deviceStream(ctx)
		if err != nil {
			if ctx.Err() == nil {
				l.cfg.Logger.Warn("buffer: the ONVIF device named no stream to record; retrying", "camera", l.cam.Name,
					"reason", onvif.ReasonOf(err), "err", err, "in", retry)
			}
			if !sleep(ctx, retry) {
				return
			}
			retry = min(retry*2, streamRetryMax)
			continue
		}
		retry = 2 * time.Second
		l.buf.setStream(l.bufID, uri)
		l.watchPull(ctx)
	}
}

// watchPull returns when the buffer's pull of the camera has been down
// for streamStale (or ctx ends).
func (l *link) watchPull(ctx context.Context) {
	lastUp := time.Now()
	for sleep(ctx, 2*time.Second) {
		if l.buf.rec.Status(l.bufID).Online {
			lastUp = time.Now()
		} else if time.Since(lastUp) > streamStale {
			l.cfg.Logger.Info("buffer: the ONVIF device's stream is down; asking the device for it again", "camera", l.cam.Name)
			return
		}
	}
}

// deviceStream asks the device for its main profile's stream address and
// returns it as the buffer dials it: on the device's own host (whatever
// host it named, as the server's streams are relayed) with the device's
// credentials.
func (l *link) deviceStream(ctx context.Context) (string, error) {
	svc, _, err := onvifService(l.cam)
	if err != nil {
		return "", err
	}
	cl := onvif.NewClient(l.dialDevice, svc.Username, svc.Password)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	dev, err := url.Parse(l.cam.URL)
	if err != nil {
		return "", err
	}
	dev.User = nil
	r, err := cl.Probe(ctx, dev.String())
	if err != nil {
		return "", err
	}
	return onDeviceHost(r.StreamURI, l.host, svc.Username, svc.Password)
}

// dialDevice connects the agent's ONVIF client to the device's own host,
// at the port asked for.
func (l *link) dialDevice(ctx context.Context, network, addr string) (net.Conn, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	return l.cfg.Dial(ctx, network, net.JoinHostPort(l.host, port))
}

// onDeviceHost moves a stream address a device named to its host as
// configured (a device may name another of its addresses, or one the
// agent cannot reach), keeping its port (the scheme's default when none),
// and puts the device's credentials in it (in place of any it named).
func onDeviceHost(raw, host, user, pass string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("stream address %q", raw)
	}
	port := u.Port()
	switch scheme := strings.ToLower(u.Scheme); {
	case scheme == "rtsp" && port == "":
		port = "554"
	case scheme == "rtsps" && port == "":
		port = "322"
	case scheme != "rtsp" && scheme != "rtsps":
		return "", errors.New("the device's stream is not rtsp:// (" + u.Scheme + ")")
	}
	u.Host = net.JoinHostPort(host, port)
	switch {
	case pass != "":
		u.User = url.UserPassword(user, pass)
	case user != "":
		u.User = url.User(user)
	default:
		u.User = nil
	}
	return u.String(), nil
}

// sleep waits d unless ctx ends first (false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
