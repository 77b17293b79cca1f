package media

import (
	"slices"
	"time"
)

// RetentionPolicy drives SelectForDeletion.
type RetentionPolicy struct {
	Now time.Time
	// RetentionDays is the default retention (0 = no age limit).
	RetentionDays int
	// DaysByCamera overrides RetentionDays per camera (each camera's plan).
	DaysByCamera map[int64]int
	// FreeBytes is the free space on the recordings volume now, and
	// MinFreeBytes the floor to keep; 0 disables the space rule.
	FreeBytes    int64
	MinFreeBytes int64
}

// SelectForDeletion returns the segments to delete, oldest first: every
// segment that ended before its camera's retention window, then, while the
// disk would still be below the free-space floor, the oldest remaining
// segments whatever their camera. A full disk must not stop recording, so
// the space rule overrides retention promises; it takes the oldest footage
// because that is the least likely to be needed.
//
// It is a pure function: the caller lists segments from its index, deletes
// the files and rows, and can test the policy without a disk.
func SelectForDeletion(segs []Segment, p RetentionPolicy) []Segment {
	sorted := slices.Clone(segs)
	slices.SortStableFunc(sorted, func(a, b Segment) int { return a.Start.Compare(b.Start) })

	var out []Segment
	free := p.FreeBytes
	rest := sorted[:0:0]
	for _, s := range sorted {
		days := p.RetentionDays
		if d, ok := p.DaysByCamera[s.CameraID]; ok {
			days = d
		}
		if days > 0 && !s.End.After(p.Now.Add(-time.Duration(days)*24*time.Hour)) {
			out = append(out, s)
			free += s.Bytes
			continue
		}
		rest = append(rest, s)
	}
	if p.MinFreeBytes > 0 {
		for _, s := range rest {
			if free >= p.MinFreeBytes {
				break
			}
			out = append(out, s)
			free += s.Bytes
		}
	}
	slices.SortStableFunc(out, func(a, b Segment) int { return a.Start.Compare(b.Start) })
	return out
}
