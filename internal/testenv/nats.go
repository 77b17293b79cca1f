package testenv

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// NATSVersion is the nats-server the cluster tests run; .ci/run installs
// exactly this version into GOPATH/bin (a distribution's older package on
// PATH does not count).
const NATSVersion = "v2.15.2"

// NATSServer is a running nats-server with JetStream, on a free loopback
// port, storing in a directory of the test's: Restart keeps what JetStream
// stored, as a real restart does.
type NATSServer struct {
	URL  string
	bin  string
	port int
	dir  string
	args []string // beyond address, port and JetStream (NATSAuth)
	t    testing.TB

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	out    *lockedBuffer
}

// NATS starts a nats-server for the test and stops it when the test ends.
// Without nats-server NATSVersion the test skips (fails when CI=true).
func NATS(t testing.TB) *NATSServer {
	t.Helper()
	return startNATS(t, nil)
}

// NATSAuth is NATS with one user and password: a client must give them
// (nats://user:password@host:port).
func NATSAuth(t testing.TB, user, password string) *NATSServer {
	t.Helper()
	return startNATS(t, []string{"--user", user, "--pass", password})
}

func startNATS(t testing.TB, args []string) *NATSServer {
	t.Helper()
	bin := RequireTool(t, "nats-server")
	if out, err := exec.Command(bin, "--version").CombinedOutput(); err != nil || !strings.Contains(string(out), NATSVersion) {
		missing(t, fmt.Sprintf("nats-server %s not found (%s says %q; go install github.com/nats-io/nats-server/v2@%s)",
			NATSVersion, bin, strings.TrimSpace(string(out)), NATSVersion))
	}
	n := &NATSServer{bin: bin, dir: t.TempDir(), t: t, args: args}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		n.port = port
		if lastErr = n.start(); lastErr == nil {
			n.URL = "nats://127.0.0.1:" + strconv.Itoa(port)
			t.Cleanup(n.Stop)
			return n
		}
	}
	t.Fatalf("testenv: nats-server did not start: %v", lastErr)
	return nil
}

func (n *NATSServer) start() error {
	cmd := exec.Command(n.bin, append([]string{"-a", "127.0.0.1", "-p", strconv.Itoa(n.port), "-js", "-sd", n.dir, "-n", "vigilo-test"},
		n.args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(n.port))
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("nats-server exited: %s", out.String())
		default:
		}
		// JetStream is ready once the server logs it; the port alone
		// opens a little earlier.
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			if strings.Contains(out.String(), "Server is ready") {
				n.mu.Lock()
				n.cmd, n.out, n.exited = cmd, out, exited
				n.mu.Unlock()
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-exited
	return fmt.Errorf("nats-server not ready on %s: %s", addr, out.String())
}

// Stop kills the server (nothing is flushed beyond what JetStream synced).
func (n *NATSServer) Stop() {
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.cmd = nil
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-exited
}

// Restart stops the server and starts it again on the same port and store.
func (n *NATSServer) Restart() {
	n.t.Helper()
	n.Stop()
	var err error
	for attempt := 0; attempt < 20; attempt++ { // the port may linger a moment
		if err = n.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	n.t.Fatalf("testenv: nats-server did not restart: %v", err)
}

// Log is what the server printed since its last start.
func (n *NATSServer) Log() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.out == nil {
		return ""
	}
	return n.out.String()
}
