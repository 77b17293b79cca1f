package tunnel

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/hashicorp/yamux"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
)

// Config shapes the server side.
type Config struct {
	Logger *slog.Logger
	// Changed is called (on its own goroutine) when a camera's agent
	// connects or goes, so the recorder picks the camera up or lets go.
	Changed func(cameraID int64)
	// Seen records an agent's version and that it was heard from now; it is
	// called at hello, at most once a SeenEvery on heartbeats, and at the end.
	Seen      func(ctx context.Context, cameraID int64, version string, at time.Time)
	SeenEvery time.Duration
	// HeartbeatTimeout closes a silent link (default HeartbeatTimeout).
	HeartbeatTimeout time.Duration
	// Now is the clock (tests may move it).
	Now func() time.Time
	// Backfill keeps a segment the camera's agent recorded locally while
	// its link was down; r holds exactly the file. skip names why it was
	// not needed (BackfillCovered…); an error's text is the reason sent
	// back. Nil refuses every back-fill (not_recording).
	Backfill func(ctx context.Context, cameraID int64, start time.Time, r io.Reader) (skip string, err error)
}

// Server holds the connected agents, one link per P&P camera.
type Server struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	links  map[int64]*link
	closed bool
	wg     sync.WaitGroup
}

type link struct {
	cameraID int64
	sess     *yamux.Session
	info     camera.AgentLink
}

// ErrNotConnected: the camera's agent is not connected now.
var ErrNotConnected = errors.New(camera.ReasonAgentDisconnected + ": the camera's P&P agent is not connected")

// New starts an empty server.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.HeartbeatTimeout <= 0 {
		cfg.HeartbeatTimeout = HeartbeatTimeout
	}
	if cfg.SeenEvery <= 0 {
		cfg.SeenEvery = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Server{cfg: cfg, log: cfg.Logger, links: map[int64]*link{}}
}

// Serve upgrades an authenticated agent's request (the caller checked its
// device credential for cameraID) and carries its link until it ends. A
// newer link of the same camera replaces an older one.
func (s *Server) Serve(w http.ResponseWriter, r *http.Request, cameraID int64) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errs.New(errs.Unavailable, "shutting_down", "the server is shutting down")
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	w.Header().Set(HeaderServerTime, strconv.FormatInt(s.cfg.Now().UnixMilli(), 10))
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{})
	if err != nil {
		return nil // Accept has answered the client (400/426)
	}
	ws.SetReadLimit(MaxMessage)
	// The link lives past the request; its context ends with the link.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	conn := websocket.NetConn(ctx, ws, websocket.MessageBinary)
	sess, err := yamux.Client(conn, yamuxConfig())
	if err != nil {
		_ = ws.Close(websocket.StatusInternalError, "mux")
		return nil
	}
	defer sess.Close()
	hello, ctl, err := s.readHello(sess)
	if err != nil {
		s.log.Info("agent link refused", "camera", cameraID, "err", err)
		_ = ws.Close(websocket.StatusPolicyViolation, truncate(err.Error(), 120))
		return nil
	}
	l := &link{cameraID: cameraID, sess: sess,
		info: camera.AgentLink{Version: hello.Version, Stream: hello.Stream, ONVIF: hello.ONVIF, ConnectedAt: s.cfg.Now()}}
	if !s.add(l) {
		_ = ws.Close(websocket.StatusGoingAway, "shutting down")
		return nil
	}
	s.log.Info("agent connected", "camera", cameraID, "version", hello.Version, "remote", r.RemoteAddr)
	s.seen(cameraID, hello.Version)
	s.changed(cameraID)
	// Streams the agent opens after the control stream carry back-fill,
	// one at a time (a second waits for the first), so they cannot pile up.
	go func() {
		for {
			st, err := sess.AcceptStream()
			if err != nil {
				return
			}
			s.backfill(ctx, cameraID, st)
		}
	}()
	err = s.heartbeats(l, ctl)
	s.remove(l)
	_ = sess.Close()
	_ = ws.Close(websocket.StatusNormalClosure, "")
	s.log.Info("agent disconnected", "camera", cameraID, "err", err)
	s.seen(cameraID, hello.Version)
	s.changed(cameraID)
	return nil
}

