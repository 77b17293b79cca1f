package media

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Recover finds segments that were never finalized (their name still ends in
// ".part", because the process died while writing them), truncates each to
// its last complete part, renames it to its final name and returns it so the
// caller can index it. A file without a single complete part is deleted.
//
// It must not run while a Recorder writes into dir; call it at start-up.
func Recover(dir string) ([]Segment, error) {
	var out []Segment
	var errs []error
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, segExt+partSuffix) {
			return nil
		}
		seg, rerr := recoverOne(p)
		if rerr != nil {
			errs = append(errs, rerr)
			return nil
		}
		if seg != nil {
			out = append(out, *seg)
		}
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

func recoverOne(p string) (*Segment, error) {
	cam, start, err := parseSegmentPath(p)
	if err != nil {
		return nil, err
	}
	res, err := scanSegment(p)
	if err != nil || res.parts == 0 {
		// Not even one whole part (or not even an init): nothing to keep.
		return nil, os.Remove(p)
	}
	if err := os.Truncate(p, res.goodBytes); err != nil {
		return nil, err
	}
	final := strings.TrimSuffix(p, partSuffix)
	if err := os.Rename(p, final); err != nil {
		return nil, err
	}
	return &Segment{
		CameraID: cam,
		Start:    start,
		End:      start.Add(res.videoEnd),
		Bytes:    res.goodBytes,
		Path:     final,
		Codec:    res.codec,
		Width:    res.w,
		Height:   res.h,
	}, nil
}

// ProbeSegment describes a finished segment file from its content and name,
// e.g. to rebuild an index from disk.
func ProbeSegment(path string) (Segment, error) {
	cam, start, err := parseSegmentPath(path)
	if err != nil {
		return Segment{}, err
	}
	res, err := scanSegment(path)
	if err != nil {
		return Segment{}, err
	}
	if res.tail != nil {
		return Segment{}, res.tail
	}
	return Segment{
		CameraID: cam, Start: start, End: start.Add(res.videoEnd),
		Bytes: res.goodBytes, Path: path, Codec: res.codec, Width: res.w, Height: res.h,
	}, nil
}
