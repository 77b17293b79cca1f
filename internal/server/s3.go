package server

import (
	"context"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigilo/vigilo/internal/fleet"
	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/objstore"
	"github.com/vigilo/vigilo/internal/recording"
	"github.com/vigilo/vigilo/internal/segupload"
)

// startObjects connects to the S3 bucket when VIGILO_S3_ENDPOINT is set
// (docs/S3.md). It fails the start when the bucket cannot be used, naming
// the variable to fix, rather than let a recorder fill its disk with
// uploads that cannot succeed. Every node reads segments from it that are
// not on its own disk.
func (m *Main) startObjects(ctx context.Context) error {
	c := m.Config.S3
	if !c.Enabled() {
		return nil
	}
	objs, err := objstore.New(ctx, objstore.Config{Endpoint: c.Endpoint, Bucket: c.Bucket, Region: c.Region,
		AccessKey: c.AccessKey, SecretKey: c.SecretKey, PathStyle: c.PathStyle, PartSize: c.PartSize})
	if err != nil {
		return err
	}
	m.objects = objs
	m.App.Remote = func(ctx context.Context, key string) (media.RemoteFile, error) {
		r, err := objs.Open(ctx, key)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
	m.App.DeleteObject = objs.Delete
	m.OnClose(func() { _ = objs.Close() })
	return nil
}

// startUploads starts the segment uploader of a recorder with S3 on, and
// hands the recording service the uploader and the bucket. Its closer is
// registered before the recording service's, so it runs after it: the
// last segments finalized at stop are queued before the workers stop.
func (m *Main) startUploads(ctx context.Context, rc *recording.Config) error {
	if m.objects == nil {
		return nil
	}
	uploaded := prometheus.NewCounter(prometheus.CounterOpts{Name: "vigilo_s3_uploaded_bytes_total",
		Help: "Bytes of segments uploaded to S3."})
	uc := segupload.Config{Dir: rc.Dir,
		QueueDir: filepath.Join(m.Config.DataDir, "upload-queue"), LocalCache: m.Config.S3.LocalCache,
		Workers: m.Config.S3.Uploaders, Log: m.Log, Uploaded: func(n int64) { uploaded.Add(float64(n)) }}
	if node := m.Config.Cluster; node.Enabled() {
		// The operator sees each recorder's lag on /cluster/nodes.
		uc.Report = func(ctx context.Context, s segupload.Stats) {
			err := m.Store.W().PutUploadQueue(ctx, fleet.UploadQueue{NodeID: node.NodeID, Segments: s.Pending,
				Bytes: s.PendingBytes, Oldest: s.Oldest, Reported: time.Now()})
			if err != nil && ctx.Err() == nil {
				m.Log.Warn("report the upload queue", "err", err)
			}
		}
	}
	up, err := segupload.New(ctx, m.Store, m.objects, uc)
	if err != nil {
		return err
	}
	m.uploads = up
	m.OnClose(func() { _ = up.Close() })
	m.Metrics.Registry.MustRegister(uploaded,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vigilo_s3_upload_queue_segments",
			Help: "Segments waiting on this recorder's disk for upload to S3."},
			func() float64 { return float64(up.Stats().Pending) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vigilo_s3_upload_lag_seconds",
			Help: "Age of the oldest segment waiting for upload to S3 (0: none)."},
			func() float64 {
				if o := up.Stats().Oldest; !o.IsZero() {
					return time.Since(o).Seconds()
				}
				return 0
			}))
	rc.Uploader, rc.Objects = up, m.objects
	return nil
}

// Uploads is the segment uploader of this process, nil unless it records
// with S3 on.
func (m *Main) Uploads() *segupload.Uploader { return m.uploads }
