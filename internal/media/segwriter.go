package media

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4/seekablebuffer"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4/codecs"
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

// smeta describes one sample of the part being built; its bytes live in
// the track's data buffer.
type smeta struct {
	dur     uint32
	size    uint32
	ptsOff  int32
	nonSync bool
}

// wtrack is one track of the segment being written.
type wtrack struct {
	id        int
	timescale uint32
	isVideo   bool

	// Samples of the part being built. Payloads are appended to data as
	// they arrive (no per-frame allocation); the buffer is reused from part
	// to part, so a camera's steady-state memory is about one part.
	metas []smeta
	data  []byte
	// The last sample is held back (hasPending) until the next one
	// arrives, because an fMP4 sample carries its duration and only the
	// next DTS tells it.
	hasPending bool
	pendingDTS int64
	lastDur    uint32

	partBase int64 // DTS (relative to the segment's zero) of metas[0]
	partDur  int64 // sum of the finalized durations in the part
	end      int64 // relative DTS after the last finalized sample
}

// finalizedBytes returns how many samples are finalized and how many
// payload bytes they take at the start of data.
func (t *wtrack) finalizedBytes() (int, int) {
	k := t.finalized()
	size := 0
	for _, m := range t.metas[:k] {
		size += int(m.size)
	}
	return k, size
}

func (t *wtrack) finalized() int {
	if t.hasPending {
		return len(t.metas) - 1
	}
	return len(t.metas)
}

// segmentInfo is what the writer needs to start a file: the tracks' codecs.
type segmentInfo struct {
	codecs        []codecs.Codec // index i → track id i+1; index 0 is video
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

	// io performs the file operations (see fileWriter).
	io *fileWriter

	info   *segmentInfo
	tracks []*wtrack

	// state of the segment being written, as the ingest side sees it
	isOpen   bool
	gen      uint64 // generation of the open file, to match fileWriter failures
	start    time.Time
	zero     int64 // session video DTS that maps to start
	seq      uint32
	buf      seekablebuffer.Buffer // init encoding
	frames   uint64
	lastStop time.Time // End of the last finished segment of this session
}

func (w *segmentWriter) open() bool { return w.isOpen }

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
	// Tracks (and their buffers) are reused across segments of a session
	// while the layout stays the same.
	if len(w.tracks) != len(info.codecs) {
		w.tracks = w.tracks[:0]
		for range info.codecs {
			w.tracks = append(w.tracks, &wtrack{})
		}
	}
	init := fmp4.Init{}
	for i, c := range info.codecs {
		t := w.tracks[i]
		t.id, t.timescale, t.isVideo = i+1, info.timescales[i], i == 0
		t.metas, t.data, t.hasPending = t.metas[:0], t.data[:0], false
		t.end, t.partBase, t.partDur = 0, 0, 0
		init.Tracks = append(init.Tracks, &fmp4.InitTrack{ID: t.id, TimeScale: t.timescale, Codec: c})
	}
	w.buf.Reset()
	if err := init.Marshal(&w.buf); err != nil {
		return fmt.Errorf("encode init: %w", err)
	}

	w.gen++
	w.isOpen, w.start, w.zero, w.seq = true, start, dts, 0
	w.io.open(w.gen, Segment{
		CameraID: w.cameraID,
		Start:    start,
		Path:     SegmentPath(w.dir, w.cameraID, start),
		Codec:    info.codecName,
		Width:    info.width,
		Height:   info.height,
	}, append([]byte(nil), w.buf.Bytes()...))
	return nil
}

// rel converts a session DTS of track t into the segment's time base.
func (w *segmentWriter) rel(t *wtrack, dts int64) int64 {
	if t.timescale == videoClock {
		return dts - w.zero
	}
	return dts - w.zero*int64(t.timescale)/videoClock
}

// appendPending gives t's held-back sample its duration, making it part of
// the part being built.
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
	t.metas[len(t.metas)-1].dur = uint32(dur)
	t.lastDur = uint32(dur)
	t.partDur += dur
	t.end = t.partBase + t.partDur
	if t.isVideo {
		w.frames++
	}
	t.hasPending = false
}

