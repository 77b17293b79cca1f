// Package config reads Vigilo's configuration from flags with VIGILO_*
// environment variables as fallbacks (DESIGN.md §3).
package config

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/money"
)

// Config is everything `vigilo serve` needs.
type Config struct {
	HTTPAddr string
	BaseURL  string
	DataDir  string
	// SecretKeyFile is the camera credentials key shared by every node of
	// a cluster (VIGILO_SECRET_KEY_FILE); empty: DataDir/secret.key.
	SecretKeyFile string
	DBURL         string
	SMTPHost      string
	SMTPPort      int
	SMTPUsername  string
	SMTPPassword  string
	SMTPFrom      string
	AdminEmail    string
	AdminPassword string
	OperatorName  string
	Product       string
	LogLevel      string
	LogFormat     string
	MailInterval  time.Duration
	// Recorder settings.
	SegmentLength time.Duration
	Record        bool
	// EventPostBuffer is how long an events-plan camera records after its
	// event ended (VIGILO_EVENT_POST_BUFFER, default and least 10s).
	EventPostBuffer time.Duration
	// ONVIFRetry spaces onboarding attempts at a failing ONVIF camera, and
	// is how long the recorder may fail before its stream address is asked
	// again (VIGILO_ONVIF_RETRY, default 15s).
	ONVIFRetry time.Duration
	// Security (security.go).
	TrustedProxies  []netip.Prefix // peers whose X-Forwarded-For is believed
	HashConcurrency int            // concurrent argon2id hashes; 0 = derived from cores and memory
	CameraAllow     []netip.Prefix // ranges camera addresses may use beyond the strict default (internal/netpolicy)
	// Live settings (docs/LIVE.md).
	LiveLinger    time.Duration
	WebRTCUDPPort int
	WebRTCHosts   []string
	ICEServers    string
	// Sign-in sessions end after SessionIdle without use and SessionMax after
	// sign-in (VIGILO_SESSION_IDLE, VIGILO_SESSION_MAX).
	SessionIdle time.Duration
	SessionMax  time.Duration
	// MetricsAddr is the separate listener of /metrics (VIGILO_METRICS_ADDR);
	// empty serves no metrics.
	MetricsAddr string
	// Alerts: camera health, offline alerts, webhooks (alerts.go).
	Alerts Alerts
	// Branding: custom-domain verification (branding.go).
	Branding Branding
	// Billing (billing.go): the tree's ISO 4217 currency, and the delay
	// after a month's end before the scheduled close (0: no scheduled close).
	Currency          money.Currency
	BillingCloseAfter time.Duration
	// StatisticsRefresh is the least time between statistics passes
	// (internal/statsroll); 0: none, the tab computes every view.
	StatisticsRefresh time.Duration
	// Cluster: roles, node id, NATS (cluster.go).
	Cluster Cluster
	// S3 holds the video when set (s3.go); empty keeps it on local disk.
	S3 S3
	// TLS serves verified custom domains over HTTPS with ACME
	// certificates when set (acme.go).
	TLS TLS
}

