package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/fmp4"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4/codecs"
)

// errIncomplete marks a box that runs past the end of the file: the tail a
// crash left behind.
var errIncomplete = errors.New("incomplete box")

// maxBox bounds a single box we are willing to load: a 1 s part of even a
// 50 Mbit/s camera is far below it, so anything larger is corruption.
const maxBox = 64 << 20

type boxHeader struct {
	typ  string
	size int64 // whole box, header included
}

// readBoxHeader reads an ISO-BMFF box header at the reader's position.
func readBoxHeader(r io.Reader, remain int64) (boxHeader, int, error) {
	var b [16]byte
	if remain < 8 {
		if remain == 0 {
			return boxHeader{}, 0, io.EOF
		}
		return boxHeader{}, 0, errIncomplete
	}
	if _, err := io.ReadFull(r, b[:8]); err != nil {
		return boxHeader{}, 0, err
	}
	h := boxHeader{typ: string(b[4:8]), size: int64(binary.BigEndian.Uint32(b[:4]))}
	n := 8
	switch h.size {
	case 1:
		if remain < 16 {
			return h, n, errIncomplete
		}
		if _, err := io.ReadFull(r, b[8:16]); err != nil {
			return h, n, err
		}
		n = 16
		h.size = int64(binary.BigEndian.Uint64(b[8:16]))
	case 0:
		h.size = remain // box extends to end of file
	}
	if h.size < int64(n) {
		return h, n, fmt.Errorf("invalid box size %d", h.size)
	}
	if h.size > remain {
		return h, n, errIncomplete
	}
	return h, n, nil
}

// segFile reads a segment file sequentially: the init, then one part at a
// time, so memory stays at one part whatever the segment length.
type segFile struct {
	f       *io.SectionReader
	closer  io.Closer
	size    int64
	pos     int64 // offset after the last complete part read
	init    fmp4.Init
	videoID int
	codec   string
	w, h    int
	buf     []byte
}

func openSegFile(path string) (*segFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return newSegFile(f, f, st.Size())
}

// newSegFile reads the init of a segment held by r (a local file or an
// object read with range requests); c is closed with it.
func newSegFile(r io.ReaderAt, c io.Closer, size int64) (*segFile, error) {
	s := &segFile{f: io.NewSectionReader(r, 0, size), closer: c, size: size}
	if err := s.readInit(); err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

func (s *segFile) Close() error { return s.closer.Close() }

func (s *segFile) readInit() error {
	var initBytes []byte
	for _, want := range []string{"ftyp", "moov"} {
		h, n, err := readBoxHeader(s.f, s.size-s.pos)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return errIncomplete
			}
			return err
		}
		if h.typ != want {
			return fmt.Errorf("expected %s box, found %q", want, h.typ)
		}
		if h.size > maxBox {
			return fmt.Errorf("%s box too large", want)
		}
		b := make([]byte, h.size)
		if _, err := s.f.ReadAt(b, s.pos); err != nil {
			return err
		}
		if _, err := s.f.Seek(s.pos+h.size, io.SeekStart); err != nil {
			return err
		}
		if want == "moov" {
			b = withoutUserData(b, n)
		}
		initBytes = append(initBytes, b...)
		s.pos += h.size
	}
	if err := s.init.Unmarshal(bytes.NewReader(initBytes)); err != nil {
		return fmt.Errorf("bad init: %w", err)
	}
	for _, t := range s.init.Tracks {
		switch c := t.Codec.(type) {
		case *codecs.H264:
			s.videoID, s.codec = t.ID, "h264"
			var sps h264.SPS
			if sps.Unmarshal(c.SPS) == nil {
				s.w, s.h = sps.Width(), sps.Height()
			}
		case *codecs.H265:
			s.videoID, s.codec = t.ID, "h265"
			var sps h265.SPS
			if sps.Unmarshal(c.SPS) == nil {
				s.w, s.h = sps.Width(), sps.Height()
			}
		}
		if s.videoID != 0 {
			break
		}
	}
	if s.videoID == 0 {
		return errors.New("segment has no H.264/H.265 track")
	}
	return nil
}

