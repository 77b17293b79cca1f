// Package recording is the recording service of one process: it keeps the
// stream hub's recorded set (media.Recorder) equal to what the database says
// should record, indexes every finished segment, runs retention and removes
// the files of deleted cameras. It is a component with New/Close, started
// by the server when VIGILO_RECORD is on; the use cases in internal/app see
// it only through app.Recorder.
package recording

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/billing"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/events"
	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/objstore"
)

// Config configures the recording service of one process.
type Config struct {
	// Dir is the root of the segment files.
	Dir string
	// SegmentLength is the length of one file (default one minute).
	SegmentLength time.Duration
	// ReconcileEvery is the safety-net timer: events make the recorder react
	// at once, the timer makes a missed event harmless. Default 5 s.
	ReconcileEvery time.Duration
	// RetentionEvery is how often retention runs. Default one minute.
	RetentionEvery time.Duration
	// DefaultRetentionDays applies to segments of cameras without a plan
	// (unassigned since). Default 30; negative keeps them forever.
	DefaultRetentionDays int
	// MinFreeBytes is the disk-space floor: below it the oldest segments
	// go, whatever their plan, so that recording never stops on a full
	// disk. Default: 5% of the volume, at most 5 GiB; negative disables.
	MinFreeBytes int64
	// FreeBytes reports the free and total bytes of the volume holding
	// Dir (default statfs; tests replace it).
	FreeBytes func(dir string) (free, total int64, err error)
	// Transport is "tcp" (default) or "udp".
	Transport string
	// UsageEvery is how often today's stored bytes per camera are
	// snapshotted for usage billing (app/statistics.go). Default one hour.
	UsageEvery time.Duration
	// LiveLinger keeps a camera pulled only for live viewers connected this
	// long after its last viewer left (media.Config.LiveLinger).
	LiveLinger time.Duration
	// EventPostBuffer is how long an events-plan camera records after its
	// event ended (media.Config.EventPostBuffer; default and least 10 s).
	EventPostBuffer time.Duration
	// Gate, on a recorder of a cluster, says which desired cameras this
	// recorder may write (their leases, internal/cluster); nil on a single
	// node, which writes every desired camera.
	Gate Gate
	// GateEvery, with a Gate, is how often the gate is asked again about
	// the desired set last read (lease renewal, placement, failover)
	// between the reconciles that read it (ReconcileEvery and events):
	// the desired set is the costly read, the gate's tick is cheap
	// (docs/SCALING.md). Zero: only at reconciles.
	GateEvery time.Duration
	// Uploader, with S3 on, is handed every segment indexed; the local disk
	// is then a buffer (internal/segupload, docs/S3.md).
	Uploader Uploader
	// Objects, with S3 on, is the bucket that retention and deletion
	// remove uploaded segments from.
	Objects Objects
}

// Gate admits the cameras a recorder of a cluster writes.
type Gate interface {
	// Admit returns which of want this recorder may write now, with the
	// lease revision of each. With an error it still returns what remains
	// safe to write.
	Admit(ctx context.Context, want []int64) (map[int64]int64, error)
	// Revision is the lease revision this recorder last wrote the camera
	// under, stamped on its segments (0: never held).
	Revision(cameraID int64) int64
}

// Uploader queues indexed segments for upload to the object store.
type Uploader interface {
	Enqueue(s camera.Segment) error
	// DropLocalCopies deletes the uploaded copies kept on local disk and
	// returns the bytes freed.
	DropLocalCopies() int64
}

// Objects is what retention and deletion need of the object store.
type Objects interface {
	Delete(ctx context.Context, key string) error
	List(ctx context.Context, prefix string) ([]objstore.Object, error)
	Dirs(ctx context.Context, prefix string) ([]string, error)
}

// Service is the glue between the database and the recorder engine.
type Service struct {
	a   *app.App // use cases and the store it runs on; the App does not point back
	log *slog.Logger
	cfg Config
	rec *media.Recorder

	mu      sync.Mutex
	desired map[int64]bool
	// targets is the last desired set read, what a gate re-judges while the
	// database cannot be read.
	targets []media.Target
	// purged holds cameras whose recordings were deleted while they may
	// still have been writing: a segment that started before the cut-off
	// and is finalized afterwards is dropped, not indexed.
	purged map[int64]time.Time

	cancel context.CancelFunc
	done   chan struct{}
	// released is closed once the recorder let go of every camera (Close):
	// file sweeps waiting for that run at once.
	released chan struct{}
	sweeps   sync.WaitGroup
	closed   sync.Once
	closeErr error

	// live is the online/recording state last written for each camera this
	// recorder runs (live.go); liveTicks counts the flushes.
	liveMu    sync.Mutex
	live      map[int64]liveState
	liveTicks int
}