// Load parses args (without the program and subcommand names) over the
// environment. Flags win over variables; variables win over defaults.
func Load(args []string, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&c.HTTPAddr, "http-addr", env("VIGILO_HTTP_ADDR", "127.0.0.1:8080"), "listen address (VIGILO_HTTP_ADDR)")
	fs.StringVar(&c.BaseURL, "base-url", env("VIGILO_BASE_URL", ""), "public URL for links in mail (VIGILO_BASE_URL); default http://<http-addr>")
	fs.StringVar(&c.DataDir, "data-dir", env("VIGILO_DATA_DIR", "./data"), "data directory: SQLite database, recordings, keys (VIGILO_DATA_DIR)")
	fs.StringVar(&c.SecretKeyFile, "secret-key-file", env("VIGILO_SECRET_KEY_FILE", ""),
		"the camera credentials key (64 hex digits); empty: secret.key in the data dir, created at first start. Give every node of a cluster the same file (VIGILO_SECRET_KEY_FILE)")
	fs.StringVar(&c.DBURL, "db-url", env("VIGILO_DB_URL", ""), "database: empty for SQLite in the data dir, or postgres://… (VIGILO_DB_URL)")
	fs.StringVar(&c.SMTPHost, "smtp-host", env("VIGILO_SMTP_HOST", ""), "SMTP server; empty writes mail to the log (VIGILO_SMTP_HOST)")
	port, err := strconv.Atoi(env("VIGILO_SMTP_PORT", "587"))
	if err != nil {
		return c, fmt.Errorf("VIGILO_SMTP_PORT: %w", err)
	}
	fs.IntVar(&c.SMTPPort, "smtp-port", port, "SMTP port (VIGILO_SMTP_PORT)")
	fs.StringVar(&c.SMTPUsername, "smtp-username", env("VIGILO_SMTP_USERNAME", ""), "SMTP user (VIGILO_SMTP_USERNAME)")
	fs.StringVar(&c.SMTPPassword, "smtp-password", env("VIGILO_SMTP_PASSWORD", ""), "SMTP password (VIGILO_SMTP_PASSWORD)")
	fs.StringVar(&c.SMTPFrom, "smtp-from", env("VIGILO_SMTP_FROM", "Vigilo <no-reply@localhost>"), "sender address (VIGILO_SMTP_FROM)")
	fs.StringVar(&c.AdminEmail, "admin-email", env("VIGILO_ADMIN_EMAIL", ""), "first start: the operator owner's e-mail (VIGILO_ADMIN_EMAIL)")
	fs.StringVar(&c.AdminPassword, "admin-password", env("VIGILO_ADMIN_PASSWORD", ""), "first start: the operator owner's password (VIGILO_ADMIN_PASSWORD)")
	fs.StringVar(&c.OperatorName, "operator-name", env("VIGILO_OPERATOR_NAME", "Operator"), "name of the root account (VIGILO_OPERATOR_NAME)")
	fs.StringVar(&c.Product, "product", env("VIGILO_PRODUCT", "Vigilo"), "brand name in pages and mail (VIGILO_PRODUCT)")
	fs.StringVar(&c.LogLevel, "log-level", env("VIGILO_LOG_LEVEL", "info"), "debug, info, warn, error (VIGILO_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("VIGILO_LOG_FORMAT", "text"), "text or json (VIGILO_LOG_FORMAT)")
	mi, err := time.ParseDuration(env("VIGILO_MAIL_INTERVAL", "5s"))
	if err != nil {
		return c, fmt.Errorf("VIGILO_MAIL_INTERVAL: %w", err)
	}
	fs.DurationVar(&c.MailInterval, "mail-interval", mi, "how often the mail outbox is polled (VIGILO_MAIL_INTERVAL)")
	sl, err := time.ParseDuration(env("VIGILO_SEGMENT_LENGTH", "1m"))
	if err != nil {
		return c, fmt.Errorf("VIGILO_SEGMENT_LENGTH: %w", err)
	}
	fs.DurationVar(&c.SegmentLength, "segment-length", sl, "recording segment length (VIGILO_SEGMENT_LENGTH)")
	or, err := time.ParseDuration(env("VIGILO_ONVIF_RETRY", "15s"))
	if err != nil || or < time.Second {
		return c, fmt.Errorf("VIGILO_ONVIF_RETRY: want a duration of at least 1s, e.g. 15s")
	}
	fs.DurationVar(&c.ONVIFRetry, "onvif-retry", or, "spacing of attempts at a failing ONVIF camera (VIGILO_ONVIF_RETRY)")
	rec, _ := strconv.ParseBool(env("VIGILO_RECORD", "true"))
	fs.BoolVar(&c.Record, "record", rec, "run the recorder in this process (VIGILO_RECORD)")
	tp := fs.String("trusted-proxies", env("VIGILO_TRUSTED_PROXIES", ""), "CIDRs of reverse proxies whose X-Forwarded-For names the client (VIGILO_TRUSTED_PROXIES)")
	ca := fs.String("camera-allow", env("VIGILO_CAMERA_ALLOW", ""), "CIDRs camera addresses may use although the default refuses them: loopback, private, link-local… (VIGILO_CAMERA_ALLOW)")
	hc, err := strconv.Atoi(env("VIGILO_HASH_CONCURRENCY", "0"))
	if err != nil || hc < 0 {
		return c, fmt.Errorf("VIGILO_HASH_CONCURRENCY: want a number of concurrent password hashes, 0 for automatic")
	}
	fs.IntVar(&c.HashConcurrency, "hash-concurrency", hc, "concurrent password hashes, 19 MiB each; 0 = from cores and GOMEMLIMIT (VIGILO_HASH_CONCURRENCY)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("VIGILO_METRICS_ADDR", ""), "separate listen address of /metrics, e.g. 127.0.0.1:9464; empty: none (VIGILO_METRICS_ADDR)")
	if err := sessionFlags(fs, &c, env); err != nil {
		return c, err
	}
	if err := c.brandingFlags(fs, env); err != nil {
		return c, err
	}
	alertsDone, err := c.alertFlags(fs, env)
	if err != nil {
		return c, err
	}
	liveDone, err := c.liveFlags(fs, env)
	if err != nil {
		return c, err
	}
	eventsDone, err := c.eventFlags(fs, env)
	if err != nil {
		return c, err
	}
	billingDone, err := c.billingFlags(fs, env)
	if err != nil {
		return c, err
	}
	clusterDone, err := c.clusterFlags(fs, env)
	if err != nil {
		return c, err
	}
	s3Done, err := c.s3Flags(fs, env)
	if err != nil {
		return c, err
	}
	tlsDone := c.tlsFlags(fs, env)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := clusterDone(); err != nil {
		return c, err
	}
	liveDone()
	if err := eventsDone(); err != nil {
		return c, err
	}
	if err := s3Done(); err != nil {
		return c, err
	}
	if err := tlsDone(); err != nil {
		return c, err
	}
	if err := alertsDone(); err != nil {
		return c, err
	}
	if err := billingDone(); err != nil {
		return c, err
	}
	if c.TrustedProxies, err = ParseCIDRs("VIGILO_TRUSTED_PROXIES", *tp); err != nil {
		return c, err
	}
	if c.CameraAllow, err = ParseCIDRs("VIGILO_CAMERA_ALLOW", *ca); err != nil {
		return c, err
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + displayAddr(c.HTTPAddr)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return c, nil
}

// displayAddr turns a listen address into one a browser can open.
func displayAddr(addr string) string {
	host, port, found := strings.Cut(addr, ":")
	if !found {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "127.0.0.1" || host == "::" {
		host = "localhost"
	}
	return host + ":" + port
}
