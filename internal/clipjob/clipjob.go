// Package clipjob is the background job that writes clips: for each pending
// clip it stitches the camera's segments over the clip's range into one MP4
// without re-encoding (media.WritePlayback), with its progress in the
// database while it runs. The work is the database's pending rows, so a
// restart resumes whatever was pending when the process stopped.
package clipjob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/media"
	"github.com/vigilo/vigilo/internal/store"
)

// Poll is how often the job looks for pending clips when nobody kicks it
// (clips asked for on another node, or while it was busy).
const Poll = 30 * time.Second

// sweepEvery spaces the sweeps of orphan files; sweepAge is how old an
// unknown file must be before it goes (younger ones may be being written).
const (
	sweepEvery = time.Hour
	sweepAge   = 10 * time.Minute
)

// progressEvery spaces the progress writes of one clip.
const progressEvery = 250 * time.Millisecond

// Worker writes pending clips one at a time.
type Worker struct {
	st      *store.Store
	dir     string
	log     *slog.Logger
	remote  media.Remote
	objects Objects
	kick    chan struct{}
	cancel  context.CancelFunc
	done    chan struct{}
}

// Objects is where, with S3 on, a ready clip's file is put so that every
// node serves it (camera.Clip.ObjectKey), not only the one that wrote it.
type Objects interface {
	PutFile(ctx context.Context, key, path string) (string, error)
}

// New starts the job over the clips of st, writing files below dir. It
// begins with the clips left pending by an earlier run.
//
// remote reads segments that are no longer on this machine's disk from the
// object store, and objects keeps the clips written (both nil without S3).
func New(st *store.Store, dir string, log *slog.Logger, remote media.Remote, objects Objects) (*Worker, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("clip directory: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Worker{st: st, dir: dir, log: log, remote: remote, objects: objects, kick: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	go w.run(ctx)
	return w, nil
}

// Kick wakes the job (a clip was asked for); it never blocks.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Close stops the job; a clip being written stays pending and is written
// again at the next start.
func (w *Worker) Close() error {
	w.cancel()
	<-w.done
	return nil
}

func (w *Worker) run(ctx context.Context) {
	defer close(w.done)
	t := time.NewTicker(Poll)
	defer t.Stop()
	var swept time.Time
	for {
		w.drain(ctx)
		if time.Since(swept) >= sweepEvery {
			w.sweep(ctx, time.Now())
			swept = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		case <-t.C:
		}
	}
}

func (w *Worker) drain(ctx context.Context) {
	for ctx.Err() == nil {
		pending, err := w.st.R().PendingClips(ctx, 10)
		if err != nil {
			if ctx.Err() == nil {
				w.log.Warn("pending clips", "err", err)
			}
			return
		}
		if len(pending) == 0 {
			return
		}
		for _, c := range pending {
			if ctx.Err() != nil {
				return
			}
			w.write(ctx, c)
		}
	}
}

// write makes one clip's file and ends the clip ready or failed. Only a
// shutdown leaves it pending. The file name is unique per attempt, so two
// nodes racing for one clip never touch each other's file: the one whose
// FinishClip loses removes its own.
func (w *Worker) write(ctx context.Context, c camera.Clip) {
	path, n, err := w.stitch(ctx, c)
	if ctx.Err() != nil {
		removeQuiet(path)
		return
	}
	c.Status, c.Path, c.Bytes = camera.ClipReady, path, n
	if err == nil && w.objects != nil {
		// Ready only once in the bucket: any node serves it from there.
		if _, perr := w.objects.PutFile(ctx, c.ObjectKey(), path); perr != nil {
			err = fmt.Errorf("the clip could not be stored in S3 (try again): %w", perr)
		}
		if ctx.Err() != nil { // stopping: pending, written again at the next start
			removeQuiet(path)
			return
		}
	}
	if err != nil {
		removeQuiet(path)
		c.Status, c.Path, c.Bytes, c.Error = camera.ClipFailed, "", 0, err.Error()
		w.log.Warn("clip failed", "clip", c.ID, "camera", c.CameraID, "err", err)
	}
	ok, ferr := w.st.W().FinishClip(context.WithoutCancel(ctx), c)
	if ferr != nil || !ok {
		// Deleted meanwhile (or written by another node): not ours to keep.
		removeQuiet(path)
		if ferr != nil {
			w.log.Warn("finish clip", "clip", c.ID, "err", ferr)
		}
	}
}

func (w *Worker) stitch(ctx context.Context, c camera.Clip) (string, int64, error) {
	segs, err := w.st.R().SegmentsInRange(ctx, c.CameraID, c.Start, c.Start.Add(c.Duration))
	if err != nil {
		return "", 0, err
	}
	files := make([]media.Segment, len(segs))
	var total int64
	for i, s := range segs {
		files[i] = media.Segment{CameraID: s.CameraID, Start: s.Start, End: s.End, Bytes: s.Bytes, Path: s.Path,
			Codec: s.Codec, Width: s.Width, Height: s.Height, Object: s.Object}
		total += s.Bytes
	}
	if len(files) == 0 {
		return "", 0, errors.New("nothing is recorded in the clip's range any more (retention removed it)")
	}
	camDir := filepath.Join(w.dir, strconv.FormatInt(c.CameraID, 10))
	if err := os.MkdirAll(camDir, 0o750); err != nil {
		return "", 0, err
	}
	path := filepath.Join(camDir, fmt.Sprintf("%d-%d.mp4", c.ID, time.Now().UnixNano()))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return "", 0, err
	}
	pw := &progressWriter{w: f, total: total, report: func(pct int) {
		if err := w.st.W().SetClipProgress(ctx, c.ID, pct); err != nil && ctx.Err() == nil {
			w.log.Warn("clip progress", "clip", c.ID, "err", err)
		}
	}}
	n, err := media.WritePlaybackFrom(ctx, pw, files, c.Start, c.Duration, w.remote)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, media.ErrNoRecording) {
		err = errors.New("nothing is recorded in the clip's range any more (retention removed it)")
	}
	return path, n, err
}

// progressWriter reports the share of the segments' bytes written so far,
// at most every progressEvery; the output is about the size of its input.
type progressWriter struct {
	w      io.Writer
	total  int64
	n      int64
	last   time.Time
	report func(pct int)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.n += int64(n)
	if now := time.Now(); now.Sub(p.last) >= progressEvery && p.total > 0 {
		p.last = now
		p.report(int(min(99, p.n*100/p.total)))
	}
	return n, err
}

func removeQuiet(path string) {
	if path != "" {
		_ = os.Remove(path)
	}
}

// sweep removes clip files that no clip names any more: those of clips or
// cameras deleted with their account (cascades remove rows, not files), and
// files of a write cut short by a crash.
func (w *Worker) sweep(ctx context.Context, now time.Time) {
	var paths []string
	_ = filepath.WalkDir(w.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil && now.Sub(fi.ModTime()) >= sweepAge {
			paths = append(paths, p)
		}
		return nil
	})
	if len(paths) == 0 {
		return
	}
	known, err := w.st.R().ClipPathsKnown(ctx, paths)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("sweep clip files", "err", err)
		}
		return
	}
	for _, p := range paths {
		if !known[p] {
			removeQuiet(p)
			w.log.Info("removed orphan clip file", "path", p)
		}
	}
}
