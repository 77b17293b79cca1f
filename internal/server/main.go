// Package server wires Vigilo together: configuration, store, use cases, the
// HTTP handlers, the mail worker. Main{Run, Close} is also how tests boot the
// real program on port 0 with a temporary data directory.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vigilo/vigilo/internal/api"
	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/cluster"
	"github.com/vigilo/vigilo/internal/config"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/identity"
	"github.com/vigilo/vigilo/internal/live"
	"github.com/vigilo/vigilo/internal/mail"
	"github.com/vigilo/vigilo/internal/metrics"
	"github.com/vigilo/vigilo/internal/objstore"
	"github.com/vigilo/vigilo/internal/recording"
	"github.com/vigilo/vigilo/internal/segupload"
	"github.com/vigilo/vigilo/internal/store"
	"github.com/vigilo/vigilo/internal/tunnel"
)

// Main is one running Vigilo.
type Main struct {
	Config  config.Config
	Log     *slog.Logger
	Out     io.Writer // where the start-up banner goes
	Store   *store.Store
	App     *app.App
	Metrics *metrics.Metrics
	// Addr is the bound address once Run returns (useful with port 0).
	Addr string
	// MetricsAddr is where /metrics is served (VIGILO_METRICS_ADDR), bound.
	MetricsAddr string
	// TLSAddr is where verified custom domains are served over HTTPS
	// (VIGILO_TLS_ADDR), bound; empty without it.
	TLSAddr string
	// SetupLink is set when the first owner must still be created.
	SetupLink string

	recording *recording.Service // server/cameras.go
	live      *live.Service      // server/live.go
	traffic   *live.Meter
	agents    *tunnel.Server      // server/agents.go
	link      *cluster.Link       // server/cluster.go; nil on a single node
	objects   *objstore.Store     // server/s3.go, nil without S3
	uploads   *segupload.Uploader // server/s3.go

	httpSrv *http.Server
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closers []func()
}

// Run opens everything and starts serving in the background.
func (m *Main) Run(ctx context.Context) error {
	if m.Log == nil {
		m.Log = slog.Default()
	}
	if m.Out == nil {
		m.Out = os.Stdout
	}
	cfg := m.Config
	st, err := store.Open(ctx, cfg.DBURL, cfg.DataDir)
	if err != nil {
		return err
	}
	m.Store = st
	// Every argon2id hash in the process shares this bound (19 MiB each).
	identity.SetHashConcurrency(cfg.HashConcurrency, 0)
	// Make the dummy hash now, so the first sign-in for an unknown address
	// costs what every other does.
	_ = identity.BurnPasswordTime("")
	m.Metrics = metrics.New()
	bus := events.NewBus()
	m.App = app.New(st, bus, m.Log, app.Config{BaseURL: cfg.BaseURL, Product: cfg.Product,
		SessionIdle: cfg.SessionIdle, SessionMax: cfg.SessionMax, Currency: cfg.Currency, NodeTTL: cfg.Cluster.LeaseTTL,
		StatisticsRefresh: cfg.StatisticsRefresh})
	m.App.Observe = m.Metrics

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		st.Close()
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	m.Addr = ln.Addr().String()
	if strings.HasSuffix(cfg.HTTPAddr, ":0") && strings.Contains(cfg.BaseURL, ":0") {
		// Port 0 (tests): links must point at the port actually bound.
		_, port, _ := net.SplitHostPort(m.Addr)
		m.App.Config.BaseURL = strings.Replace(cfg.BaseURL, ":0", ":"+port, 1)
		m.Config.BaseURL = m.App.Config.BaseURL
	}

	link, err := m.App.Bootstrap(ctx, cfg.OperatorName, cfg.AdminEmail, cfg.AdminPassword)
	if err != nil {
		ln.Close()
		st.Close()
		return fmt.Errorf("first start: %w", err)
	}
	m.SetupLink = link

	runCtx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel

	var sender mail.Sender = mail.LogSender{Log: m.Log}
	if cfg.SMTPHost != "" {
		sender = mail.NewSMTPSender(mail.SMTPConfig{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername,
			Password: cfg.SMTPPassword, From: cfg.SMTPFrom})
	}
	interval := cfg.MailInterval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	worker := mail.NewWorker(st.W(), sender, m.Log, interval)
	worker.OnResult = func(ok bool) {
		if ok {
			m.Metrics.MailDeliveries.WithLabelValues("sent").Inc()
		} else {
			m.Metrics.MailDeliveries.WithLabelValues("failed").Inc()
		}
	}
	m.App.MailKick = worker.Kick
	m.goRun(func() { worker.Run(runCtx) })
	m.goRun(func() { m.sweepTokens(runCtx) })

	if err := m.startCluster(ctx); err != nil { // before any component subscribes to events
		return m.abort(ln, err)
	}
	if err := m.startFeatures(runCtx); err != nil {
		return m.abort(ln, err)
	}
	if err := m.startMetrics(); err != nil {
		return m.abort(ln, err)
	}

	handler := m.Handler()
	if err := m.startTLS(handler); err != nil {
		return m.abort(ln, err)
	}

	m.httpSrv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	m.goRun(func() {
		if err := m.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("http server", "err", err)
		}
	})
	m.banner()
	return nil
}

