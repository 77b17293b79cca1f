package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlagsOverEnvironmentOverDefaults(t *testing.T) {
	env := map[string]string{"VIGILO_HTTP_ADDR": "0.0.0.0:9000", "VIGILO_SMTP_PORT": "2525", "VIGILO_DATA_DIR": "/env/data"}
	c, err := Load([]string{"-data-dir", "/flag/data"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "0.0.0.0:9000" || c.SMTPPort != 2525 {
		t.Fatalf("environment ignored: %+v", c)
	}
	if c.DataDir != "/flag/data" {
		t.Fatalf("flag did not win: %s", c.DataDir)
	}
	if c.BaseURL != "http://localhost:9000" {
		t.Fatalf("default base URL should be openable in a browser: %s", c.BaseURL)
	}
	if c.DBURL != "" || c.SegmentLength.String() != "1m0s" || !c.Record {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestBaseURLTrimmedAndBadNumbersRefused(t *testing.T) {
	c, err := Load(nil, func(k string) string {
		if k == "VIGILO_BASE_URL" {
			return "https://vms.example.com/"
		}
		return ""
	})
	if err != nil || c.BaseURL != "https://vms.example.com" {
		t.Fatalf("%v %q", err, c.BaseURL)
	}
	if _, err := Load(nil, func(k string) string {
		if k == "VIGILO_SMTP_PORT" {
			return "smtp"
		}
		return ""
	}); err == nil {
		t.Fatal("non-numeric VIGILO_SMTP_PORT accepted")
	}
}

func TestSecurityLists(t *testing.T) {
	env := map[string]string{"VIGILO_CAMERA_ALLOW": " 10.0.0.0/8, 192.168.1.7 ,::1", "VIGILO_TRUSTED_PROXIES": "10.1.2.3/16"}
	c, err := Load(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.CameraAllow) != "[10.0.0.0/8 192.168.1.7/32 ::1/128]" || fmt.Sprint(c.TrustedProxies) != "[10.1.0.0/16]" {
		t.Fatalf("camera allow %v, proxies %v", c.CameraAllow, c.TrustedProxies)
	}
	for k, v := range map[string]string{"VIGILO_CAMERA_ALLOW": "10.0.0.0/8,intranet", "VIGILO_TRUSTED_PROXIES": "10.0.0.0/33", "VIGILO_HASH_CONCURRENCY": "many"} {
		if _, err := Load(nil, func(key string) string {
			if key == k {
				return v
			}
			return ""
		}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}

func TestClusterSettings(t *testing.T) {
	c, err := Load(nil, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.Cluster.Roles) != "[api recorder]" || c.Cluster.Enabled() || c.Cluster.NodeID == "" || !c.Record {
		t.Fatalf("single-node defaults: %+v", c.Cluster)
	}
	env := map[string]string{"VIGILO_ROLES": " api ", "VIGILO_NODE_ID": "api-1", "VIGILO_NATS_URL": "nats://127.0.0.1:4222",
		"VIGILO_DB_URL": "postgres://db/vigilo"}
	c, err = Load(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.Cluster.Roles) != "[api]" || c.Record || c.Cluster.NodeID != "api-1" || !c.Cluster.Enabled() {
		t.Fatalf("api node: %+v record=%v", c.Cluster, c.Record)
	}
	for k, v := range map[string]string{"VIGILO_ROLES": "api,transcoder", "VIGILO_NATS_URL": "::nats", "VIGILO_RECORDER_CAPACITY": "0",
		"VIGILO_LEASE_TTL": "10ms", "VIGILO_NODE_URL": "ftp://x"} {
		env := map[string]string{"VIGILO_DB_URL": "postgres://db/vigilo", k: v}
		if _, err := Load(nil, func(key string) string { return env[key] }); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
	// A cluster on SQLite cannot share state: refused, naming the variable.
	env = map[string]string{"VIGILO_NATS_URL": "nats://127.0.0.1:4222"}
	if _, err := Load(nil, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "VIGILO_NATS_URL") {
		t.Errorf("NATS on SQLite: %v", err)
	}
}

func TestEventPostBuffer(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	c, err := Load(nil, get)
	if err != nil || c.EventPostBuffer.String() != "10s" {
		t.Fatalf("default post-buffer %v %v", c.EventPostBuffer, err)
	}
	env["VIGILO_EVENT_POST_BUFFER"] = "45s"
	if c, err = Load(nil, get); err != nil || c.EventPostBuffer.String() != "45s" {
		t.Fatalf("post-buffer from the environment %v %v", c.EventPostBuffer, err)
	}
	for _, bad := range []string{"9s", "soon", "-1m"} {
		env["VIGILO_EVENT_POST_BUFFER"] = bad
		if _, err := Load(nil, get); err == nil || !strings.Contains(err.Error(), "VIGILO_EVENT_POST_BUFFER") {
			t.Errorf("post-buffer %q: %v", bad, err)
		}
	}
	delete(env, "VIGILO_EVENT_POST_BUFFER")
	if _, err := Load([]string{"-event-post-buffer", "5s"}, get); err == nil {
		t.Error("a post-buffer under 10s given as a flag was accepted")
	}
}

func TestS3Settings(t *testing.T) {
	c, err := Load(nil, func(string) string { return "" })
	if err != nil || c.S3.Enabled() || c.S3.PartSize != 16<<20 || c.S3.Region != "us-east-1" || !c.S3.PathStyle {
		t.Fatalf("defaults: %v %+v", err, c.S3)
	}
	full := map[string]string{"VIGILO_S3_ENDPOINT": "http://127.0.0.1:7070", "VIGILO_S3_BUCKET": "video",
		"VIGILO_S3_ACCESS_KEY_ID": "id", "VIGILO_S3_SECRET_ACCESS_KEY": "secret", "VIGILO_S3_LOCAL_CACHE": "2GiB"}
	c, err = Load(nil, func(k string) string { return full[k] })
	if err != nil || !c.S3.Enabled() || c.S3.LocalCache != 2<<30 || c.S3.Bucket != "video" {
		t.Fatalf("full: %v %+v", err, c.S3)
	}
	// Each broken setting is refused naming its variable.
	for _, tc := range []struct{ key, value, named string }{
		{"VIGILO_S3_ENDPOINT", "", "VIGILO_S3_ENDPOINT"}, // bucket and keys set without it
		{"VIGILO_S3_ENDPOINT", "s3.example.com", "VIGILO_S3_ENDPOINT"},
		{"VIGILO_S3_ENDPOINT", "http://h:1/some/path", "VIGILO_S3_ENDPOINT"},
		{"VIGILO_S3_BUCKET", "", "VIGILO_S3_BUCKET"},
		{"VIGILO_S3_ACCESS_KEY_ID", "", "VIGILO_S3_ACCESS_KEY_ID"},
		{"VIGILO_S3_SECRET_ACCESS_KEY", "", "VIGILO_S3_SECRET_ACCESS_KEY"},
		{"VIGILO_S3_LOCAL_CACHE", "lots", "VIGILO_S3_LOCAL_CACHE"},
		{"VIGILO_S3_PART_SIZE", "1MiB", "VIGILO_S3_PART_SIZE"},
		{"VIGILO_S3_PATH_STYLE", "maybe", "VIGILO_S3_PATH_STYLE"},
		{"VIGILO_S3_UPLOADERS", "0", "VIGILO_S3_UPLOADERS"},
	} {
		_, err := Load(nil, func(k string) string {
			if k == tc.key {
				return tc.value
			}
			return full[k]
		})
		if err == nil || !strings.Contains(err.Error(), tc.named) {
			t.Errorf("%s=%q: %v", tc.key, tc.value, err)
		}
	}
}

func TestTLSSettings(t *testing.T) {
	c, err := Load(nil, func(string) string { return "" })
	if err != nil || c.TLS.Enabled() || c.TLS.Directory != LetsEncrypt {
		t.Fatalf("defaults: %v %+v", err, c.TLS)
	}
	roots := filepath.Join(t.TempDir(), "roots.pem")
	if err := os.WriteFile(roots, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	full := map[string]string{"VIGILO_TLS_ADDR": ":8443", "VIGILO_ACME_DIRECTORY": "https://127.0.0.1:14000/dir",
		"VIGILO_ACME_EMAIL": "ops@example.com"}
	c, err = Load(nil, func(k string) string { return full[k] })
	if err != nil || !c.TLS.Enabled() || c.TLS.Directory != "https://127.0.0.1:14000/dir" || c.TLS.Email != "ops@example.com" {
		t.Fatalf("full: %v %+v", err, c.TLS)
	}
	// Each broken setting is refused naming its variable.
	for _, tc := range []struct{ key, value string }{
		{"VIGILO_TLS_ADDR", "8443"},
		{"VIGILO_ACME_DIRECTORY", "acme.example.com/dir"},
		{"VIGILO_ACME_EMAIL", "not an address"},
		{"VIGILO_ACME_CA_ROOTS", filepath.Join(t.TempDir(), "missing.pem")},
		{"VIGILO_ACME_CA_ROOTS", roots},
	} {
		_, err := Load(nil, func(k string) string {
			if k == tc.key {
				return tc.value
			}
			return full[k]
		})
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%s=%q: %v", tc.key, tc.value, err)
		}
	}
}
