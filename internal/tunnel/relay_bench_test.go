package tunnel_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/agent"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/media/simcam"
	"github.com/vigilo/vigilo/internal/testenv"
	"github.com/vigilo/vigilo/internal/tunnel"
)

// TestMain turns this test binary into the agent when the benchmark starts
// it as a child process, so the agent's CPU and memory are its own.
func TestMain(m *testing.M) {
	if srv := os.Getenv("VIGILO_BENCH_AGENT_SERVER"); srv != "" {
		benchAgentChild(srv, os.Getenv("VIGILO_BENCH_AGENT_CAMERAS"))
		return
	}
	os.Exit(m.Run())
}

func benchAgentChild(srv, cams string) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg := agent.Config{Server: srv, DeviceID: "bench", ClaimCode: "bench-code", Version: "bench"}
	// VIGILO_BENCH_AGENT_BUFFER=<dir> measures the agent with its local
	// buffer on (each camera also recorded on its disk).
	if dir := os.Getenv("VIGILO_BENCH_AGENT_BUFFER"); dir != "" {
		cfg.BufferDir, cfg.BufferMax = dir, 1<<30
	}
	for i, u := range strings.Split(cams, ",") {
		cfg.Cameras = append(cfg.Cameras, agent.Camera{Name: "cam" + strconv.Itoa(i+1), URL: u})
	}
	if err := agent.Run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "agent:", err)
		os.Exit(1)
	}
}

