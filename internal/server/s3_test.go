package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/config"
	"github.com/vigilo/vigilo/internal/server"
	"github.com/vigilo/vigilo/internal/testenv"
)

// A bucket that cannot be used stops the start, with the variable to fix
// named; nothing is left listening or recording.
func TestS3BadConfigurationFailsStart(t *testing.T) {
	s3 := testenv.S3(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	for _, tc := range []struct{ key, value, named string }{
		{"VIGILO_S3_ENDPOINT", dead, "VIGILO_S3_ENDPOINT"},
		{"VIGILO_S3_ACCESS_KEY_ID", "somebody-else", "VIGILO_S3_ACCESS_KEY_ID"},
		{"VIGILO_S3_SECRET_ACCESS_KEY", "not-the-secret-0123456789", "VIGILO_S3_SECRET_ACCESS_KEY"},
		{"VIGILO_S3_BUCKET", "missing", "VIGILO_S3_BUCKET"},
	} {
		vars := s3.Env()
		vars[tc.key] = tc.value
		dir := t.TempDir()
		vars["VIGILO_HTTP_ADDR"], vars["VIGILO_DATA_DIR"], vars["VIGILO_BILLING_CLOSE_AFTER"] = "127.0.0.1:0", dir, "0"
		vars["VIGILO_WEBRTC_UDP_PORT"] = "0"
		cfg, err := config.Load(nil, func(k string) string { return vars[k] })
		if err != nil {
			t.Fatal(err)
		}
		m := &server.Main{Config: cfg, Log: slog.New(slog.DiscardHandler), Out: io.Discard}
		err = m.Run(context.Background())
		if err == nil {
			m.Close()
			t.Fatalf("%s=%s: started", tc.key, tc.value)
		}
		if !strings.HasPrefix(err.Error(), tc.named+":") {
			t.Errorf("%s=%s: %v (want the message to start with %s)", tc.key, tc.value, err, tc.named)
		}
		if _, err := os.Stat(filepath.Join(dir, "upload-queue")); !os.IsNotExist(err) {
			t.Errorf("%s: an upload queue was created by a start that failed", tc.key)
		}
	}
}