// readHello waits for the agent's control stream and its first line.
func (s *Server) readHello(sess *yamux.Session) (Hello, control, error) {
	var h Hello
	type accepted struct {
		st  net.Conn
		err error
	}
	got := make(chan accepted, 1)
	go func() {
		st, err := sess.AcceptStream()
		got <- accepted{st, err}
	}()
	var st net.Conn
	select {
	case a := <-got:
		if a.err != nil {
			return h, control{}, fmt.Errorf("no control stream: %w", a.err)
		}
		st = a.st
	case <-time.After(s.cfg.HeartbeatTimeout):
		_ = sess.Close() // ends the AcceptStream above
		return h, control{}, errors.New("bad_hello: no control stream in time")
	}
	_ = st.SetReadDeadline(time.Now().Add(s.cfg.HeartbeatTimeout))
	br := bufio.NewReaderSize(st, 4096)
	line, err := readLine(br)
	if err != nil {
		return h, control{}, fmt.Errorf("bad_hello: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil || h.Type != "hello" {
		return h, control{}, errors.New("bad_hello: not a hello message")
	}
	if err := camera.CheckAgentVersion(h.Version); err != nil {
		return h, control{}, fmt.Errorf("bad_hello: %w", err)
	}
	if err := h.Check(); err != nil {
		return h, control{}, fmt.Errorf("bad_hello: %w", err)
	}
	return h, control{st, br}, nil
}

// control is the control stream and its reader.
type control struct {
	st net.Conn
	br *bufio.Reader
}

// heartbeats reads the control stream until the link fails or is silent
// for HeartbeatTimeout.
func (s *Server) heartbeats(l *link, c control) error {
	last := time.Now()
	for {
		_ = c.st.SetReadDeadline(time.Now().Add(s.cfg.HeartbeatTimeout))
		line, err := readLine(c.br)
		if err != nil {
			return err
		}
		var hb Heartbeat
		if json.Unmarshal([]byte(line), &hb) != nil {
			return errors.New("malformed control line")
		}
		switch hb.Type {
		case "heartbeat":
		case "discovered":
			if err := s.discovered(l, line); err != nil {
				return err
			}
		default:
			return errors.New("malformed control line")
		}
		if time.Since(last) >= s.cfg.SeenEvery {
			last = time.Now()
			s.seen(l.cameraID, l.info.Version)
		}
	}
}

// discovered keeps the devices the agent found by WS-Discovery (each
// report replaces the last).
func (s *Server) discovered(l *link, line string) error {
	var d Discovered
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if dec.Decode(&d) != nil || len(d.Devices) > camera.MaxDiscovered {
		return errors.New("malformed discovered line")
	}
	for _, dev := range d.Devices {
		if err := dev.Validate(); err != nil {
			return fmt.Errorf("malformed discovered device: %w", err)
		}
	}
	s.mu.Lock()
	l.info.Discovered = d.Devices
	s.mu.Unlock()
	return nil
}

// readLine reads one "\n"-terminated line of at most MaxLine bytes.
func readLine(br *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		frag, err := br.ReadSlice('\n')
		b.Write(frag)
		if b.Len() > MaxLine {
			return "", errors.New("line too long")
		}
		switch {
		case err == nil:
			return strings.TrimSuffix(b.String(), "\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			if err == io.EOF && b.Len() > 0 {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
	}
}

func (s *Server) add(l *link) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if old := s.links[l.cameraID]; old != nil {
		_ = old.sess.Close() // a reconnecting agent wins over its stale link
	}
	s.links[l.cameraID] = l
	return true
}

func (s *Server) remove(l *link) {
	s.mu.Lock()
	if s.links[l.cameraID] == l {
		delete(s.links, l.cameraID)
	}
	s.mu.Unlock()
}

func (s *Server) seen(cameraID int64, version string) {
	if s.cfg.Seen == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.cfg.Seen(ctx, cameraID, version, s.cfg.Now())
}

func (s *Server) changed(cameraID int64) {
	if s.cfg.Changed != nil {
		s.cfg.Changed(cameraID)
	}
}

// Link reports the connected agent of a camera.
func (s *Server) Link(cameraID int64) (camera.AgentLink, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.links[cameraID]
	if l == nil {
		return camera.AgentLink{}, false
	}
	return l.info, true
}

// Connected is the number of agents connected now.
func (s *Server) Connected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.links)
}

