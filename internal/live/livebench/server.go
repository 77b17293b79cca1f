package livebench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/vigilo/vigilo/internal/live"
	"github.com/vigilo/vigilo/internal/media"
)

// ServerOpts configures Serve, the Vigilo side of the benchmark.
type ServerOpts struct {
	// Source is the simulator's host:port; camera i is rtsp://Source/cam/i.
	Source string
	// Cams are pulled from the start (as recorded cameras would be), so a
	// viewer's cost is measured apart from the camera's.
	Cams int
	// Addr is the HTTP listen address; default 127.0.0.1:0.
	Addr string
}

// Serve runs the media hub and the live service with the product's serving
// functions behind a bench HTTP mux (no database, no authorization: every
// Recheck passes) until ctx ends. It writes "LISTEN <url>" to ready once
// serving. `vigilo bench live` starts it as a child process so its CPU and
// memory are measured like MediaMTX's.
func Serve(ctx context.Context, o ServerOpts, ready io.Writer) error {
	dir, err := os.MkdirTemp("", "vigilo-livebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	hub := media.New(media.Config{RecordingsDir: dir})
	defer hub.Stop()
	url := func(id int64) string { return fmt.Sprintf("rtsp://%s/cam/%d", o.Source, id) }
	for i := 1; i <= o.Cams; i++ {
		stop, err := hub.Watch(media.Source{CameraID: int64(i), URL: url(int64(i))}, nopReader{})
		if err != nil {
			return err
		}
		defer stop()
	}
	svc, err := live.New(live.Config{UDPPort: 0, Hosts: []string{"127.0.0.1"},
		Source: func(_ context.Context, id int64) (string, error) { return url(id), nil }}, hub)
	if err != nil {
		return err
	}
	defer svc.Close()
	check := live.Check{Key: "bench", Recheck: func(context.Context) error { return nil }}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /cam/{id}/whep", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		svc.ServeWHEP(w, r, id, check, func(sid string) string { return fmt.Sprintf("/cam/%d/whep/%s", id, sid) })
	})
	mux.HandleFunc("DELETE /cam/{id}/whep/{sid}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		svc.DeleteWHEP(w, r, id, r.PathValue("sid"))
	})
	mux.HandleFunc("GET /cam/{id}/live/{file}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		svc.ServeHLS(w, r, id, check)
	})
	addr := o.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(ready, "LISTEN http://%s\n", ln.Addr())
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

type nopReader struct{}

func (nopReader) WriteUnit(*media.Unit) {}
