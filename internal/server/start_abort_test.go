package server_test

import (
	"context"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/config"
	"github.com/vigilo/vigilo/internal/server"
)

// TestRunFailingLateLeavesNothingRunning: a start refused after the workers,
// the recording service and the live hub are already up (here the metrics
// address is taken, the last thing checked before serving) stops all of them
// again: no goroutine outlives the failed Run, and the data directory's
// database can be opened by the next try at once.
func TestRunFailingLateLeavesNothingRunning(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	vars := map[string]string{"VIGILO_HTTP_ADDR": "127.0.0.1:0", "VIGILO_DATA_DIR": dir, "VIGILO_WEBRTC_UDP_PORT": "0",
		"VIGILO_METRICS_ADDR": taken.Addr().String()}
	cfg, err := config.Load(nil, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m := &server.Main{Config: cfg, Out: io.Discard}
	err = m.Run(ctx)
	if err == nil {
		_ = m.Close()
		t.Fatal("started on a taken metrics address")
	}
	if !strings.Contains(err.Error(), "VIGILO_METRICS_ADDR") && !strings.Contains(err.Error(), taken.Addr().String()) {
		t.Errorf("the error names neither the variable nor the address: %v", err)
	}
	var after int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if after = runtime.NumGoroutine(); after <= before {
			break
		}
	}
	if after > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines before Run, %d after it failed:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
	_ = m.Close() // a caller's deferred Close after a failed Run is harmless

	// The same data directory starts cleanly once the address is free.
	delete(vars, "VIGILO_METRICS_ADDR")
	if cfg, err = config.Load(nil, func(k string) string { return vars[k] }); err != nil {
		t.Fatal(err)
	}
	m = &server.Main{Config: cfg, Out: io.Discard}
	if err := m.Run(ctx); err != nil {
		t.Fatalf("second start on the same data directory: %v", err)
	}
	_ = m.Close()
}