// Disconnect drops a camera's link (its camera was deleted: the credential
// is gone, the connection must go too).
func (s *Server) Disconnect(cameraID int64) {
	s.mu.Lock()
	l := s.links[cameraID]
	s.mu.Unlock()
	if l != nil {
		_ = l.sess.Close()
	}
}

// Links lists the connected agents' cameras.
func (s *Server) Links() map[int64]camera.AgentLink {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int64]camera.AgentLink, len(s.links))
	for id, l := range s.links {
		out[id] = l.info
	}
	return out
}

// Dial opens a connection to the camera through its agent: a new stream on
// the link, which the agent connects to the camera's address on its LAN.
func (s *Server) Dial(ctx context.Context, cameraID int64) (net.Conn, error) {
	return s.open(ctx, cameraID, OpenRequest)
}

// DialPort opens a connection to port on the camera's host through its
// agent (an ONVIF device's services and streams).
func (s *Server) DialPort(ctx context.Context, cameraID int64, port int) (net.Conn, error) {
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("agent: port %d out of range", port)
	}
	return s.open(ctx, cameraID, fmt.Sprintf(OpenPortRequest, port))
}

func (s *Server) open(ctx context.Context, cameraID int64, request string) (net.Conn, error) {
	s.mu.Lock()
	l := s.links[cameraID]
	s.mu.Unlock()
	if l == nil {
		return nil, ErrNotConnected
	}
	st, err := l.sess.OpenStream()
	if err != nil {
		return nil, ErrNotConnected
	}
	deadline := time.Now().Add(15 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = st.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = st.Close() })
	defer stop()
	if _, err := io.WriteString(st, request); err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("agent: %w", err)
	}
	// Read the answer byte by byte: what follows "ok\n" is the camera's.
	var line []byte
	one := make([]byte, 1)
	for len(line) <= 64 {
		if _, err := io.ReadFull(st, one); err != nil {
			_ = st.Close()
			return nil, fmt.Errorf("agent: %w", err)
		}
		if one[0] == '\n' {
			break
		}
		line = append(line, one[0])
	}
	ans := string(line)
	if ans+"\n" != OpenOK {
		_ = st.Close()
		if reason, ok := strings.CutPrefix(ans, "error "); ok {
			return nil, fmt.Errorf("agent could not open the camera: %s", reason)
		}
		return nil, errors.New("agent: malformed answer")
	}
	if !stop() && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	_ = st.SetDeadline(time.Time{})
	return st, nil
}

// Close drops every link and waits for their handlers.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for _, l := range s.links {
		_ = l.sess.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// yamuxConfig is the multiplexer's configuration on both ends: keepalives
// detect a dead path quicker than TCP does, and its log goes nowhere (the
// link's end is logged by its owner).
func yamuxConfig() *yamux.Config {
	c := yamux.DefaultConfig()
	c.EnableKeepAlive = true
	c.KeepAliveInterval = HeartbeatEvery
	c.ConnectionWriteTimeout = 10 * time.Second
	c.StreamOpenTimeout = 15 * time.Second
	c.LogOutput = io.Discard
	return c
}

// YamuxConfig is yamuxConfig for the agent's end.
func YamuxConfig() *yamux.Config { return yamuxConfig() }
