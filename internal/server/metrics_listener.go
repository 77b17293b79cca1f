package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// startMetrics serves /metrics on its own listener, VIGILO_METRICS_ADDR
// (e.g. 127.0.0.1:9464), never on the public one: the figures name routes,
// camera counts and load, which are nobody's business outside the operator's
// monitoring. Empty: no metrics endpoint.
func (m *Main) startMetrics() error {
	addr := m.Config.MetricsAddr
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s (VIGILO_METRICS_ADDR): %w", addr, err)
	}
	m.MetricsAddr = ln.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Metrics.Registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	m.goRun(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("metrics server", "err", err)
		}
	})
	m.OnClose(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return nil
}
