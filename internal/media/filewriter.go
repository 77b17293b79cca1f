package media

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// fileQueueLen bounds the file operations a camera may have in flight: with
// 1 s parts it lets the disk stall for ~15 s before the camera's network
// reads are held back (and the camera, not the recorder, starts dropping).
const fileQueueLen = 16

// partBufPool recycles the payload buffers handed from the ingest goroutine
// to the file goroutine, so steady state allocates nothing per part.
var partBufPool sync.Pool

func getPartBuf() []byte {
	if b, ok := partBufPool.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return nil
}

func putPartBuf(b []byte) {
	if cap(b) == 0 || cap(b) > 8<<20 {
		return // keep the pool to ordinary part sizes
	}
	partBufPool.Put(&b)
}

// fileWriter owns a camera's segment file. In async mode every operation
// runs, in order, on its own goroutine, so a slow disk delays the file and
// not the RTSP reads; in sync mode (tests) operations run inline.
type fileWriter struct {
	ops       chan func()
	done      chan struct{}
	closeOnce sync.Once

	onPart    func(end time.Time, n int)
	onSegment func(Segment)
	onError   func(error)

	// failedGen is the generation of the last file that failed; the ingest
	// side compares it with the generation it opened to cut early.
	failedGen atomic.Uint64

	// file-goroutine state
	f       *os.File
	tmp     string
	gen     uint64
	seg     Segment // template: camera, start, codec, size
	bytes   int64
	goodEnd int64
	failed  bool
	lastDir string
}

func newFileWriter(async bool) *fileWriter {
	fw := &fileWriter{}
	if async {
		fw.ops = make(chan func(), fileQueueLen)
		fw.done = make(chan struct{})
		go func() {
			defer close(fw.done)
			for op := range fw.ops {
				op()
			}
		}()
	}
	return fw
}

func (fw *fileWriter) do(op func()) {
	if fw.ops == nil {
		op()
		return
	}
	fw.ops <- op
}

// close waits for queued operations to finish.
func (fw *fileWriter) close() {
	if fw.ops != nil {
		fw.closeOnce.Do(func() { close(fw.ops) })
		<-fw.done
	}
}

func (fw *fileWriter) fail(err error) {
	fw.failed = true
	fw.failedGen.Store(fw.gen)
	if fw.onError != nil {
		fw.onError(err)
	}
}

// open creates the ".part" file of seg and writes its init.
func (fw *fileWriter) open(gen uint64, seg Segment, init []byte) {
	fw.do(func() {
		fw.gen, fw.seg, fw.bytes, fw.goodEnd, fw.failed = gen, seg, 0, 0, false
		fw.tmp = seg.Path + partSuffix
		if d := filepath.Dir(seg.Path); d != fw.lastDir {
			if err := os.MkdirAll(d, 0o755); err != nil {
				fw.fail(err)
				return
			}
			fw.lastDir = d // one MkdirAll per camera per day, not per segment
		}
		f, err := os.OpenFile(fw.tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if errors.Is(err, fs.ErrNotExist) {
			// Retention removed the day's directory under us: recreate it.
			if err = os.MkdirAll(filepath.Dir(seg.Path), 0o755); err == nil {
				f, err = os.OpenFile(fw.tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			}
		}
		if err != nil {
			fw.fail(err)
			return
		}
		fw.f = f
		n, err := f.Write(init)
		fw.bytes = int64(n)
		if err != nil {
			fw.fail(err)
		}
	})
}

// writePart appends one part: hdr (moof + mdat header) then the payloads,
// whose buffers go back to the pool afterwards. end is the video end of the
// segment after this part, in the video clock.
func (fw *fileWriter) writePart(hdr []byte, payloads [][]byte, end int64) {
	fw.do(func() {
		defer func() {
			for _, p := range payloads {
				putPartBuf(p)
			}
		}()
		if fw.f == nil || fw.failed {
			return // this file already failed; the ingest side cuts at the next keyframe
		}
		// Separate writes, no intermediate copy: a crash between them
		// leaves a torn part, which Recover cuts off.
		n, err := fw.f.Write(hdr)
		total := n
		for _, p := range payloads {
			if err != nil {
				break
			}
			n, err = fw.f.Write(p)
			total += n
		}
		if err != nil {
			// Disk full or I/O error: cut the torn part off so the file
			// stays valid up to its last complete part.
			fw.f.Truncate(fw.bytes)
			fw.fail(err)
			return
		}
		fw.bytes += int64(total)
		fw.goodEnd = end
		if fw.onPart != nil {
			fw.onPart(fw.seg.Start.Add(clockToDur(end, videoClock)), total)
		}
	})
}

// finish closes the file, renames it to its final name and reports it.
func (fw *fileWriter) finish() {
	fw.do(func() {
		if fw.f == nil {
			return
		}
		err := fw.f.Close()
		fw.f = nil
		if fw.goodEnd <= 0 {
			os.Remove(fw.tmp) // nothing but an init: not worth indexing
			return
		}
		if err != nil && fw.onError != nil {
			fw.onError(err)
		}
		final := strings.TrimSuffix(fw.tmp, partSuffix)
		if err := os.Rename(fw.tmp, final); err != nil {
			// Left as ".part": Recover indexes it at the next start.
			if fw.onError != nil {
				fw.onError(err)
			}
			return
		}
		seg := fw.seg
		seg.End = seg.Start.Add(clockToDur(fw.goodEnd, videoClock))
		seg.Bytes = fw.bytes
		seg.Path = final
		if fw.onSegment != nil {
			fw.onSegment(seg)
		}
	})
}
