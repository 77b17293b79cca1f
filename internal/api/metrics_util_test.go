package api_test

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/apitest"
)

// metricValue reads one unlabelled sample from the server's /metrics.
func metricValue(t *testing.T, e *apitest.Env, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + e.Main.MetricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("metric %s not exported", name)
	return 0
}

// Every request is counted by route pattern, never by raw path.
func TestHTTPMetricsByRoute(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{})
	e.Must(200, "GET", "/api/v1/accounts/1", e.Root, nil)
	e.Must(404, "GET", "/api/v1/accounts/999", e.Root, nil)
	resp, err := http.Get("http://" + e.Main.MetricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body strings.Builder
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		body.WriteString(sc.Text() + "\n")
	}
	text := body.String()
	for _, want := range []string{
		`vigilo_http_requests_total{code="200",route="GET /api/v1/accounts/{id}"} 1`,
		`vigilo_http_requests_total{code="404",route="GET /api/v1/accounts/{id}"} 1`,
		`vigilo_http_request_duration_seconds_count{route="GET /api/v1/accounts/{id}"} 2`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, "/api/v1/accounts/999") {
		t.Error("raw paths leak into metric labels")
	}
}

// /metrics is not on the public listener, only on VIGILO_METRICS_ADDR.
func TestMetricsNotPublic(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{})
	resp, err := http.Get(e.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("/metrics answers on the public listener")
	}
	if metricValue(t, e, "go_goroutines") <= 0 {
		t.Fatal("no goroutines metric on the metrics listener")
	}
}
