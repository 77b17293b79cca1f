package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/vigilo/vigilo/internal/media/bench"
	"github.com/vigilo/vigilo/internal/media/simcam"
)

const benchUsage = `usage:
  vigilo bench record [-n 50] [-d 30s] [-mediamtx /path/to/mediamtx] [-s3] [flags]
      record N simulated cameras and report CPU, memory, bytes and frames
      lost per stream; with -mediamtx, MediaMTX records the same streams in
      the same run for comparison; with -s3, segments are indexed and
      uploaded to the bucket of VIGILO_S3_*. See docs/BENCHMARKS.md.
  vigilo bench simcam [-addr 127.0.0.1:8554]
      serve the simulated cameras only (rtsp://ADDR/cam/N)
` + benchLiveUsage

// cmdBench implements "vigilo bench".
func cmdBench(args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(os.Stderr, benchUsage)
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "record":
		return benchRecord(ctx, args[1:])
	case "simcam":
		return benchSimcam(ctx, args[1:])
	case "live":
		return benchLive(ctx, args[1:])
	case "live-server":
		return benchLiveServer(ctx, args[1:])
	}
	return fmt.Errorf("unknown benchmark %q\n%s", args[0], benchUsage)
}

func clipFlags(fs *flag.FlagSet) *simcam.ClipOptions {
	o := simcam.DefaultClip
	fs.IntVar(&o.Width, "width", o.Width, "clip width")
	fs.IntVar(&o.Height, "height", o.Height, "clip height")
	fs.IntVar(&o.FPS, "fps", o.FPS, "clip frame rate")
	fs.IntVar(&o.GOP, "gop", o.GOP, "frames between keyframes")
	fs.IntVar(&o.BitrateKbps, "bitrate", o.BitrateKbps, "clip bitrate in kbit/s")
	fs.IntVar(&o.Seconds, "clip-seconds", o.Seconds, "clip loop length")
	fs.BoolVar(&o.Audio, "audio", o.Audio, "add an AAC track")
	fs.BoolVar(&o.H265, "h265", o.H265, "encode H.265 instead of H.264")
	return &o
}

func defaultClipDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "vigilo", "simcam")
	}
	return filepath.Join(os.TempDir(), "vigilo-simcam-clips")
}

func benchRecord(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench record", flag.ContinueOnError)
	var o bench.RecordOpts
	fs.IntVar(&o.N, "n", 50, "number of cameras")
	fs.DurationVar(&o.Duration, "d", 30*time.Second, "measured duration")
	fs.DurationVar(&o.Warmup, "warmup", 5*time.Second, "time to connect and settle before measuring")
	fs.DurationVar(&o.SegmentLength, "segment", time.Minute, "segment length")
	fs.StringVar(&o.MediaMTX, "mediamtx", "", "path to a mediamtx binary to compare against (same streams, same run)")
	fs.BoolVar(&o.NoVigilo, "only-mediamtx", false, "record with MediaMTX only (needs -mediamtx)")
	fs.StringVar(&o.Dir, "dir", "", "recordings directory (default: a temp dir, removed afterwards)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the recordings")
	fs.StringVar(&o.ClipDir, "clip-dir", defaultClipDir(), "where the ffmpeg clip is cached")
	inProcess := fs.Bool("inprocess", false, "run the camera simulator inside this process (its CPU then counts as the recorder's)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the recorder process to this file")
	fs.StringVar(&o.MemProfile, "memprofile", "", "write a heap profile taken at the end of the window to this file")
	withS3 := fs.Bool("s3", false, "index each segment and upload it to the bucket of VIGILO_S3_* (docs/S3.md), measuring the upload too")
	clip := clipFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	stop, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	o.Clip, o.FPS = *clip, clip.FPS
	if *withS3 {
		cleanup, err := setupS3Bench(ctx, &o)
		if err != nil {
			return err
		}
		defer cleanup()
	}

	if !*inProcess {
		// The simulator runs in a child process so getrusage of this
		// process measures the recorder alone.
		addr, pid, cleanup, err := spawnSimcam(ctx, args)
		if err != nil {
			return err
		}
		defer cleanup()
		o.SourceAddr, o.SourcePID = addr, pid
	}
	return bench.RunRecord(ctx, o, os.Stdout)
}

// spawnSimcam starts "vigilo bench simcam" with the same clip flags and
// returns the address it listens on.
func spawnSimcam(ctx context.Context, recordArgs []string) (string, int, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", 0, nil, err
	}
	// Forward only the clip flags.
	clipNames := map[string]bool{"width": true, "height": true, "fps": true, "gop": true, "bitrate": true, "clip-seconds": true, "audio": true, "h265": true, "clip-dir": true}
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	fs.SetOutput(discard{})
	clipFlags(fs)
	fs.String("clip-dir", "", "")
	for _, n := range []string{"n", "d", "warmup", "segment", "mediamtx", "dir", "cpuprofile", "memprofile"} {
		fs.String(n, "", "")
	}
	fs.Bool("keep", false, "")
	fs.Bool("inprocess", false, "")
	fs.Bool("only-mediamtx", false, "")
	fs.Bool("s3", false, "")
	_ = fs.Parse(recordArgs)
	child := []string{"bench", "simcam", "-addr", "127.0.0.1:0"}
	fs.Visit(func(f *flag.Flag) {
		if clipNames[f.Name] {
			child = append(child, "-"+f.Name+"="+f.Value.String())
		}
	})
	cmd := exec.CommandContext(ctx, exe, child...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", 0, nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	cleanup := func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening ") {
		cleanup()
		return "", 0, nil, fmt.Errorf("simcam child did not start: %q %v", line, err)
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "listening ")), cmd.Process.Pid, cleanup, nil
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

func benchSimcam(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench simcam", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8554", "listen address (loopback by default)")
	clipDir := fs.String("clip-dir", defaultClipDir(), "where the ffmpeg clip is cached")
	clip := clipFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := bench.StartSimcam(ctx, *clip, *clipDir, *addr)
	if err != nil {
		return err
	}
	defer s.Stop()
	// The parent reads this line to learn the port.
	fmt.Printf("listening %s\n", s.Addr())
	<-ctx.Done()
	if errors.Is(ctx.Err(), context.Canceled) {
		return nil
	}
	return ctx.Err()
}

// startCPUProfile profiles this process into path until the returned stop
// ("" profiles nothing).
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
