package media_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/media/simcam"
)

// requireFFmpeg skips without ffmpeg locally; in CI a missing ffmpeg is a
// broken environment, not a reason to pass.
func requireFFmpeg(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required in CI: %v", bin, err)
			}
			t.Skipf("%s not installed", bin)
		}
	}
}

// clipCache is shared between test runs so the encode is paid once.
func clipCache() string { return filepath.Join(os.TempDir(), "vigilo-simcam-clips") }

// testClip is small so tests stay cheap: 1 s GOP makes keyframe waits short.
var testClip = simcam.ClipOptions{Width: 640, Height: 360, FPS: 25, GOP: 25, BitrateKbps: 800, Seconds: 6, Audio: true}

func startSimcam(t testing.TB, o simcam.ClipOptions) *simcam.Server {
	t.Helper()
	return startSimcamWith(t, o, nil)
}

// startSimcamWith lets a test configure the server before it starts.
func startSimcamWith(t testing.TB, o simcam.ClipOptions, configure func(*simcam.Server)) *simcam.Server {
	t.Helper()
	requireFFmpeg(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := simcam.GenerateClip(ctx, clipCache(), o)
	if err != nil {
		t.Fatal(err)
	}
	clip, err := simcam.LoadClip(p)
	if err != nil {
		t.Fatal(err)
	}
	s := simcam.New(clip)
	if configure != nil {
		configure(s)
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// collectSink records what the recorder hands to the index.
type collectSink struct {
	mu   sync.Mutex
	segs []media.Segment
}

func (c *collectSink) SegmentDone(_ context.Context, s media.Segment) error {
	c.mu.Lock()
	c.segs = append(c.segs, s)
	c.mu.Unlock()
	return nil
}

func (c *collectSink) list() []media.Segment {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.segs)
	slices.SortFunc(out, func(a, b media.Segment) int { return a.Start.Compare(b.Start) })
	return out
}

type probe struct {
	Streams []struct {
		CodecName string `json:"codec_name"`
		CodecType string `json:"codec_type"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
		Duration  string `json:"duration"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

func (p probe) duration() time.Duration {
	f, _ := strconv.ParseFloat(p.Format.Duration, 64)
	return time.Duration(f * float64(time.Second))
}

// videoDuration is the video stream's own duration (the file's may be
// longer: a player counts an audio track that starts late from zero).
func (p probe) videoDuration() time.Duration {
	for _, s := range p.Streams {
		if s.CodecType == "video" {
			f, _ := strconv.ParseFloat(s.Duration, 64)
			return time.Duration(f * float64(time.Second))
		}
	}
	return 0
}

func (p probe) video() (string, int, int) {
	for _, s := range p.Streams {
		if s.CodecType == "video" {
			return s.CodecName, s.Width, s.Height
		}
	}
	return "", 0, 0
}

// ffprobe validates a file and returns its streams and duration.
func ffprobe(t testing.TB, path string) probe {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries",
		"stream=codec_name,codec_type,width,height,duration:format=duration", "-of", "json", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe output: %v\n%s", err, out)
	}
	return p
}

// decodeClean decodes every frame and fails on any decoder complaint, which
// catches broken timestamps and missing parameter sets that ffprobe forgives.
func decodeClean(t testing.TB, path string) {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-xerror", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("decoding %s: %v\n%s", path, err, out)
	}
}

func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func dirBytes(t testing.TB, dir string) (total int64, parts int) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			total += info.Size()
		}
		if filepath.Ext(p) == ".part" {
			parts++
		}
		return nil
	})
	return total, parts
}

// writePlayback runs WritePlayback into a temp file and checks the byte count.
func writePlayback(t testing.TB, segs []media.Segment, start time.Time, dur time.Duration) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "play.mp4")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	n, err := media.WritePlayback(f, segs, start, dur)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(out)
	if n != fi.Size() || n == 0 {
		t.Fatalf("WritePlayback reported %d bytes, file has %d", n, fi.Size())
	}
	return out
}
