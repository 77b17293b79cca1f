package objstore

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
)

// readBlock is how much one range request fetches. A segment is read
// sequentially, box header by box header, so each small read is served
// from the block in hand and a one-minute segment costs a handful of
// requests rather than three per part.
const readBlock = 2 << 20

// Reader reads one object with HTTP range requests, a block at a time. It
// is an io.ReaderAt; it is not safe for concurrent use.
type Reader struct {
	ctx   context.Context
	s     *Store
	key   string
	size  int64
	block []byte
	at    int64 // offset of block in the object
	// Requests counts the range requests made, for tests and metrics.
	Requests int
}

// Open starts reading key: the first block is fetched now, which also
// tells the object's size (from Content-Range) and whether it exists.
func (s *Store) Open(ctx context.Context, key string) (*Reader, error) {
	r := &Reader{ctx: ctx, s: s, key: key, size: -1}
	if err := r.fetch(0); err != nil {
		return nil, err
	}
	return r, nil
}

// Size is the object's length in bytes.
func (r *Reader) Size() int64 { return r.size }

// Close releases the block.
func (r *Reader) Close() error {
	r.block = nil
	return nil
}

// ReadAt implements io.ReaderAt.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("negative offset")
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		if pos >= r.size {
			return n, io.EOF
		}
		if pos < r.at || pos >= r.at+int64(len(r.block)) {
			if err := r.fetch(pos - pos%readBlock); err != nil {
				return n, err
			}
		}
		n += copy(p[n:], r.block[pos-r.at:])
	}
	return n, nil
}

// fetch loads the block starting at off with one range request.
func (r *Reader) fetch(off int64) error {
	var o minio.GetObjectOptions
	if err := o.SetRange(off, off+readBlock-1); err != nil {
		return err
	}
	body, _, hdr, err := r.s.core.GetObject(r.ctx, r.s.bucket, r.key, o)
	if err != nil {
		return fmt.Errorf("read %s: %w", r.key, err)
	}
	defer body.Close()
	r.Requests++
	buf := r.block[:0]
	if cap(buf) < readBlock {
		buf = make([]byte, 0, readBlock)
	}
	n, err := io.ReadFull(body, buf[:readBlock])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return fmt.Errorf("read %s: %w", r.key, err)
	}
	r.block, r.at = buf[:n], off
	if r.size < 0 {
		r.size = totalFromContentRange(hdr.Get("Content-Range"), off+int64(n))
	}
	return nil
}

// totalFromContentRange reads the total of "bytes a-b/total"; a server
// that answered the whole object (200, no Content-Range) gives what was
// read.
func totalFromContentRange(v string, read int64) int64 {
	_, total, ok := strings.Cut(v, "/")
	if !ok {
		return read
	}
	n, err := strconv.ParseInt(total, 10, 64)
	if err != nil {
		return read
	}
	return n
}
