package store

import (
	"context"
	"strings"

	"github.com/vigilo/vigilo/internal/camera"
	"github.com/vigilo/vigilo/internal/errs"
)

// SeedSegments inserts many recording rows in multi-row INSERTs (benchmarks
// of pages that read the recordings index, e.g. fleet health). Run it inside
// InTx.
func (q Q) SeedSegments(ctx context.Context, segs []camera.Segment) error {
	const batch = 500
	for lo := 0; lo < len(segs); lo += batch {
		part := segs[lo:min(lo+batch, len(segs))]
		var b strings.Builder
		b.WriteString(`INSERT INTO segments (camera_id, start_ms, end_ms, bytes, path) VALUES `)
		args := make([]any, 0, len(part)*5)
		for i, s := range part {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?, ?, ?, ?, ?)")
			args = append(args, s.CameraID, ms(s.Start), ms(s.End), s.Bytes, s.Path)
		}
		if _, err := q.exec(ctx, b.String(), args...); err != nil {
			return errs.Wrap(err, "seed segments")
		}
	}
	return nil
}