// withoutUserData drops udta boxes from a moov (hdr is its header length).
// Other recorders (MediaMTX) put private boxes there that the MP4 parser
// cannot decode, and nothing in them matters for reading samples.
func withoutUserData(moov []byte, hdr int) []byte {
	out := append([]byte(nil), moov[:hdr]...)
	for i := hdr; i+8 <= len(moov); {
		sz := int(binary.BigEndian.Uint32(moov[i : i+4]))
		if sz < 8 || i+sz > len(moov) {
			return moov // not what we expect: leave it to the parser
		}
		if string(moov[i+4:i+8]) != "udta" {
			out = append(out, moov[i:i+sz]...)
		}
		i += sz
	}
	if hdr != 8 {
		return moov // 64-bit size header: rare enough to not rewrite
	}
	binary.BigEndian.PutUint32(out[:4], uint32(len(out)))
	return out
}

// track returns the init track with the given id.
func (s *segFile) track(id int) *fmp4.InitTrack {
	for _, t := range s.init.Tracks {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// next returns the next complete part; io.EOF at a clean end, errIncomplete
// when the file ends inside a part (crash tail).
func (s *segFile) next() (*fmp4.Part, error) {
	start := s.pos
	if _, err := s.f.Seek(start, io.SeekStart); err != nil {
		return nil, err
	}
	moof, _, err := readBoxHeader(s.f, s.size-start)
	if err != nil {
		return nil, err
	}
	if moof.typ != "moof" {
		return nil, fmt.Errorf("expected moof at %d, found %q", start, moof.typ)
	}
	if _, err := s.f.Seek(start+moof.size, io.SeekStart); err != nil {
		return nil, err
	}
	mdat, _, err := readBoxHeader(s.f, s.size-start-moof.size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errIncomplete
		}
		return nil, err
	}
	if mdat.typ != "mdat" {
		return nil, fmt.Errorf("expected mdat at %d, found %q", start+moof.size, mdat.typ)
	}
	total := moof.size + mdat.size
	if total > maxBox {
		return nil, fmt.Errorf("part of %d bytes is too large", total)
	}
	if int64(cap(s.buf)) < total {
		s.buf = make([]byte, total)
	}
	b := s.buf[:total]
	if _, err := s.f.ReadAt(b, start); err != nil {
		return nil, err
	}
	var parts fmp4.Parts
	if err := parts.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("bad part at %d: %w", start, err)
	}
	if len(parts) != 1 {
		return nil, fmt.Errorf("expected one part at %d, found %d", start, len(parts))
	}
	s.pos = start + total
	// The payloads alias s.buf, which the next call overwrites; callers
	// consume a part before asking for the next one.
	return parts[0], nil
}

// scanResult is what a full pass over a segment file learns.
type scanResult struct {
	codec     string
	w, h      int
	videoEnd  time.Duration // end of the last video sample, from segment start
	goodBytes int64         // file offset after the last complete part
	parts     int
	frames    int
	tail      error // non-nil when the file ends in an unreadable tail
}

// scanSegment reads every part of a file to find where its media ends and
// where the last complete part ends.
func scanSegment(path string) (scanResult, error) {
	s, err := openSegFile(path)
	if err != nil {
		return scanResult{}, err
	}
	defer s.Close()
	res := scanResult{codec: s.codec, w: s.w, h: s.h, goodBytes: s.pos}
	vt := s.track(s.videoID)
	first := int64(-1) // our files start at 0; other recorders' need not
	for {
		p, err := s.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				res.tail = err
			}
			break
		}
		for _, t := range p.Tracks {
			if t.ID != s.videoID {
				continue
			}
			end := int64(t.BaseTime)
			if first < 0 {
				first = end
			}
			for _, smp := range t.Samples {
				end += int64(smp.Duration)
			}
			res.videoEnd = clockToDur(end-first, vt.TimeScale)
			res.frames += len(t.Samples)
		}
		res.goodBytes = s.pos
		res.parts++
	}
	return res, nil
}

// FileStats summarizes the video track of a fragmented MP4 file.
type FileStats struct {
	Codec    string
	Frames   int
	Duration time.Duration // sum of video sample durations (tfdt of part 1 on)
	Bytes    int64         // up to the last complete part
}

// InspectFile reads any fragmented MP4 (ours or another recorder's) and
// counts its video frames. The benchmark uses it to compare recorders by
// what actually landed on disk.
func InspectFile(path string) (FileStats, error) {
	r, err := scanSegment(path)
	if err != nil {
		return FileStats{}, err
	}
	return FileStats{Codec: r.codec, Frames: r.frames, Duration: r.videoEnd, Bytes: r.goodBytes}, r.tail
}
