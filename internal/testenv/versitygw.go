package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// VersityGW is the versitygw binary of the S3 tests: a real S3 server over a
// directory (posix backend, a top-level folder is a bucket) that we did not
// write. .ci/run installs it at exactly this version.
const VersityGW = "versitygw"

// VersityGWVersion is the version .ci/run installs.
const VersityGWVersion = "v1.8.0"

// S3Server is a running versitygw. Stop and Start take it down and bring
// it back on the same address and directory, to test a node that loses
// its object store.
type S3Server struct {
	Endpoint  string // http://127.0.0.1:port
	Bucket    string // created empty at start
	AccessKey string
	SecretKey string
	Region    string
	Dir       string // the posix backend's root; Dir/Bucket holds the objects

	t       testing.TB
	bin     string
	addr    string
	out     *lockedBuffer
	cmd     *exec.Cmd
	exited  chan struct{}
	stopped bool
}

// S3 starts a versitygw of its own for the test, with one empty bucket,
// on a free loopback port, and kills it when the test ends. Without the
// binary the test skips (fails when CI=true).
func S3(t testing.TB) *S3Server {
	t.Helper()
	bin := RequireTool(t, VersityGW)
	s := &S3Server{Bucket: "video", AccessKey: "vigilo-test", SecretKey: "vigilo-test-secret-0123456789",
		Region: "us-east-1", Dir: t.TempDir(), t: t, bin: bin, out: &lockedBuffer{}}
	if err := os.MkdirAll(filepath.Join(s.Dir, s.Bucket), 0o755); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	var lastErr error
	// A free port found here can be taken before versitygw binds it.
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("testenv: %v", err)
		}
		s.addr = "127.0.0.1:" + strconv.Itoa(port)
		s.Endpoint = "http://" + s.addr
		if lastErr = s.start(); lastErr == nil {
			t.Cleanup(s.Stop)
			return s
		}
	}
	t.Fatalf("testenv: versitygw did not start: %v", lastErr)
	return nil
}

// Start brings a stopped server back on the same address and directory.
func (s *S3Server) Start() {
	s.t.Helper()
	if !s.stopped {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.start()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("testenv: versitygw did not restart: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *S3Server) start() error {
	cmd := exec.Command(s.bin, "--access", s.AccessKey, "--secret", s.SecretKey, "--region", s.Region,
		"--port", s.addr, "--quiet", "posix", s.Dir)
	cmd.Env = append(os.Environ(), "VGW_PORT=", "ROOT_ACCESS_KEY_ID=", "ROOT_SECRET_ACCESS_KEY=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			return fmt.Errorf("versitygw exited: %s", s.out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
			return fmt.Errorf("versitygw not listening after 20s: %s", s.out.String())
		}
	}
	s.cmd, s.exited, s.stopped = cmd, exited, false
	return nil
}

// Stop kills the server (the directory stays).
func (s *S3Server) Stop() {
	if s.stopped || s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.exited
	s.stopped = true
}

// Log is what versitygw printed so far.
func (s *S3Server) Log() string { return s.out.String() }

// ObjectPath is where the posix backend keeps key on disk.
func (s *S3Server) ObjectPath(key string) string {
	return filepath.Join(s.Dir, s.Bucket, filepath.FromSlash(key))
}

// Env is the VIGILO_S3_* configuration of a Vigilo that stores its video
// in this server's bucket.
func (s *S3Server) Env() map[string]string {
	return map[string]string{"VIGILO_S3_ENDPOINT": s.Endpoint, "VIGILO_S3_BUCKET": s.Bucket, "VIGILO_S3_REGION": s.Region,
		"VIGILO_S3_ACCESS_KEY_ID": s.AccessKey, "VIGILO_S3_SECRET_ACCESS_KEY": s.SecretKey, "VIGILO_S3_PATH_STYLE": "true"}
}
