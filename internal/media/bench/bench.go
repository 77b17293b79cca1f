// Package bench measures the recorder: N simulated cameras recorded for a
// while, with CPU and memory per stream, bytes written and frames lost, and
// optionally MediaMTX recording the very same streams in the same run.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/media/simcam"
)

// RecordOpts configures RunRecord.
type RecordOpts struct {
	N        int           // cameras; default 50
	Duration time.Duration // measured window; default 30s
	Warmup   time.Duration // connect and settle before measuring; default 5s
	// SegmentLength of recorded files; default 1m (the product default).
	SegmentLength time.Duration

	// SourceAddr is a running simcam (host:port), normally a separate
	// process so its CPU is not billed to the recorder. Empty starts one in
	// this process; the figures then include the simulator.
	SourceAddr string
	// SourcePID, when set, is reported as the simulator's own usage.
	SourcePID int
	// Clip is used when SourceAddr is empty; ClipDir caches the encode.
	Clip    simcam.ClipOptions
	ClipDir string
	// FPS of the source, to turn time into expected frames; default 25.
	FPS int

	// Dir receives recordings (vigilo/ and mediamtx/); default a temp dir,
	// removed afterwards unless Keep.
	Dir  string
	Keep bool

	// MediaMTX is the path of a mediamtx binary to run side by side.
	MediaMTX string
	// NoVigilo measures MediaMTX alone (needs MediaMTX).
	NoVigilo bool
	// MemProfile, when set, receives a heap profile taken at the end of the
	// window (while every camera is still recording).
	MemProfile string

	// Sink receives Vigilo's finished segments (default: none, files only);
	// the S3 benchmark indexes and uploads them through it.
	Sink media.Sink
	// Window, when set, is called as the measured window starts
	// (start=true) and ends; Report, after the recorder stopped, adds its
	// lines to the report.
	Window func(start bool)
	Report func(out io.Writer, window time.Duration) error
}

// Result holds one system's figures.
type Result struct {
	Name            string
	CPUSeconds      float64 // user+sys during the window
	RSSMaxBytes     int64
	RSSEndBytes     int64
	HeapBytes       int64 // Go heap in use at the end (Vigilo only)
	BytesOnDisk     int64
	FramesOnDisk    int
	MediaSeconds    float64 // sum of recorded video durations
	FramesWindow    uint64  // frames written during the window (Vigilo only)
	FramesLost      uint64  // RTP loss + undecodable frames during the window (Vigilo only)
	FilesUnreadable int
}