// New recovers segments left open by a crash (indexing them), reconciles
// once, and then follows a's events and its timers until Close.
func New(ctx context.Context, a *app.App, cfg Config) (*Service, error) {
	if cfg.Dir == "" {
		return nil, errors.New("recording: no directory")
	}
	if cfg.SegmentLength <= 0 {
		cfg.SegmentLength = camera.DefaultSegmentLength
	}
	if cfg.ReconcileEvery <= 0 {
		cfg.ReconcileEvery = 5 * time.Second
	}
	if cfg.RetentionEvery <= 0 {
		cfg.RetentionEvery = time.Minute
	}
	if cfg.DefaultRetentionDays == 0 {
		cfg.DefaultRetentionDays = 30
	}
	if cfg.FreeBytes == nil {
		cfg.FreeBytes = statfsFree
	}
	if cfg.UsageEvery <= 0 {
		cfg.UsageEvery = time.Hour
	}
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, err
	}
	log := a.Log.With("part", "recording")
	s := &Service{a: a, log: log, cfg: cfg, desired: map[int64]bool{}, purged: map[int64]time.Time{},
		done: make(chan struct{}), released: make(chan struct{}), live: map[int64]liveState{}}
	if err := s.clearLive(ctx); err != nil {
		log.Warn("clearing the cameras' last live state", "err", err)
	}
	s.rec = media.New(media.Config{
		RecordingsDir:        cfg.Dir,
		Sink:                 media.SinkFunc(s.index),
		Logger:               a.Log.With("part", "recorder"),
		DefaultSegmentLength: cfg.SegmentLength,
		Transport:            cfg.Transport,
		Dial:                 a.DialCamera, // the address policy at every dial, or the P&P tunnel
		LiveLinger:           cfg.LiveLinger,
		EventPostBuffer:      cfg.EventPostBuffer,
	})
	// Recovery must finish before any camera writes: files being written
	// carry the same ".part" suffix as files left by a crash.
	segs, err := s.rec.RecoverAll(ctx)
	if err != nil {
		log.Warn("recovering segments", "err", err)
	}
	if len(segs) > 0 {
		log.Info("recovered segments after an unclean stop", "count", len(segs))
	}
	if n, err := s.indexTail(ctx); err != nil {
		log.Warn("indexing unindexed segments", "err", err)
	} else if n > 0 {
		log.Info("indexed finished segments missing from the index", "count", n)
	}
	if err := s.Reconcile(ctx); err != nil {
		log.Error("first reconcile", "err", err)
	}
	if err := a.SnapshotStorage(ctx); err != nil {
		log.Warn("storage snapshot", "err", err)
	}
	evs, unsub := a.Events.Subscribe(256)
	loopCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.loop(loopCtx, evs, unsub)
	return s, nil
}

func (s *Service) loop(ctx context.Context, evs <-chan events.Event, unsub func()) {
	defer close(s.done)
	defer unsub()
	tick := time.NewTicker(s.cfg.ReconcileEvery)
	defer tick.Stop()
	var gate <-chan time.Time
	if s.cfg.Gate != nil && s.cfg.GateEvery > 0 && s.cfg.GateEvery < s.cfg.ReconcileEvery {
		t := time.NewTicker(s.cfg.GateEvery)
		defer t.Stop()
		gate = t.C
	}
	ret := time.NewTicker(s.cfg.RetentionEvery)
	defer ret.Stop()
	usage := time.NewTicker(s.cfg.UsageEvery)
	defer usage.Stop()
	// The cameras' live state is flushed every second: the statistics tab
	// counts online and recording cameras from it.
	live := time.NewTicker(time.Second)
	defer live.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-evs:
			if !ok {
				return
			}
			// Every kind of change can affect the desired set (a plan
			// deleted, a module switched, an account disabled); a burst of
			// events costs one reconcile.
			s.onEvent(ctx, e)
			s.drain(ctx, evs)
		case <-tick.C:
		case <-gate:
			s.mu.Lock()
			last := s.targets
			s.mu.Unlock()
			s.rec.Reconcile(s.admit(ctx, last))
			continue
		case <-ret.C:
			if _, err := RunRetention(ctx, s.a, s.a.Now(), s.policy()); err != nil {
				s.log.Error("retention", "err", err)
			}
			continue
		case <-usage.C:
			if err := s.a.SnapshotStorage(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("storage snapshot", "err", err)
			}
			continue
		case <-live.C:
			if err := s.flushLive(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("camera live state", "err", err)
			}
			continue
		}
		if err := s.Reconcile(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("reconcile recordings", "err", err)
		}
		// Cameras stopped by this reconcile (an account disabled, a camera
		// switched off) stop counting as online at once.
		if err := s.flushLive(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("camera live state", "err", err)
		}
	}
}

func (s *Service) drain(ctx context.Context, evs <-chan events.Event) {
	for {
		select {
		case e, ok := <-evs:
			if !ok {
				return
			}
			s.onEvent(ctx, e)
		default:
			return
		}
	}
}

