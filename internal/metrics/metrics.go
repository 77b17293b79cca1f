// Package metrics defines Vigilo's Prometheus metrics in one registry.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics is the registry and the collectors the code updates.
type Metrics struct {
	Registry       *prometheus.Registry
	HTTPRequests   *prometheus.CounterVec
	HTTPDuration   *prometheus.HistogramVec
	MailDeliveries *prometheus.CounterVec
	RecordingBytes prometheus.Counter
	PlaybackBytes  prometheus.Counter
	CamerasRunning prometheus.Gauge
}

// New registers every collector.
func New() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigilo_http_requests_total",
			Help: "HTTP requests by route pattern and status code."}, []string{"route", "code"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vigilo_http_request_duration_seconds",
			Help: "HTTP request latency by route pattern.", Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12)}, []string{"route"}),
		MailDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigilo_mail_deliveries_total",
			Help: "Mail delivery attempts by result."}, []string{"result"}),
		RecordingBytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "vigilo_recording_bytes_total",
			Help: "Bytes of finished recording segments indexed."}),
		PlaybackBytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "vigilo_playback_bytes_total",
			Help: "Bytes of recorded video served by playback."}),
		CamerasRunning: prometheus.NewGauge(prometheus.GaugeOpts{Name: "vigilo_recorder_cameras_running",
			Help: "Cameras the recorder is set to record after the last reconcile."}),
	}
	r.MustRegister(m.HTTPRequests, m.HTTPDuration, m.MailDeliveries, m.RecordingBytes, m.PlaybackBytes, m.CamerasRunning,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// SegmentIndexed implements app.Observer.
func (m *Metrics) SegmentIndexed(bytes int64) { m.RecordingBytes.Add(float64(bytes)) }

// PlaybackServed implements app.Observer.
func (m *Metrics) PlaybackServed(bytes int64) { m.PlaybackBytes.Add(float64(bytes)) }

// CamerasRecording implements app.Observer.
func (m *Metrics) CamerasRecording(n int) { m.CamerasRunning.Set(float64(n)) }
