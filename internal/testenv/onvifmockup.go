package testenv

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ONVIFMockup is a running ONVIF device mockup of the onvif npm package
// (agsh/onvif 0.6.5, MIT: test/serverMockup.coffee and its canned answers):
// a device we did not write that, unlike go2rtc, has event (PullPoint) and
// PTZ services. Its answers are canned: identity "Mockup Manufacturer" /
// "Mockup Model", one H.264 profile "main" with PTZ, presets P001…, a
// stream address on 192.168.68.111 (never dialled by the tests: their
// camera-address policy refuses it), XAddrs on that host too, and each
// PullMessages answered at once with 0 to 2 CellMotionDetector/Motion
// messages (IsMotion true) at random. It ignores authentication.
type ONVIFMockup struct {
	Addr string // 127.0.0.1:port; its device service is /onvif/device_service
	out  *lockedBuffer
}

// DeviceURL is the mockup's device service address.
func (m *ONVIFMockup) DeviceURL() string { return "http://" + m.Addr + "/onvif/device_service" }

// Log is what the mockup printed so far: "received <service> <command>"
// for each request it understood.
func (m *ONVIFMockup) Log() string { return m.out.String() }

// Received counts the requests for command (GetProfiles, PullMessages,
// ContinuousMove…) the mockup logged: proof that a call reached it.
func (m *ONVIFMockup) Received(command string) int {
	n := 0
	for _, line := range strings.Split(m.Log(), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "received" && f[len(f)-1] == command {
			n++
		}
	}
	return n
}

// WaitReceived waits up to within for Received(command) to reach want (the
// log comes through a pipe, and may trail the mockup's answer) and returns
// the count then.
func (m *ONVIFMockup) WaitReceived(command string, want int, within time.Duration) int {
	deadline := time.Now().Add(within)
	for {
		n := m.Received(command)
		if n >= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mockupDir is the npm project that pins the mockup and what it needs to
// run (package.json, package-lock.json, run.js); node_modules is installed
// there by .ci/run, or by mockupInstalled.
func mockupDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", "onvif-mockup")
}

// mockupInstalled installs the pinned packages (npm ci) when they are not
// there, under a lock: test binaries of several packages may ask at once.
// Without node or npm the test skips (fails when CI=true).
func mockupInstalled(t testing.TB, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "onvif", "test", "serverMockup.coffee")); err == nil {
		return
	}
	npm := RequireTool(t, "npm")
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "vigilo-onvif-mockup-install.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "onvif", "test", "serverMockup.coffee")); err == nil {
		return
	}
	cmd := exec.Command(npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		missing(t, fmt.Sprintf("testenv: npm ci for the ONVIF mockup in %s: %v\n%s", dir, err, out))
	}
}

// StartONVIFMockup runs the mockup on a free 127.0.0.1 port and stops it
// when the test ends. Without Node.js the test skips (fails when CI=true).
func StartONVIFMockup(t testing.TB) *ONVIFMockup {
	t.Helper()
	node := RequireTool(t, "node")
	dir := mockupDir()
	mockupInstalled(t, dir)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		m, err := startONVIFMockup(t, node, dir)
		if err == nil {
			return m
		}
		lastErr = err
	}
	t.Fatalf("testenv: the ONVIF mockup did not start: %v", lastErr)
	return nil
}

func startONVIFMockup(t testing.TB, node, dir string) (*ONVIFMockup, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(node, "run.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "HOSTNAME=127.0.0.1", "VERBOSE=true")
	out, exited, stop, err := startGroup(cmd)
	if err != nil {
		return nil, err
	}
	m := &ONVIFMockup{Addr: "127.0.0.1:" + strconv.Itoa(port), out: out}
	// Its request parsing wants the Body written exactly so, with the
	// operation unprefixed in its default namespace.
	const ask = `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body` +
		` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
		`<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>`
	client := &http.Client{Timeout: 2 * time.Second}
	if err := waitUp("the ONVIF mockup", 20*time.Second, exited, out, stop, func() bool {
		resp, err := client.Post(m.DeviceURL(), "application/soap+xml", strings.NewReader(ask))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}); err != nil {
		return nil, err
	}
	t.Cleanup(stop)
	return m, nil
}
