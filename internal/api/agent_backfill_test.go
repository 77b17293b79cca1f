package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hashicorp/yamux"

	"github.com/vigilo/vigilo/internal/agent"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/tunnel"
)

// uplink is a TCP proxy between the agent and the server that the test can
// cut: every connection through it is dropped and new ones are refused
// until it is restored.
type uplink struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
}

func startUplink(t *testing.T, target string) *uplink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &uplink{ln: ln, target: target, conns: map[net.Conn]bool{}}
	u.wg.Add(1)
	go u.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		u.cut()
		u.wg.Wait()
	})
	return u
}

func (u *uplink) url() string { return "http://" + u.ln.Addr().String() }

func (u *uplink) serve() {
	defer u.wg.Done()
	for {
		c, err := u.ln.Accept()
		if err != nil {
			return
		}
		u.mu.Lock()
		if u.down {
			u.mu.Unlock()
			_ = c.Close()
			continue
		}
		s, err := net.DialTimeout("tcp", u.target, 5*time.Second)
		if err != nil {
			u.mu.Unlock()
			_ = c.Close()
			continue
		}
		u.conns[c], u.conns[s] = true, true
		u.wg.Add(2)
		u.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			defer u.wg.Done()
			_, _ = io.Copy(dst, src)
			_ = dst.Close()
			_ = src.Close()
		}
		go pipe(s, c)
		go pipe(c, s)
	}
}

// cut drops every connection and refuses new ones.
func (u *uplink) cut() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.down = true
	for c := range u.conns {
		_ = c.Close()
	}
	clear(u.conns)
}

func (u *uplink) restore() {
	u.mu.Lock()
	u.down = false
	u.mu.Unlock()
}

// TestPnPBackfill: a P&P agent with a local buffer keeps recording while
// its uplink is cut for 60 s and back-fills the server afterwards, so the
// cloud timeline has no gap longer than 2 s; back-filled segments are
// real (ffprobe), indexed once, and none overlaps what the server recorded
// itself. Both databases.
func TestPnPBackfill(t *testing.T) {
	camDBsAtOnce(t, func(t *testing.T, pg bool) {
		ct, _ := strictCamTree(t, pg, map[string]string{"VIGILO_RECORD": "true", "VIGILO_SEGMENT_LENGTH": "4s"})
		e, A, C := ct.e, ct.A, ct.C
		sim := startSimcam(t) // 1 s GOP
		cam := e.Must(201, "POST", "/api/v1/cameras", A.Token, map[string]any{"type": "pnp", "name": "Shed",
			"pnp": map[string]any{"device_id": "agent-bf", "claim_code": "right-code-bf"}, "customer_id": C.ID, "plan_id": ct.P}).ID()
		up := startUplink(t, strings.TrimPrefix(e.URL, "http://"))
		state := t.TempDir()
		stopAgent := runAgent(t, agent.Config{Server: up.url(), DeviceID: "agent-bf", ClaimCode: "right-code-bf", StateDir: state,
			BufferDir: t.TempDir(), BufferMax: agent.MinBufferMax * 4,
			Cameras: []agent.Camera{{Name: "shed", URL: sim.URL(1)}}})
		r := recEnv{camTree: ct, cam: cam, dir: e.Main.Recording().Dir()}
		began := time.Now()
		r.waitSegments(t, 2, began, 30*time.Second)

		cutAt, restoredAt := r.outage(t, up, 60*time.Second)
		segs := checkBackfilled(t, r, cutAt, restoredAt)

		// Bad back-fill on a valid link (the agent's, now stopped): each
		// answered with a reason, nothing kept, the link stays up.
		stopAgent()
		var creds map[string]string
		b, err := os.ReadFile(filepath.Join(state, "credentials.json"))
		if err != nil || json.Unmarshal(b, &creds) != nil || creds["agent-bf"] == "" {
			t.Fatalf("credential file: %v %s", err, b)
		}
		sess := rawTunnel(t, e.URL, "agent-bf", creds["agent-bf"])
		recent := time.Now().Add(-30 * time.Second)
		for _, c := range []struct {
			header string
			body   []byte
			answer string
		}{
			{"not json", nil, "error bad_request"},
			{`{"type":"segment","start_ms":1000,"bytes":99999999999}`, nil, "error bad_request"},
			{`{"type":"segment","start_ms":1000,"bytes":4}`, []byte("abcd"), "error bad_segment"},
			{fmt.Sprintf(`{"type":"segment","start_ms":%d,"bytes":2000}`, recent.UnixMilli()), make([]byte, 2000), "error bad_segment"},
		} {
			if got := backfillOnce(t, sess, c.header, c.body); !strings.HasPrefix(got, c.answer) {
				t.Errorf("back-fill %.40q: answer %q, want %q", c.header, got, c.answer)
			}
		}
		if _, err := os.Stat(media.SegmentPath(r.dir, cam, recent.UTC().Truncate(time.Millisecond))); !os.IsNotExist(err) {
			t.Errorf("a refused back-fill left its file: %v", err)
		}
		// Segments may still arrive (the stopped agent's last ones), but none
		// of the refused back-fills: those dated 1970 would be the first
		// (the one of 30 s ago is checked by its file above).
		for _, s := range r.segments(t) {
			if s.Start.Before(segs[0].Start) {
				t.Errorf("a refused back-fill was indexed: %s at %s", s.Path, s.Start.Format("15:04:05.000"))
			}
		}
		if sess.IsClosed() {
			t.Error("bad back-fill closed the link")
		}
	})
}

