package config

import (
	"fmt"
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
