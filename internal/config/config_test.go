package config

import "testing"

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