// outage cuts the agent's uplink for d (the camera goes offline) and
// restores it; it returns when the agent is back and the server records
// again.
func (r recEnv) outage(t *testing.T, up *uplink, d time.Duration) (cutAt, restoredAt time.Time) {
	t.Helper()
	cutAt = time.Now()
	up.cut()
	waitUntil(t, 15*time.Second, "camera offline", func() bool {
		_, st := pnpOf(t, r.e, r.A.Token, r.cam)
		return st["online"] == false
	})
	time.Sleep(d - time.Since(cutAt))
	up.restore()
	restoredAt = time.Now()
	waitUntil(t, 40*time.Second, "agent back", func() bool { return r.e.Main.AgentsConnected() == 1 })
	// The server's own recording resumes, then the back-fill lands.
	r.waitSegments(t, 2, restoredAt, 45*time.Second)
	return cutAt, restoredAt
}

// checkBackfilled waits until an agent's buffer filled the outage from
// cutAt to restoredAt in the camera's recording and the back-fill is over,
// then checks the timeline: no gap over 2 s, one span across the outage,
// no time recorded twice, back-filled segments real (ffprobe). It returns
// the segments.
func checkBackfilled(t *testing.T, r recEnv, cutAt, restoredAt time.Time) []camera.Segment {
	t.Helper()
	want := int((restoredAt.Sub(cutAt) - 10*time.Second).Seconds() * 4 / 5) // 1 s segments over most of the outage
	waitUntil(t, 60*time.Second, "the outage back-filled", func() bool {
		n := 0
		for _, s := range r.segments(t) {
			if s.Start.After(cutAt.Add(5*time.Second)) && s.End.Before(restoredAt.Add(-5*time.Second)) {
				n++
			}
		}
		return n >= want
	})
	// The rest of the back-fill lands (on a loaded machine it is still
	// under way, a segment at a time, each read back by ffprobe): wait
	// until the index has grown no faster than the server's own 4 s
	// segments for two rounds in a row.
	for prev, quiet, deadline := len(r.segments(t)), 0, time.Now().Add(60*time.Second); quiet < 2 && time.Now().Before(deadline); {
		time.Sleep(3 * time.Second)
		n := len(r.segments(t))
		if n-prev <= 1 {
			quiet++
		} else {
			quiet = 0
		}
		prev = n
	}

	segs := r.segments(t)
	ms := make([]media.Segment, len(segs))
	var reach time.Time // the latest end so far
	for i, s := range segs {
		ms[i] = media.Segment{Start: s.Start, End: s.End, Bytes: s.Bytes}
		// Time recorded twice: what this segment shares with the ones
		// before (its whole length when it lies inside one).
		end := s.End
		if reach.Before(end) {
			end = reach
		}
		if twice := end.Sub(s.Start); twice > 300*time.Millisecond {
			t.Errorf("segment %s–%s repeats %v recorded before", s.Start.Format("15:04:05.000"), s.End.Format("15:04:05.000"), twice)
		}
		if s.End.After(reach) {
			reach = s.End
		}
	}
	var gaps []string
	var worst time.Duration
	for i := 1; i < len(segs); i++ {
		if g := segs[i].Start.Sub(segs[i-1].End); g > worst {
			worst = g
		}
		if g := segs[i].Start.Sub(segs[i-1].End); g > 2*time.Second {
			gaps = append(gaps, segs[i-1].End.Format("15:04:05.000")+"→"+segs[i].Start.Format("15:04:05.000"))
		}
	}
	t.Logf("%d segments from %s to %s; uplink cut %s → %s; largest gap %v", len(segs), segs[0].Start.Format("15:04:05.000"),
		segs[len(segs)-1].End.Format("15:04:05.000"), cutAt.Format("15:04:05.000"), restoredAt.Format("15:04:05.000"), worst)
	if len(gaps) > 0 {
		t.Fatalf("gaps over 2 s after back-fill: %v", gaps)
	}
	if spans := media.MergeSpans(ms, 2*time.Second); len(spans) != 1 || spans[0].Start.After(cutAt) || spans[0].End.Before(restoredAt) {
		t.Fatalf("the timeline is not one span across the outage: %+v", spans)
	}
	for _, s := range segs {
		if s.Start.After(cutAt) && s.End.Before(restoredAt) {
			if codec, w, _, dur := ffprobeFile(t, s.Path); codec != "h264" || w != 640 || dur <= 0 {
				t.Fatalf("back-filled %s: %s %d %v", s.Path, codec, w, dur)
			}
		}
	}
	return segs
}

// rawTunnel connects as an agent with a valid hello and returns the session.
func rawTunnel(t *testing.T, base, device, cred string) *yamux.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, base+tunnel.ConnectPath, &websocket.DialOptions{HTTPHeader: http.Header{
		"Authorization": {"Bearer " + cred}, tunnel.HeaderDevice: {device}}})
	if err != nil {
		t.Fatalf("dial tunnel: %v", err)
	}
	conn := websocket.NetConn(context.Background(), ws, websocket.MessageBinary)
	sess, err := yamux.Server(conn, tunnel.YamuxConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sess.Close() })
	ctl, err := sess.OpenStream()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(ctl, `{"type":"hello","version":"raw-1","stream":{"scheme":"rtsp","port":554,"path":"/"}}`+"\n"); err != nil {
		t.Fatal(err)
	}
	return sess
}

// backfillOnce sends one back-fill stream and returns the server's answer.
func backfillOnce(t *testing.T, sess *yamux.Session, header string, body []byte) string {
	t.Helper()
	st, err := sess.OpenStream()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_ = st.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(st, header+"\n"); err != nil {
		t.Fatal(err)
	}
	_, _ = st.Write(body)
	ans, err := bufio.NewReader(st).ReadString('\n')
	if err != nil {
		t.Fatalf("back-fill answer: %v", err)
	}
	return strings.TrimSuffix(ans, "\n")
}