// benchServer is the server side of the tunnel without the platform around
// it: device "bench:camN" is camera N; any claim code is right.
func benchServer(t testing.TB, ts *tunnel.Server) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+tunnel.ClaimPath, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"credential":"bench-credential"}`))
	})
	mux.HandleFunc("GET "+tunnel.ConnectPath, func(w http.ResponseWriter, r *http.Request) {
		dev := r.Header.Get(tunnel.HeaderDevice)
		id, err := strconv.ParseInt(strings.TrimPrefix(dev, "bench:cam"), 10, 64)
		if dev == "bench" {
			id, err = 1, nil
		}
		if err != nil {
			http.Error(w, "unknown device", http.StatusUnauthorized)
			return
		}
		_ = ts.Serve(w, r, id)
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// arrivals notes how long after the simulator sent it each frame reached
// the hub.
type arrivals struct {
	mu     sync.Mutex
	sent   map[[16]byte]time.Time
	delays []time.Duration
	frames int
}

func tail16(b []byte) (k [16]byte, ok bool) {
	if len(b) < 16 {
		return k, false
	}
	copy(k[:], b[len(b)-16:])
	return k, true
}

func (a *arrivals) put(tail []byte, at time.Time) {
	if k, ok := tail16(tail); ok {
		a.mu.Lock()
		a.sent[k] = at
		a.mu.Unlock()
	}
}

func (a *arrivals) WriteUnit(u *media.Unit) {
	now := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.frames++
	if len(u.AU) == 0 {
		return
	}
	if k, ok := tail16(u.AU[len(u.AU)-1]); ok {
		if at, ok := a.sent[k]; ok {
			a.delays = append(a.delays, now.Sub(at))
			delete(a.sent, k)
		}
	}
}

func (a *arrivals) reset() {
	a.mu.Lock()
	a.delays, a.frames = nil, 0
	a.mu.Unlock()
}

func (a *arrivals) pct(p float64) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.delays) == 0 {
		return 0
	}
	d := slices.Clone(a.delays)
	slices.Sort(d)
	return d[int(float64(len(d)-1)*p)]
}

// procTimes reads a process's user+system CPU time and resident memory.
func procTimes(t testing.TB, pid int) (cpu time.Duration, rss int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	cpu = time.Duration(ut+st) * time.Second / 100 // USER_HZ
	s, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(s), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			rss = kb << 10
		}
	}
	return cpu, rss
}

// BenchmarkAgentRelay measures the P&P agent relaying N cameras (default
// 10; VIGILO_BENCH_AGENT_N) of a 2 Mbit/s 720p clip to a hub that pulls them
// through the tunnel: the agent's CPU and resident memory (a child
// process), and how much later frames reach the hub through the tunnel than
// by a direct pull of the same simulator. Run it once:
//
//	go test ./internal/tunnel -run '^$' -bench AgentRelay -benchtime 1x
func BenchmarkAgentRelay(b *testing.B) {
	testenv.RequireTool(b, "ffmpeg")
	n := 10
	if v, err := strconv.Atoi(os.Getenv("VIGILO_BENCH_AGENT_N")); err == nil && v > 0 {
		n = v
	}
	window := 15 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p, err := simcam.GenerateClip(ctx, filepath.Join(os.TempDir(), "vigilo-simcam-clips"), simcam.DefaultClip)
	if err != nil {
		b.Fatal(err)
	}
	clip, err := simcam.LoadClip(p)
	if err != nil {
		b.Fatal(err)
	}
	arr := &arrivals{sent: map[[16]byte]time.Time{}}
	sim := simcam.New(clip)
	sim.OnVideoFrame = arr.put
	if err := sim.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer sim.Stop()

	ts := tunnel.New(tunnel.Config{})
	defer ts.Close()
	hs := benchServer(b, ts)
	hub := media.New(media.Config{RecordingsDir: b.TempDir(), LiveLinger: time.Millisecond,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, _ := net.SplitHostPort(addr)
			if id, ok := camera.ParseAgentHost(host); ok {
				return ts.Dial(ctx, id)
			}
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}})
	defer hub.Stop()

	// Direct pull of camera 1 first: the reference latency.
	stop, err := hub.Watch(media.Source{CameraID: 1000, URL: sim.URL(1)}, arr)
	if err != nil {
		b.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	arr.reset()
	time.Sleep(window / 2)
	direct50, direct95 := arr.pct(.5), arr.pct(.95)
	stop()

	urls := make([]string, n)
	for i := range urls {
		urls[i] = sim.URL(i + 1)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "VIGILO_BENCH_AGENT_SERVER="+hs.URL, "VIGILO_BENCH_AGENT_CAMERAS="+strings.Join(urls, ","))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for ts.Connected() < n {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d agent links connected", ts.Connected(), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	watch := func(id int64, rd media.Reader) {
		l, _ := ts.Link(id)
		stop, err := hub.Watch(media.Source{CameraID: id, URL: l.Stream.URL(id)}, rd)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(stop)
	}
	// Camera 1 alone through the tunnel: the simulator sends the same clip
	// to every session, so frames are told apart only while one plays.
	watch(1, arr)
	time.Sleep(3 * time.Second)
	arr.reset()
	time.Sleep(window / 2)
	tun50, tun95 := arr.pct(.5), arr.pct(.95)
	for i := 2; i <= n; i++ {
		watch(int64(i), &arrivals{sent: map[[16]byte]time.Time{}})
	}
	time.Sleep(4 * time.Second)
	arr.reset()
	cpu0, _ := procTimes(b, cmd.Process.Pid)
	t0 := time.Now()
	time.Sleep(window)
	cpu1, rss := procTimes(b, cmd.Process.Pid)
	elapsed := time.Since(t0)
	arr.mu.Lock()
	frames := arr.frames
	arr.mu.Unlock()
	if frames < int(window.Seconds())*20 {
		b.Fatalf("only %d frames of camera 1 through the tunnel in %s", frames, window)
	}
	cpuPct := 100 * float64(cpu1-cpu0) / float64(elapsed)
	b.ReportMetric(cpuPct/float64(n), "cpu%/camera")
	b.ReportMetric(float64(rss)/float64(n)/(1<<20), "MiB-rss/camera")
	b.ReportMetric(cpuPct, "cpu%-agent")
	b.ReportMetric(float64(rss)/(1<<20), "MiB-rss-agent")
	b.ReportMetric(float64(direct50.Microseconds())/1000, "ms-direct-p50")
	b.ReportMetric(float64(tun50.Microseconds())/1000, "ms-tunnel-p50")
	b.ReportMetric(float64((tun50-direct50).Microseconds())/1000, "ms-added-p50")
	b.ReportMetric(float64((tun95-direct95).Microseconds())/1000, "ms-added-p95")
}
