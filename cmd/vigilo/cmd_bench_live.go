package main

import (
	"context"
	"flag"
	"os"
	"time"

	"github.com/vigilo/vigilo/internal/live/livebench"
)

const benchLiveUsage = `  vigilo bench live [-cams 1] [-viewers 200] [-d 20s] [-mediamtx /path/to/mediamtx] [flags]
      WebRTC (WHEP) time to first frame, glass-to-glass latency over WebRTC
      and LL-HLS, CPU and memory per viewer; with -mediamtx, MediaMTX serves
      the same cameras to the same viewers in the same run. See docs/BENCHMARKS.md.
`

func benchLive(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench live", flag.ContinueOnError)
	var o livebench.Opts
	fs.IntVar(&o.Cams, "cams", 1, "cameras")
	fs.IntVar(&o.Viewers, "viewers", 200, "WebRTC viewers in all, spread over the cameras")
	fs.DurationVar(&o.Duration, "d", 20*time.Second, "measured window")
	fs.DurationVar(&o.Warmup, "warmup", 4*time.Second, "time for the cameras to be pulled before the baseline")
	fs.StringVar(&o.MediaMTX, "mediamtx", "", "path to a mediamtx binary to compare against")
	onlyMTX := fs.Bool("only-mediamtx", false, "measure MediaMTX only")
	fs.StringVar(&o.ClipDir, "clip-dir", defaultClipDir(), "where the ffmpeg clip is cached")
	clip := clipFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Clip = *clip
	if !*onlyMTX {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		o.Vigilo = exe
	}
	if err := o.Check(); err != nil {
		return err
	}
	return livebench.Run(ctx, o, os.Stdout)
}

// benchLiveServer is the Vigilo side of "bench live", run as a child.
func benchLiveServer(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench live-server", flag.ContinueOnError)
	var o livebench.ServerOpts
	fs.StringVar(&o.Source, "source", "", "simulator host:port")
	fs.IntVar(&o.Cams, "cams", 1, "cameras to pull from the start")
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:0", "HTTP listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// VIGILO_BENCH_CPUPROFILE=file profiles the server for the whole run
	// (how the per-camera WebRTC writer was found to be the bottleneck).
	stop, err := startCPUProfile(os.Getenv("VIGILO_BENCH_CPUPROFILE"))
	if err != nil {
		return err
	}
	defer stop()
	return livebench.Serve(ctx, o, os.Stdout)
}
