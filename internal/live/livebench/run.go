// Package livebench measures live viewing: WHEP time to first frame,
// glass-to-glass latency over WebRTC and LL-HLS, and the CPU and memory each
// viewer costs the server, for Vigilo and, in the same run against the same
// simulated cameras, MediaMTX.
//
// The simulator and the viewers run in this process; each server runs as a
// child process, so the figures are the server's alone. A frame is stamped
// when the simulator sends it (by its final bytes, which survive any
// repacketization) and looked up when a viewer has received it whole.
package livebench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bluenviron/gohlslib/v2"

	"github.com/vigilo/vigilo/internal/live/whepclient"
	"github.com/vigilo/vigilo/internal/media/bench"
	"github.com/vigilo/vigilo/internal/media/simcam"
)

// Opts configures Run.
type Opts struct {
	Cams     int           // cameras; default 1
	Viewers  int           // WebRTC viewers in all, spread over the cameras; default 200
	Duration time.Duration // measured window; default 20s
	Warmup   time.Duration // pulls settle before the baseline; default 4s
	Clip     simcam.ClipOptions
	ClipDir  string
	// Vigilo is the vigilo binary (its "bench live-server"); empty skips Vigilo.
	Vigilo string
	// MediaMTX is a mediamtx binary; empty skips MediaMTX.
	MediaMTX string
}

// Result is one server's figures.
type Result struct {
	Name              string
	Connected, Failed int
	// TTFF is offer → first keyframe (the first picture a player can show).
	TTFF                []time.Duration
	WebRTCLatency       []time.Duration
	HLSLatency          []time.Duration
	FramesPerViewer     float64 // mean over the window
	CPUBase, CPULoaded  float64 // cores in use, without and with viewers
	RSSBase, RSSLoaded  int64
	CPUPerViewer        float64 // % of one core
	MemPerViewer        float64 // bytes
	ExpectedFrames      float64
	ViewersWithNoFrames int
}

// stamps remembers when the simulator sent each frame, by its final bytes.
type stamps struct {
	mu   sync.Mutex
	sent map[[16]byte]time.Time
}

func key(tail []byte) (k [16]byte, ok bool) {
	if len(tail) < 16 {
		return k, false
	}
	copy(k[:], tail[len(tail)-16:])
	return k, true
}

func (s *stamps) put(tail []byte, at time.Time) {
	if k, ok := key(tail); ok {
		s.mu.Lock()
		s.sent[k] = at
		s.mu.Unlock()
	}
}

func (s *stamps) since(tail []byte, now time.Time) (time.Duration, bool) {
	k, ok := key(tail)
	if !ok {
		return 0, false
	}
	s.mu.Lock()
	at, ok := s.sent[k]
	s.mu.Unlock()
	d := now.Sub(at)
	return d, ok && d >= 0 && d < 10*time.Second
}

// Run starts the simulator and each server in turn and writes a report.
func Run(ctx context.Context, o Opts, out io.Writer) error {
	if o.Cams <= 0 {
		o.Cams = 1
	}
	if o.Viewers <= 0 {
		o.Viewers = 200
	}
	if o.Duration <= 0 {
		o.Duration = 20 * time.Second
	}
	if o.Warmup <= 0 {
		o.Warmup = 4 * time.Second
	}
	if o.Clip.Width == 0 {
		o.Clip = simcam.DefaultClip
	}
	if o.ClipDir == "" {
		o.ClipDir = filepath.Join(os.TempDir(), "vigilo-simcam-clips")
	}
	p, err := simcam.GenerateClip(ctx, o.ClipDir, o.Clip)
	if err != nil {
		return err
	}
	clip, err := simcam.LoadClip(p)
	if err != nil {
		return err
	}
	st := &stamps{sent: map[[16]byte]time.Time{}}
	sim := simcam.New(clip)
	sim.OnVideoFrame = st.put
	if err := sim.Start("127.0.0.1:0"); err != nil {
		return err
	}
	defer sim.Stop()

	header(out, o)
	var results []Result
	if o.Vigilo != "" {
		r, err := runVigilo(ctx, o, sim.Addr(), st)
		if err != nil {
			return fmt.Errorf("vigilo: %w", err)
		}
		row(out, r)
		results = append(results, r)
	}
	if o.MediaMTX != "" {
		r, err := runMediaMTX(ctx, o, sim.Addr(), st)
		if err != nil {
			return fmt.Errorf("mediamtx: %w", err)
		}
		row(out, r)
		results = append(results, r)
	}
	ratios(out, results)
	return nil
}

// endpoints name one server's URLs for camera i.
type endpoints struct {
	whep func(i int) string
	hls  func(i int) string
}

