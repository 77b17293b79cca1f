package testenv

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Go2RTC is the go2rtc binary the tests use: a real ONVIF device (device and
// media services over its RTSP server) that we did not write. .ci/run builds
// it at exactly this version. v1.9.12 is the first whose local_auth puts
// HTTP Basic authentication on loopback clients too, so its ONVIF service
// can refuse a wrong password in tests that only use 127.0.0.1.
const Go2RTC = "go2rtc-v1.9.14"

// startGroup starts cmd in a process group of its own, its output kept;
// stop kills the whole group (what the program started goes with it) and
// waits for it.
func startGroup(cmd *exec.Cmd) (out *lockedBuffer, exited chan struct{}, stop func(), err error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out = &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, nil, nil, err
	}
	exited = make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	return out, exited, func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}, nil
}

// waitUp polls ready every 100 ms until it reports true; when the process
// exits first, or within passes (then it is stopped), the error carries
// what it printed.
func waitUp(name string, within time.Duration, exited <-chan struct{}, out *lockedBuffer, stop func(), ready func() bool) error {
	deadline := time.Now().Add(within)
	for !ready() {
		select {
		case <-exited:
			return fmt.Errorf("%s exited: %s", name, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("%s not ready after %v: %s", name, within, out.String())
		}
	}
	return nil
}

// Go2RTCServer is a running go2rtc.
type Go2RTCServer struct {
	APIAddr  string // 127.0.0.1:port: HTTP API, and ONVIF at /onvif/device_service
	RTSPAddr string // 127.0.0.1:port
	out      *lockedBuffer
}

// Log is what go2rtc printed so far.
func (g *Go2RTCServer) Log() string { return g.out.String() }

// StartGo2RTC runs go2rtc with the given streams (name → source, e.g.
// "exec:ffmpeg … -f rtsp {output}") on free 127.0.0.1 ports, with WebRTC,
// SRTP and RTMP off, and stops it when the test ends. Without the binary
// the test skips (fails when CI=true).
func StartGo2RTC(t testing.TB, streams map[string]string) *Go2RTCServer {
	t.Helper()
	return StartGo2RTCAuth(t, streams, "", "")
}

// StartGo2RTCAuth is StartGo2RTC with its HTTP API, and so its ONVIF
// service, behind HTTP Basic authentication as username/password (for every
// client, loopback included). Its RTSP server stays open.
func StartGo2RTCAuth(t testing.TB, streams map[string]string, username, password string) *Go2RTCServer {
	t.Helper()
	bin := RequireTool(t, Go2RTC)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		g, err := startGo2RTC(t, bin, streams, username, password)
		if err == nil {
			return g
		}
		lastErr = err
	}
	t.Fatalf("testenv: go2rtc did not start: %v", lastErr)
	return nil
}

func startGo2RTC(t testing.TB, bin string, streams map[string]string, username, password string) (*Go2RTCServer, error) {
	apiPort, err := freePort()
	if err != nil {
		return nil, err
	}
	rtspPort, err := freePort()
	if err != nil {
		return nil, err
	}
	dir := t.TempDir()
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "api:\n  listen: \"127.0.0.1:%d\"\n", apiPort)
	if username != "" {
		fmt.Fprintf(&cfg, "  username: %s\n  password: %s\n  local_auth: true\n", strconv.Quote(username), strconv.Quote(password))
	}
	fmt.Fprintf(&cfg, "rtsp:\n  listen: \"127.0.0.1:%d\"\n", rtspPort)
	cfg.WriteString("webrtc:\n  listen: \"\"\n  ice_servers: []\nsrtp:\n  listen: \"\"\nrtmp:\n  listen: \"\"\nlog:\n  level: info\nstreams:\n")
	for name, src := range streams {
		fmt.Fprintf(&cfg, "  %s: %s\n", name, strconv.Quote(src))
	}
	path := filepath.Join(dir, "go2rtc.yaml")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-config", path)
	cmd.Dir = dir
	// Its own process group, so the ffmpeg its exec: sources start goes
	// with it.
	out, exited, stop, err := startGroup(cmd)
	if err != nil {
		return nil, err
	}
	g := &Go2RTCServer{APIAddr: "127.0.0.1:" + strconv.Itoa(apiPort), RTSPAddr: "127.0.0.1:" + strconv.Itoa(rtspPort), out: out}
	client := &http.Client{Timeout: 2 * time.Second}
	if err := waitUp("go2rtc", 20*time.Second, exited, out, stop, func() bool {
		resp, err := client.Get("http://" + g.APIAddr + "/api")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	}); err != nil {
		return nil, err
	}
	t.Cleanup(stop)
	return g, nil
}
