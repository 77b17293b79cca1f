package media

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4/codecs"
)

// A 1920×1080 H.264 baseline SPS and a PPS: enough for the init and for the
// width/height the index stores. The frame payloads below are opaque bytes,
// which is all the container layer needs; these tests run without ffmpeg.
var (
	testSPS = []byte{0x67, 0x42, 0xc0, 0x28, 0xd9, 0x00, 0x78, 0x02, 0x27, 0xe5, 0x84, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xf0, 0x3c, 0x60, 0xc9, 0x20}
	testPPS = []byte{0x68, 0xcb, 0x8c, 0xb2}
)

func testInfo(audio bool) *segmentInfo {
	in := &segmentInfo{
		codecs:     []codecs.Codec{&codecs.H264{SPS: testSPS, PPS: testPPS}},
		timescales: []uint32{videoClock},
		codecName:  "h264", width: 1920, height: 1080,
	}
	if audio {
		in.codecs = append(in.codecs, &codecs.MPEG4Audio{Config: mpeg4audio.AudioSpecificConfig{Type: 2, SampleRate: 48000, ChannelConfig: 1}})
		in.timescales = append(in.timescales, 48000)
	}
	return in
}

// feed writes frames 25 fps video (keyframe every gop) and 48 kHz AAC from
// session time `from` (in frames).
func feed(t *testing.T, w *segmentWriter, info *segmentInfo, from, frames, gop int) {
	t.Helper()
	audioNext := int64(from) * 3600 * 48000 / 90000
	for i := from; i < from+frames; i++ {
		dts := int64(i) * 3600
		key := i%gop == 0
		au := [][]byte{bytes.Repeat([]byte{byte(i)}, 500+i%7)}
		if err := w.writeVideo(dts, 0, au, key, info); err != nil {
			t.Fatal(err)
		}
		for len(info.codecs) > 1 && audioNext*90000/48000 < dts+3600 {
			w.writeAudio(1, audioNext, []byte{1, 2, 3, byte(audioNext)})
			audioNext += 1024
		}
	}
}

func newTestWriter(dir string, start time.Time) (*segmentWriter, *[]Segment) {
	var segs []Segment
	clock := start
	fw := newFileWriter(false) // inline I/O: deterministic
	fw.onSegment = func(s Segment) { segs = append(segs, s) }
	w := &segmentWriter{
		dir: dir, cameraID: 42,
		partDur: durToClock(500*time.Millisecond, videoClock),
		segLen:  durToClock(2*time.Second, videoClock),
		now:     func() time.Time { return clock },
		io:      fw,
	}
	return w, &segs
}

func TestSegmentWriterRoundTrip(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
	w, segs := newTestWriter(dir, start)
	info := testInfo(true)
	// Starts mid-GOP: frames before the first keyframe are dropped.
	feed(t, w, info, 10, 140, 25) // keyframes at 25, 50, ... ; 125 frames recorded
	w.finish(true)
	if len(*segs) != 3 { // 2 s + 2 s + 1 s
		t.Fatalf("segments: %+v", *segs)
	}
	var frames int
	for i, s := range *segs {
		want := 2 * time.Second
		if i == 2 {
			want = time.Second
		}
		if s.Duration() != want || s.Codec != "h264" || s.Width != 1920 || s.Height != 1080 || s.CameraID != 42 {
			t.Errorf("segment %d: %+v (duration %v)", i, s, s.Duration())
		}
		if i > 0 && !s.Start.Equal((*segs)[i-1].End) {
			t.Errorf("segment %d does not start where %d ended", i, i-1)
		}
		if !strings.HasPrefix(s.Path, filepath.Join(dir, "42", "2026", "05", "04")) {
			t.Errorf("path %s", s.Path)
		}
		p, err := ProbeSegment(s.Path)
		if err != nil || p != s {
			t.Errorf("probe %+v, %v; want %+v", p, err, s)
		}
		st, err := InspectFile(s.Path)
		if err != nil {
			t.Fatal(err)
		}
		frames += st.Frames
		checkSyncFirst(t, s.Path)
	}
	if frames != 125 {
		t.Errorf("frames on disk %d, want 125", frames)
	}

	// Playback from inside the first GOP of segment 1 across into segment 2.
	var buf bytes.Buffer
	from := (*segs)[0].Start.Add(2500 * time.Millisecond) // 0.5 s into segment 1
	n, err := WritePlayback(&buf, *segs, from, 2*time.Second)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("playback: %d %v", n, err)
	}
	out := filepath.Join(t.TempDir(), "p.mp4")
	os.WriteFile(out, buf.Bytes(), 0o644)
	st, err := InspectFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// Starts at the keyframe at 2 s (segment 1 start); frames with DTS
	// before 4.5 s: 2.00, 2.04, ..., 4.48 → 63 frames.
	if st.Frames != 63 || st.Duration != 2520*time.Millisecond {
		t.Errorf("playback has %d frames over %v", st.Frames, st.Duration)
	}
	checkSyncFirst(t, out)
}

