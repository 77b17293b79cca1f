package objstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/objstore"
	"github.com/vigilo/vigilo/internal/testenv"
)

func config(s *testenv.S3Server) objstore.Config {
	return objstore.Config{Endpoint: s.Endpoint, Bucket: s.Bucket, Region: s.Region, AccessKey: s.AccessKey,
		SecretKey: s.SecretKey, PathStyle: true, PartSize: 5 << 20}
}

// A file larger than the part size goes up in parts, reads back byte for
// byte through range requests from any offset, lists, and deletes.
func TestPutRangeReadDelete(t *testing.T) {
	srv := testenv.S3(t)
	ctx := context.Background()
	st, err := objstore.New(ctx, config(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	data := make([]byte, 6<<20+12345)
	_, _ = rand.Read(data)
	path := filepath.Join(t.TempDir(), "seg.mp4")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	etag, err := st.PutFile(ctx, "7/2026/12/02/1.mp4", path)
	if err != nil {
		t.Fatal(err)
	}
	// A multipart object's ETag is "<md5 of the parts' md5s>-<parts>".
	if !strings.HasSuffix(strings.Trim(etag, `"`), "-2") {
		t.Fatalf("ETag %q: want a two-part multipart upload", etag)
	}
	on, err := os.ReadFile(srv.ObjectPath("7/2026/12/02/1.mp4"))
	if err != nil || !bytes.Equal(on, data) {
		t.Fatalf("object on the server's disk differs (%v)", err)
	}
	r, err := st.Open(ctx, "7/2026/12/02/1.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != int64(len(data)) {
		t.Fatalf("size %d, want %d", r.Size(), len(data))
	}
	for _, off := range []int64{0, 17, 2<<20 - 3, 5 << 20, int64(len(data)) - 100} {
		got := make([]byte, 4000)
		n, err := r.ReadAt(got, off)
		want := data[off:min(off+4000, int64(len(data)))]
		if (err != nil && err != io.EOF) || !bytes.Equal(got[:n], want) {
			t.Fatalf("ReadAt %d: %d bytes, %v", off, n, err)
		}
	}
	// Whole read through a section reader: one request per 2 MiB block.
	before := r.Requests
	all, err := io.ReadAll(io.NewSectionReader(r, 0, r.Size()))
	if err != nil || !bytes.Equal(all, data) {
		t.Fatalf("full read differs: %v", err)
	}
	if n := r.Requests - before; n > 5 {
		t.Fatalf("%d range requests for a 6 MiB object; blocks are not reused", n)
	}
	_ = r.Close()
	objs, err := st.List(ctx, "7/")
	if err != nil || len(objs) != 1 || objs[0].Size != int64(len(data)) {
		t.Fatalf("list: %v %+v", err, objs)
	}
	dirs, err := st.Dirs(ctx, "")
	if err != nil || len(dirs) != 1 || dirs[0] != "7/" {
		t.Fatalf("dirs: %v %v", err, dirs)
	}
	if err := st.Delete(ctx, "7/2026/12/02/1.mp4"); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, "7/2026/12/02/1.mp4"); err != nil {
		t.Fatalf("deleting a missing object: %v", err)
	}
	if _, err := st.Open(ctx, "7/2026/12/02/1.mp4"); !objstore.IsNotFound(err) {
		t.Fatalf("open after delete: %v", err)
	}
}

// Bad configuration fails at New, naming the variable to fix.
func TestBadConfigurationNamesVariable(t *testing.T) {
	srv := testenv.S3(t)
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	for _, tc := range []struct {
		name  string
		edit  func(*objstore.Config)
		named string
	}{
		{"unreachable endpoint", func(c *objstore.Config) { c.Endpoint = dead }, "VIGILO_S3_ENDPOINT"},
		{"unknown access key", func(c *objstore.Config) { c.AccessKey = "nobody" }, "VIGILO_S3_ACCESS_KEY_ID"},
		{"wrong secret", func(c *objstore.Config) { c.SecretKey = "wrong-secret-0123456789" }, "VIGILO_S3_SECRET_ACCESS_KEY"},
		{"missing bucket", func(c *objstore.Config) { c.Bucket = "no-such-bucket" }, "VIGILO_S3_BUCKET"},
	} {
		c := config(srv)
		tc.edit(&c)
		st, err := objstore.New(ctx, c)
		if err == nil {
			st.Close()
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.named+":") {
			t.Errorf("%s: %v (want it to name %s)", tc.name, err, tc.named)
		}
	}
}
