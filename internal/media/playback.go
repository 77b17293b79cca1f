package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4/codecs"
)

// ErrNoRecording is returned by WritePlayback when no segment covers the
// requested range.
var ErrNoRecording = errors.New("no recording in the requested range")

// WritePlayback writes ONE fragmented MP4 made of the samples of files that
// fall in [start, start+dur), without re-encoding:
//
//   - it begins at the keyframe at or before start (so the first frame
//     decodes), hence the output can be up to one GOP longer than dur;
//   - segments are laid back to back: a gap between recordings (camera
//     offline) is removed rather than encoded as a hole, because players stall
//     on holes; callers show gaps with MergeSpans;
//   - it stops before the first segment whose codec parameters differ from the
//     first one's (a resolution change cannot be expressed in one fMP4 init).
//
// files may be in any order and may include segments outside the range. It
// returns the number of bytes written, for traffic metering.
func WritePlayback(w io.Writer, files []Segment, start time.Time, dur time.Duration) (int64, error) {
	return WritePlaybackFrom(context.Background(), w, files, start, dur, nil)
}

// WritePlaybackFrom is WritePlayback reading each segment from local disk
// while its file is there and from remote (the object store, with range
// requests) otherwise; remote may be nil.
func WritePlaybackFrom(ctx context.Context, w io.Writer, files []Segment, start time.Time, dur time.Duration, remote Remote) (int64, error) {
	end := start.Add(dur)
	var segs []Segment
	for _, s := range files {
		if s.End.After(start) && s.Start.Before(end) {
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 || dur <= 0 {
		return 0, ErrNoRecording
	}
	slices.SortFunc(segs, func(a, b Segment) int { return a.Start.Compare(b.Start) })

	cw := &countWriter{w: w}
	p := &player{ctx: ctx, remote: remote, w: cw, end: end}
	for i, s := range segs {
		more, err := p.addSegment(s, i == 0, start)
		if err != nil {
			if i == 0 || cw.n == 0 {
				return cw.n, err
			}
			// A later segment is unreadable: what was written is
			// still a valid file, so end it there.
			break
		}
		if !more {
			break
		}
	}
	if cw.n == 0 {
		return 0, ErrNoRecording
	}
	return cw.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// player writes the output MP4 incrementally.
type player struct {
	ctx    context.Context
	remote Remote
	w      *countWriter
	end    time.Time

	init    *fmp4.Init
	videoID int
	vscale  uint32
	// cursor: output time (video clock) where the next segment starts.
	cursor int64
	// per output track: end of the last written sample, to keep each
	// track's timeline monotonic across segment joins.
	trackEnd map[int]int64
	seq      uint32
	buf      seekablebuffer.Buffer
}

// addSegment appends one segment; it reports false when the range end was
// reached.
func (p *player) addSegment(s Segment, first bool, start time.Time) (bool, error) {
	sf, err := openSegment(p.ctx, s, p.remote)
	if err != nil {
		return false, err
	}
	defer sf.Close()

	if first {
		p.init = &sf.init
		p.videoID = sf.videoID
		p.vscale = sf.track(sf.videoID).TimeScale
		p.trackEnd = map[int]int64{}
		p.buf.Reset()
		if err := p.init.Marshal(&p.buf); err != nil {
			return false, err
		}
		if _, err := p.w.Write(p.buf.Bytes()); err != nil {
			return false, err
		}
	} else if !sameTracks(p.init, &sf.init) {
		return false, nil
	}

	// Output time of segment-relative time 0, in video clock units, and the
	// segment-relative time before which samples are skipped.
	var skipBefore int64
	shift := p.cursor
	if first && start.After(s.Start) {
		k, err := sf.keyframeAtOrBefore(durToClock(start.Sub(s.Start), p.vscale))
		if err != nil {
			return false, err
		}
		skipBefore = k
		shift = -k
	}
	// Segment-relative video time at which the range ends.
	stopAt := durToClock(p.end.Sub(s.Start), p.vscale)

	// Map this file's track ids to the output's (same order by construction
	// of sameTracks).
	idMap := map[int]int{}
	for i, t := range sf.init.Tracks {
		idMap[t.ID] = p.init.Tracks[i].ID
	}

	reachedEnd := false
	for !reachedEnd {
		part, err := sf.next()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, errIncomplete) {
				break
			}
			return false, err
		}
		out := fmp4.Part{SequenceNumber: p.seq}
		for _, t := range part.Tracks {
			oid, ok := idMap[t.ID]
			if !ok {
				continue
			}
			it := sf.track(t.ID)
			isVideo := t.ID == sf.videoID
			scale := it.TimeScale
			// convert video-clock quantities into this track's clock
			conv := func(v int64) int64 {
				if scale == p.vscale {
					return v
				}
				return v * int64(scale) / int64(p.vscale)
			}
			tStop := conv(stopAt)
			tSkip := conv(skipBefore)
			tShift := conv(shift)

			rel := int64(t.BaseTime)
			var kept []*fmp4.Sample
			var base int64
			for _, smp := range t.Samples {
				r := rel
				rel += int64(smp.Duration)
				if r < tSkip {
					continue
				}
				if r >= tStop {
					if isVideo {
						reachedEnd = true
					}
					break
				}
				o := r + tShift
				if !isVideo && o < p.trackEnd[oid] {
					continue // overlaps the previous segment's audio
				}
				if len(kept) == 0 {
					base = o
					if isVideo && o < p.trackEnd[oid] {
						base = p.trackEnd[oid]
					}
				}
				kept = append(kept, smp)
			}
			if len(kept) == 0 {
				continue
			}
			e := base
			for _, smp := range kept {
				e += int64(smp.Duration)
			}
			p.trackEnd[oid] = e
			out.Tracks = append(out.Tracks, &fmp4.PartTrack{ID: oid, BaseTime: uint64(base), Samples: kept})
		}
		if len(out.Tracks) == 0 {
			continue
		}
		p.buf.Reset()
		if err := out.Marshal(&p.buf); err != nil {
			return false, err
		}
		if _, err := p.w.Write(p.buf.Bytes()); err != nil {
			return false, err
		}
		p.seq++
	}
	p.cursor = p.trackEnd[p.videoID]
	return !reachedEnd, nil
}

// keyframeAtOrBefore returns the segment-relative DTS of the last video sync
// sample at or before t (0 when t precedes the first), and rewinds sf to
// its first part, so the file is opened (or the object fetched) once.
func (sf *segFile) keyframeAtOrBefore(t int64) (int64, error) {
	first := sf.pos
	defer func() { sf.pos = first }()
	var k int64
	for {
		part, err := sf.next()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, errIncomplete) {
				return k, nil
			}
			return 0, err
		}
		for _, tr := range part.Tracks {
			if tr.ID != sf.videoID {
				continue
			}
			rel := int64(tr.BaseTime)
			for _, smp := range tr.Samples {
				if rel > t {
					return k, nil
				}
				if !smp.IsNonSyncSample {
					k = rel
				}
				rel += int64(smp.Duration)
			}
		}
	}
}

