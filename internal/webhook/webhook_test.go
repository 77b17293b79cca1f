package webhook

import (
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/errs"
)

func TestValidateNamesTheField(t *testing.T) {
	cases := []struct {
		in    Input
		field string
	}{
		{Input{URL: "", Events: []string{Motion}, Secret: "0123456789abcdef"}, "url"},
		{Input{URL: "ftp://x.example/h", Events: []string{Motion}, Secret: "0123456789abcdef"}, "url"},
		{Input{URL: "https://u:p@x.example/h", Events: []string{Motion}, Secret: "0123456789abcdef"}, "url"},
		{Input{URL: "https://x.example/h", Secret: "0123456789abcdef"}, "events"},
		{Input{URL: "https://x.example/h", Events: []string{"camera.exploded"}, Secret: "0123456789abcdef"}, "events"},
		{Input{URL: "https://x.example/h", Events: []string{Motion}, Secret: "short"}, "secret"},
	}
	for _, c := range cases {
		err := c.in.Validate()
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.Invalid || e.Fields[c.field] == "" {
			t.Errorf("%+v: got %v, want a field error on %s", c.in, err, c.field)
		}
	}
	in := Input{URL: " https://x.example/h ", Events: []string{Motion, CameraOffline, Motion}, Secret: "0123456789abcdef"}
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	if in.URL != "https://x.example/h" || len(in.Events) != 2 || in.Events[0] != CameraOffline || in.Events[1] != Motion {
		t.Fatalf("not normalised: %+v", in)
	}
}

func TestSignVerify(t *testing.T) {
	body := []byte(`{"event":"camera.offline"}`)
	// HMAC-SHA256("key", body), computed independently with
	// `printf '%s' '{"event":"camera.offline"}' | openssl dgst -sha256 -hmac key`.
	const want = "sha256=c5062fc4c275582a0ef7737b9691172e2319b6348a64c57a70b33063d96a6fd2"
	got := Sign("key", body)
	if got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
	if !Verify("key", body, got) || Verify("other", body, got) || Verify("key", append(body, ' '), got) {
		t.Fatal("verify accepts a wrong key or body, or refuses the right one")
	}
}

func TestBackoffGrowsToAnHour(t *testing.T) {
	if Backoff(1) != 5*time.Second || Backoff(2) != 10*time.Second || Backoff(4) != 40*time.Second {
		t.Fatal(Backoff(1), Backoff(2), Backoff(4))
	}
	if Backoff(50) != time.Hour {
		t.Fatal(Backoff(50))
	}
}
