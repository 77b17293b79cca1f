package media

import (
	"context"
	"errors"
	"io"
	"io/fs"
)

// Remote opens a segment's object in the object store (S3) for reading
// with range requests. It is how any node plays a segment whose recorder
// uploaded it and dropped the local copy, or that another machine wrote.
type Remote func(ctx context.Context, key string) (RemoteFile, error)

// RemoteFile is an object opened by a Remote.
type RemoteFile interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// openSegment opens s from local disk while its file is there, and from
// the object store otherwise.
func openSegment(ctx context.Context, s Segment, remote Remote) (*segFile, error) {
	sf, err := openSegFile(s.Path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || s.Object == "" || remote == nil {
		return sf, err
	}
	obj, rerr := remote(ctx, s.Object)
	if rerr != nil {
		return nil, rerr
	}
	return newSegFile(obj, obj, obj.Size())
}