// sameTracks reports whether b can be appended to an output started with a:
// same track layout, timescales and codec parameters.
func sameTracks(a, b *fmp4.Init) bool {
	if len(a.Tracks) != len(b.Tracks) {
		return false
	}
	for i := range a.Tracks {
		x, y := a.Tracks[i], b.Tracks[i]
		if x.TimeScale != y.TimeScale || !sameCodec(x.Codec, y.Codec) {
			return false
		}
	}
	return true
}

func sameCodec(a, b codecs.Codec) bool {
	switch x := a.(type) {
	case *codecs.H264:
		y, ok := b.(*codecs.H264)
		return ok && bytesEq(x.SPS, y.SPS) && bytesEq(x.PPS, y.PPS)
	case *codecs.H265:
		y, ok := b.(*codecs.H265)
		return ok && bytesEq(x.VPS, y.VPS) && bytesEq(x.SPS, y.SPS) && bytesEq(x.PPS, y.PPS)
	case *codecs.MPEG4Audio:
		y, ok := b.(*codecs.MPEG4Audio)
		return ok && x.Config == y.Config
	}
	return fmt.Sprintf("%T", a) == fmt.Sprintf("%T", b)
}

// Span is a run of segments with no gap longer than the merge tolerance.
type Span struct {
	Start, End time.Time
	Bytes      int64
	Segments   int
}

// MergeSpans merges segments (any order, any cameras' callers should pass
// one camera) into continuous spans: two segments join when the second
// starts at most maxGap after the first ends. Used to draw the timeline and
// to tell a viewer where recording was interrupted.
func MergeSpans(segs []Segment, maxGap time.Duration) []Span {
	if len(segs) == 0 {
		return nil
	}
	s := slices.Clone(segs)
	slices.SortFunc(s, func(a, b Segment) int { return a.Start.Compare(b.Start) })
	var out []Span
	cur := Span{Start: s[0].Start, End: s[0].End, Bytes: s[0].Bytes, Segments: 1}
	for _, g := range s[1:] {
		if g.Start.Sub(cur.End) <= maxGap {
			if g.End.After(cur.End) {
				cur.End = g.End
			}
			cur.Bytes += g.Bytes
			cur.Segments++
			continue
		}
		out = append(out, cur)
		cur = Span{Start: g.Start, End: g.End, Bytes: g.Bytes, Segments: 1}
	}
	return append(out, cur)
}