// Reconcile makes the recorder's running set equal to the desired set now.
func (s *Service) Reconcile(ctx context.Context) error {
	want, err := s.a.Store.R().DesiredRecordings(ctx)
	if err != nil {
		if s.cfg.Gate != nil {
			// The leases may be expiring: the gate stops what is no
			// longer safe to write even while nothing else can be read.
			s.mu.Lock()
			last := s.targets
			s.mu.Unlock()
			s.rec.Reconcile(s.admit(ctx, last))
		}
		return err
	}
	targets := make([]media.Target, 0, len(want))
	desired := make(map[int64]bool, len(want))
	evPaths := map[int64]string{} // events-plan cameras → their customer's path
	for _, d := range want {
		eventsOnly := billing.RecordingMode(d.RecordingMode) == billing.Events
		if eventsOnly {
			evPaths[d.CameraID] = d.CustomerPath
		}
		if camera.Type(d.Type) == camera.PnP {
			// Desired even while its agent is away (status says so); pulled
			// through the tunnel while it is connected.
			desired[d.CameraID] = true
			// An ONVIF device behind the agent waits for its connector.
			if l, ok := s.a.AgentLink(d.CameraID); ok && l.StreamURL(d.CameraID, d.RTSPURL) != "" {
				targets = append(targets, media.Target{CameraID: d.CameraID, URL: l.StreamURL(d.CameraID, d.RTSPURL),
					SegmentLength: s.cfg.SegmentLength, MaxBitrateKbps: d.MaxBitrateKbps, EventsOnly: eventsOnly})
			}
			continue
		}
		if !camera.Type(d.Type).Connectable() || d.RTSPURL == "" {
			continue // ONVIF waits for its connector
		}
		pw, err := s.a.OpenCameraSecret(d.SecretEnc)
		if err != nil {
			s.log.Error("camera credentials unreadable", "camera", d.CameraID, "err", err)
			continue
		}
		u, err := camera.StreamURL(d.RTSPURL, d.Username, pw)
		if err != nil {
			s.log.Error("camera URL", "camera", d.CameraID, "err", err)
			continue
		}
		desired[d.CameraID] = true
		targets = append(targets, media.Target{CameraID: d.CameraID, URL: u, SegmentLength: s.cfg.SegmentLength,
			MaxBitrateKbps: d.MaxBitrateKbps, EventsOnly: eventsOnly})
	}
	s.mu.Lock()
	s.desired = desired
	s.targets = targets
	s.mu.Unlock()
	if s.cfg.Gate != nil {
		targets = s.admit(ctx, targets)
	}
	s.rec.Reconcile(targets)
	if err := s.syncEvents(ctx, evPaths); err != nil {
		return err
	}
	s.a.Observe.CamerasRecording(len(targets))
	return nil
}

// admit keeps the targets the gate lets this recorder write.
func (s *Service) admit(ctx context.Context, targets []media.Target) []media.Target {
	ids := make([]int64, len(targets))
	for i, t := range targets {
		ids[i] = t.CameraID
	}
	ok, err := s.cfg.Gate.Admit(ctx, ids)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("camera leases", "err", err)
	}
	out := targets[:0:0]
	for _, t := range targets {
		if _, yes := ok[t.CameraID]; yes {
			out = append(out, t)
		}
	}
	return out
}

// Status reports a camera's recorder state and whether it should record.
func (s *Service) Status(cameraID int64) (media.CameraStatus, bool) {
	s.mu.Lock()
	d := s.desired[cameraID]
	s.mu.Unlock()
	return s.rec.Status(cameraID), d
}

// Hub is the media stream hub the recorder runs on; live viewers share it.
func (s *Service) Hub() *media.Recorder { return s.rec }

// Dir is the root of the segment files.
func (s *Service) Dir() string { return s.cfg.Dir }

// Running lists the cameras the recorder runs now.
func (s *Service) Running() []int64 { return s.rec.Running() }

// Close stops every camera, finalizes and indexes open segments, and waits
// for file sweeps under way. Calling it again does nothing.
func (s *Service) Close() error {
	s.closed.Do(func() {
		s.cancel()
		<-s.done
		s.closeErr = s.rec.Close()
		// Nothing runs any more: say so, rather than leave the cameras
		// counted online until this recorder starts again.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := s.clearLive(ctx); err != nil {
			s.log.Warn("clearing the cameras' live state", "err", err)
		}
		cancel()
		close(s.released)
		s.sweeps.Wait()
	})
	return s.closeErr
}

func (s *Service) policy() RetentionPolicy {
	return RetentionPolicy{Dir: s.cfg.Dir, DefaultDays: s.cfg.DefaultRetentionDays, MinFreeBytes: s.cfg.MinFreeBytes,
		FreeBytes: s.cfg.FreeBytes, Objects: s.cfg.Objects, Uploader: s.cfg.Uploader}
}
