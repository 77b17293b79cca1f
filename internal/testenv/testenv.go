// Package testenv starts the real outside services that Vigilo's tests need —
// a mailpit SMTP server, a fresh PostgreSQL database, a headless Chromium —
// as plain processes, one per test, and stops them when the test ends.
//
// A missing tool makes a test skip on a developer machine and fail when the
// environment variable CI is "true", so that CI never passes by skipping.
package testenv

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// inCI reports whether the tests run in CI, where a missing tool is an error.
func inCI() bool { return os.Getenv("CI") == "true" }

// RequireTool returns the path of the named program (ffmpeg, ffprobe,
// chromium, mailpit or any other on PATH). When it is missing the test is
// skipped, or fails when CI=true.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	path, err := findTool(name)
	if err != nil {
		missing(t, err.Error())
	}
	return path
}

// missing skips the test, or fails it in CI.
func missing(t testing.TB, msg string) {
	t.Helper()
	if inCI() {
		t.Fatalf("%s (CI=true: required)", msg)
	}
	t.Skip(msg)
}

// findTool looks a program up. chromium honours VIGILO_CHROMIUM and
// /usr/bin/chromium; mailpit, hydra, nats-server, versitygw and pebble also look in $(go env GOPATH)/bin,
// where `make tools` and .ci/run install them.
func findTool(name string) (string, error) {
	var candidates []string
	switch name {
	case "chromium":
		if p := os.Getenv("VIGILO_CHROMIUM"); p != "" {
			candidates = append(candidates, p)
		}
		candidates = append(candidates, "/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
	case "mailpit", "hydra", "nats-server", VersityGW, Pebble:
		candidates = append(candidates, name)
		if gp := goPathBin(); gp != "" {
			candidates = append(candidates, filepath.Join(gp, name))
		}
	case Go2RTC:
		// .ci/run builds it at that exact version into GOPATH/bin.
		if gp := goPathBin(); gp != "" {
			candidates = append(candidates, filepath.Join(gp, Go2RTC))
		}
		candidates = append(candidates, Go2RTC)
	default:
		candidates = append(candidates, name)
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", errors.New(name + " not found (looked for " + strings.Join(candidates, ", ") + ")")
}

var goPathBin = sync.OnceValue(func() string {
	if gb := os.Getenv("GOBIN"); gb != "" {
		return gb
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		return ""
	}
	gp, _, _ := strings.Cut(strings.TrimSpace(string(out)), string(os.PathListSeparator))
	if gp == "" {
		return ""
	}
	return filepath.Join(gp, "bin")
})

// RepoRoot returns the directory of the module's go.mod, found by walking up
// from the working directory (a test runs in its package's directory).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("testenv: no go.mod above the working directory")
		}
		dir = parent
	}
}

// lockedBuffer collects a child process's output; exec writes to it from
// its own goroutine while a test may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
