package media

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
)

const (
	partSuffix   = ".part"
	segExt       = ".mp4"
	videoClock   = 90000
	maxClockSkew = 5 * time.Second
)

// SegmentPath returns where a segment of cameraID starting at start lives
// (without the ".part" suffix used while it is being written).
func SegmentPath(dir string, cameraID int64, start time.Time) string {
	u := start.UTC()
	return filepath.Join(dir,
		strconv.FormatInt(cameraID, 10),
		fmt.Sprintf("%04d", u.Year()),
		fmt.Sprintf("%02d", int(u.Month())),
		fmt.Sprintf("%02d", u.Day()),
		strconv.FormatInt(u.UnixMilli(), 10)+segExt)
}

// parseSegmentPath recovers camera id and start time from a path produced by
// SegmentPath (with or without the ".part" suffix).
func parseSegmentPath(p string) (int64, time.Time, error) {
	name := strings.TrimSuffix(filepath.Base(p), partSuffix)
	if !strings.HasSuffix(name, segExt) {
		return 0, time.Time{}, fmt.Errorf("not a segment file: %s", p)
	}
	ms, err := strconv.ParseInt(strings.TrimSuffix(name, segExt), 10, 64)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("segment name is not unix millis: %s", p)
	}
	d := filepath.Dir(p) // .../<cam>/YYYY/MM/DD
	camDir := filepath.Base(filepath.Dir(filepath.Dir(filepath.Dir(d))))
	cam, err := strconv.ParseInt(camDir, 10, 64)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("no camera id in path: %s", p)
	}
	return cam, time.UnixMilli(ms).UTC(), nil
}

// wtrack is one track of the segment being written.
type wtrack struct {
	id        int
	timescale uint32
	isVideo   bool

	// The last sample is held back until the next one arrives, because an
	// fMP4 sample carries its duration and only the next DTS tells it.
	pending    *fmp4.Sample
	pendingDTS int64
	hasPending bool
	lastDur    uint32

	// samples of the part being built, and the DTS (relative to the
	// segment's zero) of the first of them.
	partSamples []*fmp4.Sample
	partBase    int64
	partDur     int64
	// end is the relative DTS after the last sample appended.
	end int64
}

// segmentInfo is what the writer needs to start a file: the tracks' codecs.
type segmentInfo struct {
	codecs        []fmp4.Codec // index i → track id i+1; index 0 is video
	timescales    []uint32
	codecName     string
	width, height int
}

// segmentWriter turns timestamped samples into fMP4 segment files. It is not
// safe for concurrent use; the camera serializes calls.
type segmentWriter struct {
	dir      string
	cameraID int64
	partDur  int64 // in video clock units
	segLen   int64 // in video clock units
	now      func() time.Time

	onPart    func(end time.Time, n int)
	onSegment func(Segment)

	info   *segmentInfo
	tracks []*wtrack

	// open file state
	f        *os.File
	tmpPath  string
	start    time.Time
	zero     int64 // session video DTS that maps to start
	bytes    int64
	seq      uint32
	buf      seekablebuffer.Buffer
	frames   uint64
	lastStop time.Time // End of the last finished segment of this session
}

func (w *segmentWriter) open() bool { return w.f != nil }

// startSegment opens a new file whose first video sample has session DTS dts.
func (w *segmentWriter) startSegment(dts int64, info *segmentInfo) error {
	now := w.now()
	start := now
	// Consecutive segments of one session are placed back to back on the
	// media clock, so the index has no artificial gaps or overlaps at cuts.
	// If the camera clock has drifted from ours by more than maxClockSkew,
	// trust the wall clock again.
	if !w.lastStop.IsZero() {
		if d := now.Sub(w.lastStop); d < maxClockSkew && d > -maxClockSkew {
			start = w.lastStop
		}
	}
	// Millisecond precision, no monotonic reading: the file name carries
	// the start, and Recover/ProbeSegment must derive the same value.
	start = start.UTC().Truncate(time.Millisecond)
	w.info = info
	w.tracks = w.tracks[:0]
	init := fmp4.Init{}
	for i, c := range info.codecs {
		t := &wtrack{id: i + 1, timescale: info.timescales[i], isVideo: i == 0}
		w.tracks = append(w.tracks, t)
		init.Tracks = append(init.Tracks, &fmp4.InitTrack{ID: t.id, TimeScale: t.timescale, Codec: c})
	}
	w.buf.Reset()
	if err := init.Marshal(&w.buf); err != nil {
		return fmt.Errorf("encode init: %w", err)
	}

	final := SegmentPath(w.dir, w.cameraID, start)
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return err
	}
	tmp := final + partSuffix
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	n, err := f.Write(w.buf.Bytes())
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	w.f, w.tmpPath, w.start, w.zero, w.bytes, w.seq = f, tmp, start, dts, int64(n), 0
	return nil
}

// rel converts a session DTS of track t into the segment's time base.
func (w *segmentWriter) rel(t *wtrack, dts int64) int64 {
	if t.timescale == videoClock {
		return dts - w.zero
	}
	return dts - w.zero*int64(t.timescale)/videoClock
}

