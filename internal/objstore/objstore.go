// Package objstore is Vigilo's one door to an S3-compatible object store
// (AWS S3, MinIO, versitygw, Ceph RGW…), through minio-go: it uploads
// finished segment files (in parts when large), reads them back with range
// requests and deletes them. It knows nothing of segments or cameras; keys
// are chosen by its callers (internal/segupload).
package objstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Config says where the bucket is and how to sign in.
type Config struct {
	Endpoint  string // http(s)://host[:port]
	Bucket    string
	Region    string
	AccessKey string
	SecretKey string
	PathStyle bool
	// PartSize is the multipart threshold and part size (at least 5 MiB).
	PartSize int64
}

// Store is a bucket.
type Store struct {
	c        *minio.Client
	core     minio.Core
	tr       *http.Transport
	bucket   string
	partSize uint64
}

// New connects to the bucket and proves it is usable before anything
// relies on it: an unreachable endpoint, refused credentials or a missing
// bucket fail here, with the VIGILO_S3_* variable to fix in the message,
// rather than as lost uploads later.
func New(ctx context.Context, cfg Config) (*Store, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("VIGILO_S3_ENDPOINT: %q is not a URL", cfg.Endpoint)
	}
	lookup := minio.BucketLookupDNS
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	c, err := minio.New(u.Host, &minio.Options{
		Transport:    tr,
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       u.Scheme == "https",
		Region:       cfg.Region,
		BucketLookup: lookup,
		// The uploader retries a failed segment itself, with its own
		// back-off; minio-go's ten quick retries would only hide an outage.
		MaxRetries: 2,
	})
	if err != nil {
		return nil, fmt.Errorf("VIGILO_S3_ENDPOINT: %w", err)
	}
	part := cfg.PartSize
	if part <= 0 {
		part = 16 << 20
	}
	s := &Store{c: c, core: minio.Core{Client: c}, tr: tr, bucket: cfg.Bucket, partSize: uint64(part)}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.check(cctx, cfg.Endpoint); err != nil {
		return nil, err
	}
	return s, nil
}

// check lists one key: unlike HEAD, a listing's error carries a code that
// tells a wrong key id from a wrong secret and from a missing bucket.
func (s *Store) check(ctx context.Context, endpoint string) error {
	var err error
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{MaxKeys: 1}) {
		err = o.Err
		break
	}
	if err == nil {
		return nil
	}
	switch code := minio.ToErrorResponse(err).Code; code {
	case "NoSuchBucket":
		return fmt.Errorf("VIGILO_S3_BUCKET: bucket %q does not exist at %s (create it first)", s.bucket, endpoint)
	case "InvalidAccessKeyId", "XAdminUserNotFound": // the second is versitygw's
		return fmt.Errorf("VIGILO_S3_ACCESS_KEY_ID: %s refuses this access key: %v", endpoint, err)
	case "SignatureDoesNotMatch":
		return fmt.Errorf("VIGILO_S3_SECRET_ACCESS_KEY: %s refuses the signature (wrong secret): %v", endpoint, err)
	case "AccessDenied":
		return fmt.Errorf("VIGILO_S3_ACCESS_KEY_ID: access to bucket %q denied for this key: %v", s.bucket, err)
	case "":
		return fmt.Errorf("VIGILO_S3_ENDPOINT: cannot reach %s: %v", endpoint, err)
	default:
		return fmt.Errorf("VIGILO_S3_ENDPOINT: %s answered %s: %v", endpoint, code, err)
	}
}

// Close releases idle connections.
func (s *Store) Close() error {
	s.tr.CloseIdleConnections()
	return nil
}

// PutFile uploads a local file under key; a file larger than the part size
// goes up as a multipart upload in parts of that size, so a failure costs
// one part, not the whole file. It returns the object's ETag.
func (s *Store) PutFile(ctx context.Context, key, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	info, err := s.c.PutObject(ctx, s.bucket, key, f, st.Size(), minio.PutObjectOptions{
		ContentType: "video/mp4", PartSize: s.partSize})
	if err != nil {
		return "", fmt.Errorf("upload %s: %w", key, err)
	}
	return info.ETag, nil
}

// Delete removes an object; one already gone is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	err := s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && minio.ToErrorResponse(err).Code != "NoSuchKey" {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// Object is one listed object.
type Object struct {
	Key  string
	Size int64
}

// List returns every object under prefix (recursively), in key order.
func (s *Store) List(ctx context.Context, prefix string) ([]Object, error) {
	var out []Object
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return out, fmt.Errorf("list %s: %w", prefix, o.Err)
		}
		out = append(out, Object{Key: o.Key, Size: o.Size})
	}
	return out, nil
}

// Dirs returns the "directories" directly under prefix (common prefixes
// ending in "/"), in key order.
func (s *Store) Dirs(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix}) {
		if o.Err != nil {
			return out, fmt.Errorf("list %s: %w", prefix, o.Err)
		}
		if strings.HasSuffix(o.Key, "/") {
			out = append(out, o.Key)
		}
	}
	return out, nil
}

// IsNotFound reports whether err says the object does not exist.
func IsNotFound(err error) bool {
	var e minio.ErrorResponse
	return errors.As(err, &e) && (e.Code == "NoSuchKey" || e.StatusCode == 404)
}