// RunRecord runs the benchmark and writes a report to out.
func RunRecord(ctx context.Context, o RecordOpts, out io.Writer) error {
	if o.N <= 0 {
		o.N = 50
	}
	if o.Duration <= 0 {
		o.Duration = 30 * time.Second
	}
	if o.Warmup <= 0 {
		o.Warmup = 5 * time.Second
	}
	if o.SegmentLength <= 0 {
		o.SegmentLength = time.Minute
	}
	if o.FPS <= 0 {
		o.FPS = 25
	}
	if o.Clip.Width == 0 {
		o.Clip = simcam.DefaultClip
	}
	if o.ClipDir == "" {
		o.ClipDir = filepath.Join(os.TempDir(), "vigilo-simcam-clips")
	}
	if o.Dir != "" {
		if err := os.MkdirAll(o.Dir, 0o755); err != nil {
			return err
		}
	} else {
		d, err := os.MkdirTemp("", "vigilo-bench-")
		if err != nil {
			return err
		}
		o.Dir = d
		if !o.Keep {
			defer os.RemoveAll(d)
		}
	}

	addr := o.SourceAddr
	inProcess := addr == ""
	if inProcess {
		srv, err := StartSimcam(ctx, o.Clip, o.ClipDir, "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer srv.Stop()
		addr = srv.Addr()
	}
	url := func(i int) string { return fmt.Sprintf("rtsp://%s/cam/%d", addr, i) }

	var mtx *exec.Cmd
	mtxDir := filepath.Join(o.Dir, "mediamtx")
	if o.MediaMTX != "" {
		var err error
		mtx, err = startMediaMTX(ctx, o.MediaMTX, o.Dir, mtxDir, o.N, url, o.SegmentLength)
		if err != nil {
			return err
		}
		defer func() {
			if mtx.ProcessState == nil {
				mtx.Process.Kill()
				mtx.Wait()
			}
		}()
	}

	vdir := filepath.Join(o.Dir, "vigilo")
	rec := media.New(media.Config{RecordingsDir: vdir, DefaultSegmentLength: o.SegmentLength, Sink: o.Sink})
	targets := make([]media.Target, o.N)
	for i := range targets {
		targets[i] = media.Target{CameraID: int64(i + 1), URL: url(i + 1)}
	}
	if !o.NoVigilo {
		rec.Reconcile(targets)
	} else if o.MediaMTX == "" {
		return errors.New("nothing to measure: NoVigilo without MediaMTX")
	}
	defer rec.Stop()

	if err := sleep(ctx, o.Warmup); err != nil {
		return err
	}
	recording := 0
	for _, t := range targets {
		if rec.Status(t.CameraID).Recording {
			recording++
		}
	}

	framesAt := func() (w, l uint64) {
		for _, t := range targets {
			st := rec.Status(t.CameraID)
			w += st.FramesWritten
			l += st.FramesLost
		}
		return
	}
	vig := Result{Name: "vigilo"}
	mres := Result{Name: "mediamtx"}
	src := Result{Name: "simcam"}
	w0, l0 := framesAt()
	cpuV0 := selfCPU()
	var cpuM0, cpuS0 float64
	if mtx != nil {
		cpuM0, _ = procCPU(mtx.Process.Pid)
	}
	if o.SourcePID != 0 {
		cpuS0, _ = procCPU(o.SourcePID)
	}
	if o.Window != nil {
		o.Window(true)
	}
	start := time.Now()
	tick := time.NewTicker(time.Second)
	for time.Since(start) < o.Duration {
		select {
		case <-ctx.Done():
			tick.Stop()
			return ctx.Err()
		case <-tick.C:
		}
		vig.RSSEndBytes = procRSS(os.Getpid())
		vig.RSSMaxBytes = max(vig.RSSMaxBytes, vig.RSSEndBytes)
		if mtx != nil {
			mres.RSSEndBytes = procRSS(mtx.Process.Pid)
			mres.RSSMaxBytes = max(mres.RSSMaxBytes, mres.RSSEndBytes)
		}
		if o.SourcePID != 0 {
			src.RSSEndBytes = procRSS(o.SourcePID)
			src.RSSMaxBytes = max(src.RSSMaxBytes, src.RSSEndBytes)
		}
	}
	tick.Stop()
	window := time.Since(start).Seconds()
	vig.CPUSeconds = selfCPU() - cpuV0
	if o.Window != nil {
		o.Window(false)
	}
	w1, l1 := framesAt()
	vig.FramesWindow, vig.FramesLost = w1-w0, l1-l0
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	vig.HeapBytes = int64(ms.HeapInuse)
	if o.MemProfile != "" {
		if f, err := os.Create(o.MemProfile); err == nil {
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	if mtx != nil {
		c, _ := procCPU(mtx.Process.Pid)
		mres.CPUSeconds = c - cpuM0
	}
	if o.SourcePID != 0 {
		c, _ := procCPU(o.SourcePID)
		src.CPUSeconds = c - cpuS0
	}

	// Stop both recorders, then judge them by what is on disk.
	rec.Stop()
	if mtx != nil {
		mtx.Process.Signal(syscall.SIGINT)
		waitTimeout(mtx, 10*time.Second)
	}
	inspectDir(vdir, &vig)
	if mtx != nil {
		inspectDir(mtxDir, &mres)
	}

	fmt.Fprintf(out, "recorder benchmark: %d cameras, %s measured after %s warm-up, source %s (%dx%d %dfps %dkbit/s GOP %d), %d CPUs, GOMAXPROCS %d\n",
		o.N, o.Duration, o.Warmup, map[bool]string{true: "in-process simcam (its CPU is included in vigilo's)", false: "simcam at " + addr}[inProcess],
		o.Clip.Width, o.Clip.Height, o.Clip.FPS, o.Clip.BitrateKbps, o.Clip.GOP, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	if !o.NoVigilo {
		fmt.Fprintf(out, "vigilo cameras recording after warm-up: %d/%d\n", recording, o.N)
	}
	fmt.Fprintf(out, "%-9s %12s %12s %12s %12s %10s %12s %10s\n", "system", "cpu%/stream", "rss MB", "rss/stream", "disk MB", "frames", "fps/stream", "lost")
	var rows []Result
	if !o.NoVigilo {
		rows = append(rows, vig)
	}
	if mtx != nil {
		rows = append(rows, mres)
	}
	for _, r := range rows {
		cpu := 100 * r.CPUSeconds / window / float64(o.N)
		fps := 0.0
		if r.MediaSeconds > 0 {
			fps = float64(r.FramesOnDisk) / r.MediaSeconds
		}
		lost := "-"
		if r.Name == "vigilo" {
			lost = strconv.FormatUint(r.FramesLost, 10)
		}
		// Frames missing from the files' own timelines: the same
		// yardstick for both recorders.
		missing := int(r.MediaSeconds*float64(o.FPS)+0.5) - r.FramesOnDisk
		fmt.Fprintf(out, "%-9s %12.3f %12.1f %12.2f %12.1f %10d %12.2f %10s   (timeline gaps: %d frames, unreadable files: %d)\n",
			r.Name, cpu, mb(r.RSSMaxBytes), mb(r.RSSMaxBytes)/float64(o.N), mb(r.BytesOnDisk), r.FramesOnDisk, fps, lost, max(missing, 0), r.FilesUnreadable)
	}
	if o.SourcePID != 0 {
		fmt.Fprintf(out, "simcam    cpu %.1f%% of one core in total, rss %.1f MB (not part of either recorder)\n",
			100*src.CPUSeconds/window, mb(src.RSSMaxBytes))
	}
	if !o.NoVigilo {
		fmt.Fprintf(out, "vigilo: frames written in window %d (expected ≈ %d), Go heap in use %.1f MB\n",
			vig.FramesWindow, int(window*float64(o.FPS)*float64(o.N)), mb(vig.HeapBytes))
	}
	if o.Report != nil {
		if err := o.Report(out, time.Duration(window*float64(time.Second))); err != nil {
			return err
		}
	}
	if recording < o.N && !o.NoVigilo {
		return fmt.Errorf("only %d of %d cameras were recording after warm-up", recording, o.N)
	}
	return nil
}

// StartSimcam generates (or reuses) the clip and serves it on addr.
func StartSimcam(ctx context.Context, clip simcam.ClipOptions, clipDir, addr string) (*simcam.Server, error) {
	p, err := simcam.GenerateClip(ctx, clipDir, clip)
	if err != nil {
		return nil, err
	}
	c, err := simcam.LoadClip(p)
	if err != nil {
		return nil, err
	}
	s := simcam.New(c)
	return s, s.Start(addr)
}

func startMediaMTX(ctx context.Context, bin, workDir, recDir string, n int, url func(int) string, segLen time.Duration) (*exec.Cmd, error) {
	cfgDir, err := os.MkdirTemp(workDir, "mediamtx-conf-")
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	// Every server MediaMTX could open is off: it only pulls from loopback
	// and records, which is the job being compared.
	fmt.Fprintf(&b, `logLevel: warn
logDestinations: [stdout]
api: false
metrics: false
pprof: false
playback: false
rtsp: false
rtmp: false
hls: false
webrtc: false
srt: false
moq: false
pathDefaults:
  record: true
  recordPath: %s/%%path/%%Y-%%m-%%d_%%H-%%M-%%S-%%f
  recordFormat: fmp4
  recordPartDuration: 1s
  recordSegmentDuration: %s
  recordDeleteAfter: 0s
  rtspTransport: tcp
paths:
`, recDir, segLen)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  cam%d:\n    source: %s\n", i, url(i))
	}
	cfg := filepath.Join(cfgDir, "mediamtx.yml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, cfg)
	cmd.Dir = cfgDir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start mediamtx: %w", err)
	}
	return cmd, nil
}

func inspectDir(dir string, r *Result) {
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".mp4") {
			return nil
		}
		st, err := media.InspectFile(p)
		if err != nil && st.Frames == 0 {
			r.FilesUnreadable++
			if fi, e := d.Info(); e == nil {
				r.BytesOnDisk += fi.Size()
			}
			return nil
		}
		r.BytesOnDisk += st.Bytes
		r.FramesOnDisk += st.Frames
		r.MediaSeconds += st.Duration.Seconds()
		return nil
	})
}

func waitTimeout(cmd *exec.Cmd, d time.Duration) {
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// selfCPU is this process's user+system CPU seconds (getrusage).
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return tv(ru.Utime) + tv(ru.Stime)
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// clkTck is USER_HZ, the unit of /proc/<pid>/stat times; 100 on every Linux
// ABI Go supports.
const clkTck = 100

// procCPU reads utime+stime of another process from /proc.
func procCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may contain spaces; fields start after ")".
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("bad /proc stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, _ := strconv.ParseFloat(f[11], 64) // field 14 utime
	st, _ := strconv.ParseFloat(f[12], 64) // field 15 stime
	return (ut + st) / clkTck, nil
}

// procRSS reads VmRSS of a process.
func procRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
