package recording

import (
	"context"
	"syscall"
	"time"

	"github.com/vigilo/vigilo/internal/app"
	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/media"
)

// RetentionPolicy drives RunRetention.
type RetentionPolicy struct {
	Dir          string
	DefaultDays  int   // for cameras without a plan; <= 0 keeps forever
	MinFreeBytes int64 // 0: default (5% of the volume, at most 5 GiB); negative: no floor
	FreeBytes    func(dir string) (free, total int64, err error)
	// Objects and Uploader are set with S3 on: expired segments leave the
	// bucket too, and the space floor first drops uploaded local copies,
	// then only segments not uploaded yet (the bucket is not this disk).
	Objects  Objects
	Uploader Uploader
}

// RetentionResult says what a retention run removed.
type RetentionResult struct {
	Expired    int   // segments past their plan's retention
	ForSpace   int   // segments removed to keep the disk floor
	BytesFreed int64 // both together
}

// RunRetention deletes segments past their plan's retention at now, then,
// while the volume is below the free-space floor, the oldest segments of
// any camera. Each segment leaves the index before its file is removed.
func RunRetention(ctx context.Context, a *app.App, now time.Time, p RetentionPolicy) (RetentionResult, error) {
	var res RetentionResult
	const batch = 500
	for {
		segs, err := a.Store.R().ExpiredSegments(ctx, now, max(p.DefaultDays, 0), batch)
		if err != nil {
			return res, err
		}
		for _, s := range segs {
			if err := deleteSegment(ctx, a, p.Objects, s); err != nil {
				return res, err
			}
			res.Expired++
			res.BytesFreed += s.Bytes
		}
		if len(segs) < batch {
			break
		}
	}
	if p.MinFreeBytes < 0 || p.FreeBytes == nil || p.Dir == "" {
		return res, nil
	}
	for round := 0; round < 1000; round++ {
		free, total, err := p.FreeBytes(p.Dir)
		if err != nil {
			return res, err
		}
		floor := p.MinFreeBytes
		if floor == 0 {
			floor = min(total/20, 5<<30)
		}
		if free >= floor {
			break
		}
		if p.Uploader != nil && round == 0 {
			if n := p.Uploader.DropLocalCopies(); n > 0 {
				a.Log.Info("disk below the free-space floor: uploaded local copies dropped", "bytes", n)
				continue
			}
		}
		oldest, err := a.Store.R().OldestSegments(ctx, 100)
		if p.Objects != nil {
			oldest, err = a.Store.R().OldestLocalSegments(ctx, 100)
		}
		if err != nil {
			return res, err
		}
		cands := make([]media.Segment, len(oldest))
		byPath := make(map[string]camera.Segment, len(oldest))
		for i, s := range oldest {
			cands[i] = media.Segment{CameraID: s.CameraID, Start: s.Start, End: s.End, Bytes: s.Bytes, Path: s.Path}
			byPath[s.Path] = s
		}
		pick := media.SelectForDeletion(cands, media.RetentionPolicy{Now: now, FreeBytes: free, MinFreeBytes: floor})
		if len(pick) == 0 {
			a.Log.Warn("disk below the free-space floor with no recordings left to delete", "dir", p.Dir, "free", free, "floor", floor)
			break
		}
		for _, m := range pick {
			s := byPath[m.Path]
			if err := deleteSegment(ctx, a, p.Objects, s); err != nil {
				return res, err
			}
			res.ForSpace++
			res.BytesFreed += s.Bytes
		}
	}
	if res.Expired+res.ForSpace > 0 {
		a.Log.Info("retention", "expired", res.Expired, "for_space", res.ForSpace, "bytes", res.BytesFreed)
	}
	return res, nil
}

// deleteSegment removes the object, the index row, then the file: a crash
// in between leaves an unlisted file rather than a listed one that cannot
// play, and a bucket that cannot be reached keeps the row (retention tries
// again next run) rather than orphaning the object.
func deleteSegment(ctx context.Context, a *app.App, objs Objects, s camera.Segment) error {
	if s.Object != "" {
		if objs == nil {
			a.Log.Warn("segment in S3 expired while S3 is not configured; its object stays", "key", s.Object)
		} else if err := objs.Delete(ctx, s.Object); err != nil {
			return err
		}
	}
	if err := a.Store.W().DeleteSegment(ctx, s.ID); err != nil {
		return err
	}
	if err := removeFile(s.Path); err != nil {
		a.Log.Warn("remove segment file", "path", s.Path, "err", err)
	}
	return nil
}

func statfsFree(dir string) (free, total int64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), int64(st.Blocks) * int64(st.Bsize), nil
}

// RunRetention runs retention at now with this service's policy (its
// directory, disk floor and, with S3 on, the bucket).
func (s *Service) RunRetention(ctx context.Context, now time.Time) (RetentionResult, error) {
	return RunRetention(ctx, s.a, now, s.policy())
}
