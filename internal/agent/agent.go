package agent

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/hashicorp/yamux"

	"github.com/vigilo/vigilo/internal/tunnel"
)

// Run serves every configured camera until ctx ends. Each camera has its
// own link, which reconnects on its own with back-off.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	creds, err := loadCredentials(cfg.StateDir)
	if err != nil {
		return err
	}
	ids, err := cfg.deviceIDs(creds)
	if err != nil {
		return err
	}
	var buf *localBuffer
	if cfg.BufferDir != "" {
		if buf, err = newLocalBuffer(&cfg); err != nil {
			return fmt.Errorf("--buffer-dir: %w", err)
		}
		defer buf.close()
	}
	var found *discoveries
	if cfg.Discover || len(cfg.DiscoverTargets) > 0 {
		found = &discoveries{}
	}
	var wg sync.WaitGroup
	var links []*link
	for i, cam := range cfg.Cameras {
		h, addr, err := hello(cam, cfg.Version)
		if err != nil {
			return fmt.Errorf("camera %s: %w", cam.Name, err)
		}
		host, _, _ := net.SplitHostPort(addr)
		l := &link{cfg: &cfg, creds: creds, cam: cam, device: ids[i], addr: addr, host: host,
			hello: h, buf: buf, bufID: int64(i + 1), found: found}
		if buf != nil {
			if from, ok := buf.restored(l.bufID, cam.Name); ok {
				// Buffered before a restart and not sent yet.
				l.pendingFrom = from.Add(-backfillMargin)
			}
		}
		links = append(links, l)
		cfg.Logger.Info("serving camera", "camera", cam.Name, "device_id", l.device)
	}
	for _, l := range links {
		wg.Go(func() { l.run(ctx) })
		if buf != nil && l.cam.ONVIF {
			wg.Go(func() { l.bufferONVIF(ctx) })
		}
	}
	if buf != nil {
		wg.Go(func() { saveOwed(ctx, buf, links) })
	}
	if found != nil {
		wg.Go(func() { discoverLoop(ctx, &cfg, found) })
	}
	wg.Wait()
	return nil
}

// saveOwed keeps, every few seconds and at the end, from when each camera
// may owe the server a back-fill (an outage's start, else when it last
// delivered), so that a restarted agent sends what it buffered before.
func saveOwed(ctx context.Context, buf *localBuffer, links []*link) {
	owed := maps.Clone(buf.delivered)
	save := func() {
		for _, l := range links {
			if t := l.pending(); !t.IsZero() {
				owed[l.cam.Name] = t
			} else if d := l.delivered.Load(); d != 0 {
				owed[l.cam.Name] = time.Unix(0, d)
			}
		}
		if err := buf.saveDelivered(owed); err != nil {
			buf.log("buffer: saving delivered.json", "err", err)
		}
	}
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			save()
			return
		case <-t.C:
			save()
		}
	}
}

// link is one camera's connection to the server.
type link struct {
	cfg    *Config
	creds  *credentials
	cam    Camera
	device string
	addr   string // the camera's host:port on the LAN (RTSP, or ONVIF device service)
	host   string // its host, the only one the agent connects the server to
	hello  tunnel.Hello
	found  *discoveries // WS-Discovery results to report (nil: not probing)

	// Back-fill (backfill.go): the local buffer and this camera's id in it,
	// when the last bytes went to the server, and from when the server may
	// be missing video (zero: nothing to send).
	buf       *localBuffer
	bufID     int64
	delivered atomic.Int64
	// offset is the server's clock minus ours as measured at the last
	// connection (clock.go), in nanoseconds.
	offset      atomic.Int64
	mu          sync.Mutex
	pendingFrom time.Time
}

// ServerError is a refusal by the server, with its error code.
type ServerError struct {
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("server refused (%d %s): %s", e.Status, e.Code, e.Message)
}

// run connects, serves and reconnects until ctx ends: back-off doubles
// from MinBackoff to MaxBackoff with ±50 % jitter (so agents that lost the
// server together do not return together), and starts over after a link
// that stayed up a minute.
func (l *link) run(ctx context.Context) {
	log := l.cfg.Logger.With("camera", l.cam.Name, "device_id", l.device)
	backoff := l.cfg.MinBackoff
	for ctx.Err() == nil {
		start := time.Now()
		err := l.once(ctx)
		if ctx.Err() != nil {
			return
		}
		if l.buf != nil {
			l.markOutage()
		}
		if time.Since(start) > time.Minute {
			backoff = l.cfg.MinBackoff
		}
		wait := backoff/2 + rand.N(backoff)
		var se *ServerError
		if errors.As(err, &se) && se.RetryAfter > wait {
			wait = se.RetryAfter
		}
		log.Warn("link down; retrying", "err", err, "in", wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		backoff = min(backoff*2, l.cfg.MaxBackoff)
	}
}

// once claims the camera if it holds no credential, connects, and serves
// the link until it fails.
func (l *link) once(ctx context.Context) error {
	cred := l.creds.get(l.device)
	if cred == "" {
		c, err := l.claim(ctx)
		if err != nil {
			return err
		}
		if err := l.creds.set(l.device, c); err != nil {
			return fmt.Errorf("saving the device credential: %w", err)
		}
		cred = c
		l.cfg.Logger.Info("claimed", "camera", l.cam.Name, "device_id", l.device)
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+cred)
	h.Set(tunnel.HeaderDevice, l.device)
	h.Set(tunnel.HeaderVersion, l.cfg.Version)
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	sent := time.Now()
	ws, resp, err := websocket.Dial(dctx, l.cfg.url(tunnel.ConnectPath), &websocket.DialOptions{HTTPHeader: h})
	cancel()
	if err == nil {
		l.measureClock(resp, sent, time.Now())
	}
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			se := serverError(resp)
			if se.Status == http.StatusUnauthorized {
				// Revoked (camera deleted or registered anew): claim again.
				_ = l.creds.set(l.device, "")
			}
			return se
		}
		return err
	}
	ws.SetReadLimit(tunnel.MaxMessage)
	lctx, lcancel := context.WithCancel(ctx)
	defer lcancel()
	conn := websocket.NetConn(lctx, ws, websocket.MessageBinary)
	defer conn.Close()
	sess, err := yamux.Server(conn, tunnel.YamuxConfig())
	if err != nil {
		return err
	}
	defer sess.Close()
	ctl, err := sess.OpenStream()
	if err != nil {
		return err
	}
	if err := writeJSONLine(ctl, l.hello); err != nil {
		return err
	}
	l.cfg.Logger.Info("connected", "camera", l.cam.Name, "device_id", l.device)
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { l.heartbeat(lctx, sess, ctl) })
	wg.Go(func() { l.backfill(lctx, sess) })
	for {
		st, err := sess.AcceptStream()
		if err != nil {
			lcancel()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("link lost: %w", err)
		}
		wg.Go(func() { l.relay(lctx, st) })
	}
}

