package config

import (
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// S3 is the object store that holds the video of a recorder (docs/S3.md).
// An empty Endpoint keeps every segment on local disk (the default).
type S3 struct {
	Endpoint  string // VIGILO_S3_ENDPOINT: http(s)://host:port of the S3 API
	Bucket    string // VIGILO_S3_BUCKET
	Region    string // VIGILO_S3_REGION, default us-east-1
	AccessKey string // VIGILO_S3_ACCESS_KEY_ID
	SecretKey string // VIGILO_S3_SECRET_ACCESS_KEY
	// PathStyle addresses the bucket in the path (http://host/bucket/key)
	// rather than as a sub-domain; most self-hosted servers want it.
	PathStyle bool // VIGILO_S3_PATH_STYLE, default true
	// LocalCache is how many bytes of already uploaded segments a recorder
	// keeps on its disk for fast playback; beyond it the oldest local
	// copies go. 0 deletes each copy once it is uploaded.
	LocalCache int64 // VIGILO_S3_LOCAL_CACHE, default 0
	// PartSize is the multipart threshold and part size: larger segments
	// go up in parts of this size.
	PartSize int64 // VIGILO_S3_PART_SIZE, default 16MiB, at least 5MiB
	// Uploaders is how many segments upload at once.
	Uploaders int // VIGILO_S3_UPLOADERS, default 4
}

// Enabled reports whether video goes to S3.
func (s S3) Enabled() bool { return s.Endpoint != "" }

// s3Flags reads the VIGILO_S3_* settings; finish checks them once the
// flags are parsed, naming the variable that is wrong.
func (c *Config) s3Flags(fs *flag.FlagSet, env func(k, def string) string) (finish func() error, err error) {
	s := &c.S3
	fs.StringVar(&s.Endpoint, "s3-endpoint", env("VIGILO_S3_ENDPOINT", ""), "S3 API URL, e.g. https://s3.example.com; empty keeps video on local disk (VIGILO_S3_ENDPOINT)")
	fs.StringVar(&s.Bucket, "s3-bucket", env("VIGILO_S3_BUCKET", ""), "bucket of the video segments, created beforehand (VIGILO_S3_BUCKET)")
	fs.StringVar(&s.Region, "s3-region", env("VIGILO_S3_REGION", "us-east-1"), "S3 region (VIGILO_S3_REGION)")
	fs.StringVar(&s.AccessKey, "s3-access-key-id", env("VIGILO_S3_ACCESS_KEY_ID", ""), "S3 access key id (VIGILO_S3_ACCESS_KEY_ID)")
	fs.StringVar(&s.SecretKey, "s3-secret-access-key", env("VIGILO_S3_SECRET_ACCESS_KEY", ""), "S3 secret access key (VIGILO_S3_SECRET_ACCESS_KEY)")
	ps, err := strconv.ParseBool(env("VIGILO_S3_PATH_STYLE", "true"))
	if err != nil {
		return nil, fmt.Errorf("VIGILO_S3_PATH_STYLE: want true or false")
	}
	fs.BoolVar(&s.PathStyle, "s3-path-style", ps, "address the bucket in the URL path, not as a host name (VIGILO_S3_PATH_STYLE)")
	cache := fs.String("s3-local-cache", env("VIGILO_S3_LOCAL_CACHE", "0"), "bytes of uploaded segments kept on local disk, e.g. 20GiB; 0 deletes them once uploaded (VIGILO_S3_LOCAL_CACHE)")
	part := fs.String("s3-part-size", env("VIGILO_S3_PART_SIZE", "16MiB"), "segments larger than this upload in parts of this size, at least 5MiB (VIGILO_S3_PART_SIZE)")
	up, err := strconv.Atoi(env("VIGILO_S3_UPLOADERS", "4"))
	if err != nil || up < 1 || up > 64 {
		return nil, fmt.Errorf("VIGILO_S3_UPLOADERS: want a number of concurrent uploads between 1 and 64")
	}
	fs.IntVar(&s.Uploaders, "s3-uploaders", up, "segments uploaded at once (VIGILO_S3_UPLOADERS)")
	return func() error {
		var err error
		if s.LocalCache, err = ParseBytes(*cache); err != nil {
			return fmt.Errorf("VIGILO_S3_LOCAL_CACHE: %v", err)
		}
		if s.PartSize, err = ParseBytes(*part); err != nil || s.PartSize < 5<<20 {
			return fmt.Errorf("VIGILO_S3_PART_SIZE: want a size of at least 5MiB, e.g. 16MiB")
		}
		return s.check()
	}, nil
}

// check refuses a half-configured object store: every variable that is
// set without the ones it needs is named.
func (s S3) check() error {
	if s.Endpoint == "" {
		if s.Bucket != "" || s.AccessKey != "" || s.SecretKey != "" {
			return fmt.Errorf("VIGILO_S3_ENDPOINT: required when VIGILO_S3_BUCKET or the S3 keys are set")
		}
		return nil
	}
	u, err := url.Parse(s.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("VIGILO_S3_ENDPOINT: want http(s)://host[:port] without a path, got %q", s.Endpoint)
	}
	switch {
	case s.Bucket == "":
		return fmt.Errorf("VIGILO_S3_BUCKET: required with VIGILO_S3_ENDPOINT")
	case s.AccessKey == "":
		return fmt.Errorf("VIGILO_S3_ACCESS_KEY_ID: required with VIGILO_S3_ENDPOINT")
	case s.SecretKey == "":
		return fmt.Errorf("VIGILO_S3_SECRET_ACCESS_KEY: required with VIGILO_S3_ENDPOINT")
	}
	return nil
}

// ParseBytes reads a size: a number of bytes, or one with a unit (KiB,
// MiB, GiB, TiB, or the decimal KB, MB, GB, TB).
func ParseBytes(v string) (int64, error) {
	v = strings.TrimSpace(v)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("want a size such as 500MiB or 20GiB")
	}
	return n * mult, nil
}