// abort undoes a start that failed part-way: what started before the failure
// (workers, the cluster link, components registered with OnClose) is stopped
// and waited for, so a refused configuration leaves no goroutine or file
// behind in the process that tried it (tests start many).
func (m *Main) abort(ln net.Listener, err error) error {
	ln.Close()
	_ = m.Close()
	m.Store, m.closers, m.cancel = nil, nil, nil
	return err
}

func (m *Main) goRun(fn func()) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		fn()
	}()
}

// OnClose registers cleanup run by Close before the store closes.
func (m *Main) OnClose(fn func()) { m.closers = append(m.closers, fn) }

// Handler is the whole HTTP surface.
func (m *Main) Handler() http.Handler {
	mux := http.NewServeMux()
	apiSrv := &api.Server{App: m.App, Log: m.Log, Live: m.live, Traffic: m.traffic, Agents: m.agents}
	apiSrv.Register(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := m.Store.Ping(ctx); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "ok\n")
	})
	m.registerFeatures(mux)
	// Cookie-authenticated browsers must not be driven cross-site: Go's
	// CrossOriginProtection refuses unsafe cross-origin requests by
	// Sec-Fetch-Site/Origin, which is CSRF protection without tokens for
	// every form and API call. Bearer-token clients send neither header.
	cop := http.NewCrossOriginProtection()
	// TrustProxies is outermost: it replaces the request, and observe must see
	// the one the mux stamps with its route pattern.
	return httpx.TrustProxies(m.Config.TrustedProxies, m.observe(cop.Handler(m.liveProxy(securityHeaders(mux, strings.HasPrefix(m.Config.BaseURL, "https://"))))))
}

func securityHeaders(next http.Handler, https bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if https {
			h.Set("Strict-Transport-Security", httpx.HSTS)
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// observe logs every request and feeds the HTTP metrics, labelled by route
// pattern (not raw path) so ids do not explode the label space.
func (m *Main) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				m.Log.Error("panic in handler", "method", r.Method, "path", r.URL.Path, "panic", p)
				if rec.status == 0 {
					http.Error(rec, "internal error", http.StatusInternalServerError)
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			code := fmt.Sprint(rec.status)
			m.Metrics.HTTPRequests.WithLabelValues(route, code).Inc()
			m.Metrics.HTTPDuration.WithLabelValues(route).Observe(d.Seconds())
			m.Log.Debug("http", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", d)
		}()
		next.ServeHTTP(rec, r)
	})
}

func (m *Main) sweepTokens(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := m.Store.W().DeleteExpiredTokens(ctx, time.Now()); err != nil {
				m.Log.Warn("sweep tokens", "err", err)
			} else if n > 0 {
				m.Log.Info("swept expired tokens", "count", n)
			}
			if n, err := m.App.SweepAudit(ctx); err != nil { // the retention setting (app/audit_search.go)
				m.Log.Warn("sweep audit log", "err", err)
			} else if n > 0 {
				m.Log.Info("swept audit entries past retention", "count", n)
			}
		}
	}
}

func (m *Main) banner() {
	c := m.Config
	fmt.Fprintf(m.Out, "\nVigilo is running on %s (database: %s, data: %s)\n", c.BaseURL, m.Store.Dialect(), c.DataDir)
	fmt.Fprintf(m.Out, "  Sign in:  %s/login\n", c.BaseURL)
	switch {
	case m.SetupLink != "":
		fmt.Fprintf(m.Out, "  First start: create the operator's administrator here (one-time link):\n    %s\n", m.SetupLink)
		fmt.Fprintf(m.Out, "  (or restart with VIGILO_ADMIN_EMAIL and VIGILO_ADMIN_PASSWORD set)\n")
	case c.AdminEmail != "":
		fmt.Fprintf(m.Out, "  Administrator: %s (password from VIGILO_ADMIN_PASSWORD)\n", c.AdminEmail)
	}
	if len(c.CameraAllow) > 0 {
		fmt.Fprintf(m.Out, "  Camera addresses: also allowed in %s (VIGILO_CAMERA_ALLOW) — leave it empty in production\n", joinPrefixes(c.CameraAllow))
	}
	if c.SMTPHost == "" {
		fmt.Fprintf(m.Out, "  No SMTP server configured: e-mails (with their links) are written to this log.\n")
	}
	fmt.Fprintf(m.Out, "  API: %s/api/v1/openapi.json   Health: %s/healthz\n", c.BaseURL, c.BaseURL)
	if m.MetricsAddr != "" {
		fmt.Fprintf(m.Out, "  Metrics: http://%s/metrics (VIGILO_METRICS_ADDR; not on the public listener)\n", m.MetricsAddr)
	}
	fmt.Fprintln(m.Out)
}

// Close stops serving and releases everything.
func (m *Main) Close() error {
	if m.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = m.httpSrv.Shutdown(ctx)
		cancel()
	}
	if m.cancel != nil {
		m.cancel()
	}
	for i := len(m.closers) - 1; i >= 0; i-- {
		m.closers[i]()
	}
	m.wg.Wait()
	if m.Store != nil {
		return m.Store.Close()
	}
	return nil
}