func runVigilo(ctx context.Context, o Opts, source string, st *stamps) (Result, error) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(cctx, o.Vigilo, "bench", "live-server", "-source", source, "-cams", fmt.Sprint(o.Cams))
	gentle(cmd)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Result{}, err
	}
	if err := cmd.Start(); err != nil {
		return Result{}, err
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return Result{}, fmt.Errorf("live-server did not start: %w", err)
	}
	base := strings.TrimSpace(strings.TrimPrefix(line, "LISTEN "))
	ep := endpoints{
		whep: func(i int) string { return fmt.Sprintf("%s/cam/%d/whep", base, i) },
		hls:  func(i int) string { return fmt.Sprintf("%s/cam/%d/live/index.m3u8", base, i) },
	}
	return measure(ctx, "vigilo", cmd.Process.Pid, o, ep, st)
}

func runMediaMTX(ctx context.Context, o Opts, source string, st *stamps) (Result, error) {
	dir, err := os.MkdirTemp("", "livebench-mediamtx-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	var b strings.Builder
	// Only what is compared is on: RTSP pull, WebRTC and LL-HLS on loopback
	// with the same part and segment settings as Vigilo.
	fmt.Fprintf(&b, `logLevel: warn
api: false
metrics: false
pprof: false
playback: false
rtsp: false
rtmp: false
srt: false
moq: false
hls: true
hlsAddress: 127.0.0.1:18888
hlsVariant: lowLatency
hlsSegmentCount: 7
hlsSegmentDuration: 1s
hlsPartDuration: 200ms
hlsAlwaysRemux: true
webrtc: true
webrtcAddress: 127.0.0.1:18889
webrtcLocalUDPAddress: 127.0.0.1:18189
webrtcIPsFromInterfaces: false
webrtcAdditionalHosts: [127.0.0.1]
pathDefaults:
  rtspTransport: tcp
paths:
`)
	for i := 1; i <= o.Cams; i++ {
		fmt.Fprintf(&b, "  cam%d:\n    source: rtsp://%s/cam/%d\n", i, source, i)
	}
	cfg := filepath.Join(dir, "mediamtx.yml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		return Result{}, err
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(cctx, o.MediaMTX, cfg)
	gentle(cmd)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return Result{}, err
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	ep := endpoints{
		whep: func(i int) string { return fmt.Sprintf("http://127.0.0.1:18889/cam%d/whep", i) },
		hls:  func(i int) string { return fmt.Sprintf("http://127.0.0.1:18888/cam%d/index.m3u8", i) },
	}
	return measure(ctx, "mediamtx", cmd.Process.Pid, o, ep, st)
}

// measure runs the same script against one server.
func measure(ctx context.Context, name string, pid int, o Opts, ep endpoints, st *stamps) (Result, error) {
	r := Result{Name: name}
	if err := sleep(ctx, o.Warmup); err != nil {
		return r, err
	}
	// Baseline: cameras pulled, nobody watching.
	c0, _ := bench.ProcCPU(pid)
	if err := sleep(ctx, 3*time.Second); err != nil {
		return r, err
	}
	c1, _ := bench.ProcCPU(pid)
	r.CPUBase, r.RSSBase = (c1-c0)/3, bench.ProcRSS(pid)

	// LL-HLS latency first, with one player on camera 1 and nothing else.
	r.HLSLatency = hlsLatency(ctx, ep.hls(1), st, 8*time.Second)

	var mu sync.Mutex
	var conns []*whepclient.Conn
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for v := 0; v < o.Viewers; v++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(v int) {
			defer wg.Done()
			defer func() { <-sem }()
			sample := v < 20 // latency from a few viewers keeps the client side light
			var c *whepclient.Conn
			opts := whepclient.Options{}
			if sample {
				opts.OnFrame = func(_ uint32, tail []byte) {
					if d, ok := st.since(tail, time.Now()); ok {
						mu.Lock()
						r.WebRTCLatency = append(r.WebRTCLatency, d)
						mu.Unlock()
					}
				}
			}
			cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			c, err := whepclient.Connect(cctx, ep.whep(1+v%o.Cams), opts)
			if err != nil {
				mu.Lock()
				r.Failed++
				mu.Unlock()
				return
			}
			for c.Stats().FirstKeyframe == 0 && cctx.Err() == nil {
				time.Sleep(5 * time.Millisecond)
			}
			mu.Lock()
			conns = append(conns, c)
			if ff := c.Stats().FirstKeyframe; ff > 0 {
				r.TTFF = append(r.TTFF, ff)
			}
			mu.Unlock()
		}(v)
	}
	wg.Wait()
	r.Connected = len(conns)
	defer func() {
		for _, c := range conns {
			_ = c.Delete(context.Background())
		}
	}()
	if err := sleep(ctx, 2*time.Second); err != nil {
		return r, err
	}
	mu.Lock()
	r.WebRTCLatency = r.WebRTCLatency[:0] // keep only the steady state
	mu.Unlock()
	f0 := make([]int, len(conns))
	for i, c := range conns {
		f0[i] = c.Stats().Frames
	}
	c0, _ = bench.ProcCPU(pid)
	if err := sleep(ctx, o.Duration); err != nil {
		return r, err
	}
	c1, _ = bench.ProcCPU(pid)
	r.CPULoaded, r.RSSLoaded = (c1-c0)/o.Duration.Seconds(), bench.ProcRSS(pid)
	total := 0
	for i, c := range conns {
		n := c.Stats().Frames - f0[i]
		total += n
		if n == 0 {
			r.ViewersWithNoFrames++
		}
	}
	if len(conns) > 0 {
		r.FramesPerViewer = float64(total) / float64(len(conns))
		r.CPUPerViewer = (r.CPULoaded - r.CPUBase) * 100 / float64(len(conns))
		r.MemPerViewer = float64(r.RSSLoaded-r.RSSBase) / float64(len(conns))
	}
	r.ExpectedFrames = float64(o.Clip.FPS) * o.Duration.Seconds()
	mu.Lock()
	defer mu.Unlock()
	r.WebRTCLatency = slices.Clone(r.WebRTCLatency)
	return r, nil
}

// hlsLatency plays url for d and measures each access unit's delay from
// the simulator to the player (downloaded and demuxed, no player buffer).
func hlsLatency(ctx context.Context, url string, st *stamps, d time.Duration) []time.Duration {
	var mu sync.Mutex
	var out []time.Duration
	c := &gohlslib.Client{URI: url}
	quiet := func(string) {}
	c.OnDownloadPrimaryPlaylist, c.OnDownloadStreamPlaylist, c.OnDownloadSegment, c.OnDownloadPart = quiet, quiet, quiet, quiet
	c.OnTracks = func(tracks []*gohlslib.Track) error {
		for _, tr := range tracks {
			c.OnDataH26x(tr, func(_ int64, _ int64, au [][]byte) {
				if len(au) == 0 {
					return
				}
				if lat, ok := st.since(au[len(au)-1], time.Now()); ok {
					mu.Lock()
					out = append(out, lat)
					mu.Unlock()
				}
			})
		}
		return nil
	}
	if err := c.Start(); err != nil {
		return nil
	}
	_ = sleep(ctx, d)
	c.Close()
	mu.Lock()
	defer mu.Unlock()
	// The first segments are history the player catches up on; the steady
	// state is the second half.
	return slices.Clone(out[len(out)/2:])
}

// gentle makes cancelling a server interrupt it (it cleans up) and kill it
// only if it does not stop.
func gentle(cmd *exec.Cmd) {
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func header(out io.Writer, o Opts) {
	fmt.Fprintf(out, "live benchmark: %d camera(s) × %d WebRTC viewers in all, %s window, clip %dx%d@%d GOP %d %d kbit/s\n",
		o.Cams, o.Viewers, o.Duration, o.Clip.Width, o.Clip.Height, o.Clip.FPS, o.Clip.GOP, o.Clip.BitrateKbps)
	fmt.Fprintf(out, "%-9s %9s %9s %9s %9s %9s %9s %9s %11s %11s %10s %10s\n", "server", "connected", "TTFF p50", "TTFF p95",
		"RTC p50", "RTC p95", "HLS p50", "HLS p95", "CPU/viewer", "MB/viewer", "frames/v", "base MB")
}

func row(out io.Writer, r Result) {
	fmt.Fprintf(out, "%-9s %5d/%-3d %9s %9s %9s %9s %9s %9s %10.3f%% %11.3f %5.0f/%-4.0f %10.1f\n", r.Name,
		r.Connected, r.Connected+r.Failed, ms(pct(r.TTFF, .5)), ms(pct(r.TTFF, .95)),
		ms(pct(r.WebRTCLatency, .5)), ms(pct(r.WebRTCLatency, .95)), ms(pct(r.HLSLatency, .5)), ms(pct(r.HLSLatency, .95)),
		r.CPUPerViewer, r.MemPerViewer/(1<<20), r.FramesPerViewer, r.ExpectedFrames, float64(r.RSSBase)/(1<<20))
}

func ratios(out io.Writer, rs []Result) {
	if len(rs) == 2 && rs[1].CPUPerViewer > 0 && rs[1].MemPerViewer > 0 {
		fmt.Fprintf(out, "per viewer, %s ÷ %s: CPU %.2f, memory %.2f\n", rs[0].Name, rs[1].Name,
			rs[0].CPUPerViewer/rs[1].CPUPerViewer, rs[0].MemPerViewer/rs[1].MemPerViewer)
	}
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%dms", d.Milliseconds())
}

var errNoServer = errors.New("livebench: give -vigilo and/or -mediamtx")

// Check validates options before a long run.
func (o Opts) Check() error {
	if o.Vigilo == "" && o.MediaMTX == "" {
		return errNoServer
	}
	return nil
}