// checkSyncFirst asserts that a file's first video sample is a keyframe.
func checkSyncFirst(t *testing.T, path string) {
	t.Helper()
	sf, err := openSegFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	p, err := sf.next()
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range p.Tracks {
		if tr.ID == sf.videoID && tr.Samples[0].IsNonSyncSample {
			t.Errorf("%s starts with a non-keyframe", path)
		}
	}
}

func TestRecoverTruncatesTornPart(t *testing.T) {
	dir := t.TempDir()
	w, segs := newTestWriter(dir, time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC))
	w.segLen = durToClock(time.Hour, videoClock)
	info := testInfo(false)
	// 40 frames: parts close once they hold ≥ 0.5 s, i.e. 13 frames, so
	// three parts (39 frames, 1.56 s) are on disk and one frame in memory.
	feed(t, w, info, 0, 40, 25)
	tmp := w.io.tmp
	w.io.f.Close() // the process dies: no finish, no rename
	if len(*segs) != 0 {
		t.Fatal("nothing should be finished")
	}
	good, _ := os.Stat(tmp)
	f, _ := os.OpenFile(tmp, os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte{0, 0, 0x10, 0, 'm', 'o', 'o', 'f', 1, 2, 3}) // torn write
	f.Close()

	got, err := Recover(dir)
	if err != nil || len(got) != 1 {
		t.Fatalf("Recover: %+v %v", got, err)
	}
	s := got[0]
	if s.Bytes != good.Size() || s.Duration() != 1560*time.Millisecond || strings.HasSuffix(s.Path, partSuffix) {
		t.Errorf("recovered %+v (duration %v), file had %d good bytes", s, s.Duration(), good.Size())
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(".part file still there: %v", err)
	}
	// A file with an init only (killed before the first part) is removed.
	empty := filepath.Join(dir, "42", "2026", "05", "04", "1777777777777.mp4.part")
	var init bytes.Buffer
	sf, _ := os.Open(s.Path)
	io.CopyN(&init, sf, 100)
	sf.Close()
	os.WriteFile(empty, init.Bytes()[:50], 0o644)
	got, err = Recover(dir)
	if err != nil || len(got) != 0 {
		t.Fatalf("Recover of an empty file: %+v %v", got, err)
	}
	if _, err := os.Stat(empty); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty .part not removed")
	}
}

func TestPlaybackRangeEdges(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
	w, segs := newTestWriter(dir, start)
	feed(t, w, testInfo(true), 0, 150, 25) // 6 s in three 2 s segments
	w.finish(true)
	if len(*segs) != 3 {
		t.Fatalf("segments %+v", *segs)
	}
	all := *segs
	play := func(from time.Time, dur time.Duration) FileStats {
		t.Helper()
		var buf bytes.Buffer
		if _, err := WritePlayback(&buf, all, from, dur); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "p.mp4")
		os.WriteFile(p, buf.Bytes(), 0o644)
		st, err := InspectFile(p)
		if err != nil {
			t.Fatal(err)
		}
		checkSyncFirst(t, p)
		return st
	}
	cases := []struct {
		name string
		from time.Duration // relative to the first segment's start
		dur  time.Duration
		want time.Duration
	}{
		{"before the first segment", -time.Minute, time.Minute + time.Second, time.Second},
		{"exactly one segment", 2 * time.Second, 2 * time.Second, 2 * time.Second},
		{"past the end", 5 * time.Second, time.Hour, time.Second},                       // keyframes every 1 s
		{"mid-GOP start", 3500 * time.Millisecond, 500 * time.Millisecond, time.Second}, // from the keyframe at 3 s
	}
	for _, c := range cases {
		st := play(start.Add(c.from), c.dur)
		if st.Duration != c.want || st.Frames != int(c.want/(40*time.Millisecond)) {
			t.Errorf("%s: %d frames over %v, want %v", c.name, st.Frames, st.Duration, c.want)
		}
	}
	if _, err := WritePlayback(io.Discard, all, start.Add(time.Hour), time.Minute); !errors.Is(err, ErrNoRecording) {
		t.Errorf("after the end: %v", err)
	}
}

// TestWriteFailureRecovers: while the camera's directory cannot be created
// nothing is written and errors are reported; once it can, the next
// keyframe starts a good segment without waiting for the segment length.
func TestWriteFailureRecovers(t *testing.T) {
	dir := t.TempDir()
	w, segs := newTestWriter(dir, time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC))
	w.segLen = durToClock(time.Hour, videoClock)
	var errs int
	w.io.onError = func(error) { errs++ }
	blocker := filepath.Join(dir, "42")
	os.WriteFile(blocker, []byte("not a directory"), 0o644)
	info := testInfo(false)
	feed(t, w, info, 0, 50, 25)
	if errs == 0 || len(*segs) != 0 {
		t.Fatalf("errors %d, segments %+v", errs, *segs)
	}
	os.Remove(blocker)
	feed(t, w, info, 50, 50, 25) // keyframes at 50 and 75
	w.finish(true)
	if len(*segs) != 1 || (*segs)[0].Duration() != 2*time.Second {
		t.Fatalf("after the disk came back: %+v", *segs)
	}
	if _, err := ProbeSegment((*segs)[0].Path); err != nil {
		t.Fatal(err)
	}
}