// appendPending moves t's held-back sample into the part being built, with
// the given duration.
func (w *segmentWriter) appendPending(t *wtrack, dur int64) {
	if !t.hasPending {
		return
	}
	if dur <= 0 || dur > int64(t.timescale)*10 {
		// Non-monotonic or absurd timestamps: reuse the previous
		// duration rather than writing a broken timeline.
		dur = int64(t.lastDur)
		if dur == 0 {
			dur = int64(t.timescale) / 25
		}
	}
	t.pending.Duration = uint32(dur)
	t.lastDur = uint32(dur)
	r := w.rel(t, t.pendingDTS)
	if len(t.partSamples) == 0 {
		if r < t.end && t.end != 0 {
			r = t.end // keep tfdt monotonic after a duration fix-up
		}
		t.partBase = r
	}
	t.partSamples = append(t.partSamples, t.pending)
	t.partDur += dur
	t.end = t.partBase + t.partDur
	if t.isVideo {
		w.frames++
	}
	t.pending, t.hasPending = nil, false
}

// flushPart writes the part being built as one moof+mdat with one write(2).
func (w *segmentWriter) flushPart() error {
	part := fmp4.Part{SequenceNumber: w.seq}
	for _, t := range w.tracks {
		if len(t.partSamples) == 0 {
			continue
		}
		part.Tracks = append(part.Tracks, &fmp4.PartTrack{ID: t.id, BaseTime: uint64(t.partBase), Samples: t.partSamples})
	}
	if len(part.Tracks) == 0 {
		return nil
	}
	w.buf.Reset()
	if err := part.Marshal(&w.buf); err != nil {
		return fmt.Errorf("encode part: %w", err)
	}
	n, err := w.f.Write(w.buf.Bytes())
	w.bytes += int64(n)
	w.seq++
	v := w.tracks[0]
	for _, t := range w.tracks {
		t.partSamples = t.partSamples[:0:0] // samples are referenced by nothing else; let GC have them
		t.partDur = 0
	}
	if err != nil {
		return err
	}
	if w.onPart != nil {
		w.onPart(w.start.Add(clockToDur(v.end, videoClock)), n)
	}
	return nil
}

// finish writes what is left and renames the file to its final name. When
// flushPending is set (session ended), held-back samples are written with
// their previous duration; on a keyframe cut the caller already did that.
func (w *segmentWriter) finish(flushPending bool) error {
	if w.f == nil {
		return nil
	}
	if flushPending {
		for _, t := range w.tracks {
			w.appendPending(t, int64(t.lastDur))
		}
	}
	err := w.flushPart()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f = nil
	v := w.tracks[0]
	if v.end <= 0 {
		// Nothing but an init: not worth indexing.
		os.Remove(w.tmpPath)
		return err
	}
	final := strings.TrimSuffix(w.tmpPath, partSuffix)
	if rerr := os.Rename(w.tmpPath, final); rerr != nil && err == nil {
		err = rerr
	}
	seg := Segment{
		CameraID: w.cameraID,
		Start:    w.start,
		End:      w.start.Add(clockToDur(v.end, videoClock)),
		Bytes:    w.bytes,
		Path:     final,
		Codec:    w.info.codecName,
		Width:    w.info.width,
		Height:   w.info.height,
	}
	w.lastStop = seg.End
	for _, t := range w.tracks {
		t.end, t.partBase = 0, 0
	}
	if w.onSegment != nil {
		w.onSegment(seg)
	}
	return err
}

// writeVideo adds one access unit. key marks a random access point; info
// is the codec description valid at this keyframe (nil when unchanged).
func (w *segmentWriter) writeVideo(dts int64, ptsOffset int32, payload []byte, key bool, info *segmentInfo) error {
	if !w.open() {
		if !key || info == nil {
			return nil // wait for a keyframe with parameters
		}
		if err := w.startSegment(dts, info); err != nil {
			return err
		}
	} else {
		v := w.tracks[0]
		w.appendPending(v, dts-v.pendingDTS)
		if key && (dts-w.zero >= w.segLen || (info != nil && info != w.info)) {
			// Cut at this keyframe: the audio held back belongs to the
			// old segment too.
			for _, t := range w.tracks[1:] {
				w.appendPending(t, int64(t.lastDur))
			}
			if err := w.finish(false); err != nil {
				return err
			}
			if info == nil {
				info = w.info
			}
			if err := w.startSegment(dts, info); err != nil {
				return err
			}
		} else if v.partDur >= w.partDur {
			if err := w.flushPart(); err != nil {
				return err
			}
		}
	}
	v := w.tracks[0]
	v.pending = &fmp4.Sample{PTSOffset: ptsOffset, IsNonSyncSample: !key, Payload: payload}
	v.pendingDTS = dts
	v.hasPending = true
	return nil
}

// writeAudio adds one audio sample to track index ti (1-based position in
// info.codecs).
func (w *segmentWriter) writeAudio(ti int, dts int64, payload []byte) {
	if !w.open() || ti >= len(w.tracks) {
		return
	}
	t := w.tracks[ti]
	if w.rel(t, dts) < 0 {
		return // belongs before the segment's first keyframe
	}
	if t.hasPending {
		w.appendPending(t, dts-t.pendingDTS)
	}
	t.pending = &fmp4.Sample{Payload: payload}
	t.pendingDTS = dts
	t.hasPending = true
}

func clockToDur(v int64, clock uint32) time.Duration {
	sec := v / int64(clock)
	rem := v % int64(clock)
	return time.Duration(sec)*time.Second + time.Duration(rem)*time.Second/time.Duration(clock)
}

func durToClock(d time.Duration, clock uint32) int64 {
	sec := int64(d / time.Second)
	rem := int64(d % time.Second)
	return sec*int64(clock) + rem*int64(clock)/int64(time.Second)
}

// bytesEqual2 compares parameter sets.
func paramsEqual(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