// addSample appends a new (held-back) sample whose payload is produced by
// fill, which appends to the track buffer and returns it.
func (w *segmentWriter) addSample(t *wtrack, dts int64, m smeta, fill func([]byte) []byte) {
	if len(t.metas) == 0 {
		t.partBase = w.rel(t, dts)
		if t.partBase < t.end {
			t.partBase = t.end // keep tfdt monotonic after a duration fix-up
		}
		t.partDur = 0
	}
	n := len(t.data)
	t.data = fill(t.data)
	m.size = uint32(len(t.data) - n)
	t.metas = append(t.metas, m)
	t.hasPending = true
	t.pendingDTS = dts
}

// flushPart hands the finalized samples to the file writer as one
// moof+mdat. Held-back samples stay for the next part.
func (w *segmentWriter) flushPart() {
	hdr, ok := appendMoof(nil, w.seq, w.tracks)
	if !ok {
		return
	}
	w.seq++
	payloads := make([][]byte, 0, len(w.tracks))
	for _, t := range w.tracks {
		k, size := t.finalizedBytes()
		if k == 0 {
			continue
		}
		// The buffer goes to the file writer as is; a held-back sample
		// (and its bytes) moves to a fresh buffer for the next part.
		payloads = append(payloads, t.data[:size])
		next := append(getPartBuf(), t.data[size:]...)
		t.data = next
		t.metas = append(t.metas[:0], t.metas[k:]...)
		t.partBase = t.end
		t.partDur = 0
	}
	w.io.writePart(hdr, payloads, w.tracks[0].end)
}

// finish writes what is left and has the file renamed to its final name
// (and reported). When flushPending is set (session ended), held-back
// samples are written with their previous duration; on a keyframe cut the
// caller already did that.
func (w *segmentWriter) finish(flushPending bool) {
	if !w.isOpen {
		return
	}
	if flushPending {
		for _, t := range w.tracks {
			w.appendPending(t, int64(t.lastDur))
		}
	}
	w.flushPart()
	w.io.finish()
	w.isOpen = false
	w.lastStop = w.start.Add(clockToDur(w.tracks[0].end, videoClock))
	for _, t := range w.tracks {
		t.end, t.partBase, t.partDur = 0, 0, 0
		t.metas, t.data = t.metas[:0], t.data[:0]
		t.hasPending = false
	}
}

// writeVideo adds one access unit. key marks a random access point; info
// is the codec description valid at this keyframe (nil when unchanged).
func (w *segmentWriter) writeVideo(dts int64, ptsOffset int32, au [][]byte, key bool, info *segmentInfo) error {
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
		// Cut at a keyframe when the segment is long enough, the codec
		// changed, or its file failed (disk full...): a new file may work.
		if key && (dts-w.zero >= w.segLen || (info != nil && info != w.info) || w.io.failedGen.Load() == w.gen) {
			// The audio held back belongs to the old segment too.
			for _, t := range w.tracks[1:] {
				w.appendPending(t, int64(t.lastDur))
			}
			w.finish(false)
			if info == nil {
				info = w.info
			}
			if err := w.startSegment(dts, info); err != nil {
				return err
			}
		} else if v.partDur >= w.partDur {
			w.flushPart()
		}
	}
	w.addSample(w.tracks[0], dts, smeta{ptsOff: ptsOffset, nonSync: !key}, func(b []byte) []byte {
		// AVCC: each NALU prefixed by its 4-byte length (H.264 and H.265).
		for _, n := range au {
			b = binary.BigEndian.AppendUint32(b, uint32(len(n)))
			b = append(b, n...)
		}
		return b
	})
	return nil
}

// writeAudio adds one audio sample to track ti (an index into the tracks
// of info.codecs; 0 is the video).
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
	w.addSample(t, dts, smeta{}, func(b []byte) []byte { return append(b, payload...) })
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