// heartbeat writes a heartbeat every HeartbeatEvery, and what WS-Discovery
// found whenever it changed since the link last reported it.
func (l *link) heartbeat(ctx context.Context, sess *yamux.Session, ctl net.Conn) {
	t := time.NewTicker(l.cfg.HeartbeatEvery)
	defer t.Stop()
	reported := 0
	for {
		select {
		case <-ctx.Done():
			_ = sess.Close()
			return
		case <-t.C:
			_ = ctl.SetWriteDeadline(time.Now().Add(l.cfg.HeartbeatEvery))
			err := writeJSONLine(ctl, tunnel.Heartbeat{Type: "heartbeat"})
			if r, v, ok := l.found.since(reported); ok && err == nil {
				if _, err = ctl.Write(fitLine(r)); err == nil {
					reported = v
				}
			}
			if err != nil {
				_ = sess.Close()
				return
			}
		}
	}
}

// relay serves one stream the server opened: it connects to the camera's
// configured address, or to a port the server names on the camera's
// configured host (never a host the server names), and copies both ways.
func (l *link) relay(ctx context.Context, st net.Conn) {
	defer st.Close()
	_ = st.SetReadDeadline(time.Now().Add(15 * time.Second))
	br := bufio.NewReaderSize(st, 64)
	req, err := br.ReadString('\n')
	addr, ok := l.target(req)
	if err != nil || !ok {
		_, _ = io.WriteString(st, "error "+tunnel.OpenBadRequest+"\n")
		return
	}
	_ = st.SetReadDeadline(time.Time{})
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	cam, err := l.cfg.Dial(dctx, "tcp", addr)
	cancel()
	if err != nil {
		l.cfg.Logger.Warn("camera unreachable", "camera", l.cam.Name, "err", err)
		_, _ = io.WriteString(st, "error "+tunnel.OpenUnreachable+"\n")
		return
	}
	defer cam.Close()
	if _, err := io.WriteString(st, tunnel.OpenOK); err != nil {
		return
	}
	stop := context.AfterFunc(ctx, func() { _ = st.Close(); _ = cam.Close() })
	defer stop()
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(cam, br) // br: bytes the server sent right after the request
		closeWrite(cam)
		close(done)
	}()
	_, _ = io.Copy(stampedWriter{st, l}, cam)
	_ = st.Close()
	_ = cam.Close()
	<-done
}

// target is the address an open request asks for: the camera's own, or
// a port on its host.
func (l *link) target(req string) (string, bool) {
	if req == tunnel.OpenRequest {
		return l.addr, true
	}
	var port int
	if n, err := fmt.Sscanf(req, tunnel.OpenPortRequest, &port); err != nil || n != 1 || port < 1 || port > 65535 ||
		fmt.Sprintf(tunnel.OpenPortRequest, port) != req {
		return "", false
	}
	return net.JoinHostPort(l.host, strconv.Itoa(port)), true
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}

// claim proves the claim code and returns the device credential.
func (l *link) claim(ctx context.Context) (string, error) {
	body, _ := json.Marshal(map[string]string{"device_id": l.device, "claim_code": strings.TrimSpace(l.cfg.ClaimCode)})
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.cfg.url(tunnel.ClaimPath), bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(tunnel.HeaderVersion, l.cfg.Version)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", serverError(resp)
	}
	var out struct {
		Credential string `json:"credential"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&out); err != nil || out.Credential == "" {
		return "", errors.New("claim: malformed answer from the server")
	}
	return out.Credential, nil
}

func serverError(resp *http.Response) *ServerError {
	se := &ServerError{Status: resp.StatusCode, Code: http.StatusText(resp.StatusCode)}
	if resp.Body != nil {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&e) == nil && e.Error.Code != "" {
			se.Code, se.Message = e.Error.Code, e.Error.Message
		}
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		se.RetryAfter = time.Duration(s) * time.Second
	}
	return se
}

func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func (c *Config) url(path string) string {
	return strings.TrimSuffix(c.Server, "/") + path
}
