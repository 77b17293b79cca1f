package bench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/media/simcam"
)

// TestRunRecordSmoke runs the benchmark at toy size so the harness itself is
// exercised by go test (the real figures come from "vigilo bench record").
func TestRunRecordSmoke(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ffmpeg is required in CI")
		}
		t.Skip("ffmpeg not installed")
	}
	var out strings.Builder
	err := RunRecord(context.Background(), RecordOpts{
		N: 2, Duration: 2 * time.Second, Warmup: 3 * time.Second, SegmentLength: time.Second,
		Clip:    simcam.ClipOptions{Width: 320, Height: 240, FPS: 25, GOP: 25, BitrateKbps: 300, Seconds: 4},
		ClipDir: filepath.Join(os.TempDir(), "vigilo-simcam-clips"),
	}, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"cameras recording after warm-up: 2/2", "vigilo ", "fps/stream"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
