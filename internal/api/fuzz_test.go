package api_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/apitest"
)

// The fuzz targets send arbitrary bodies to the endpoints that decode
// input and require an answer below 500: bad input is the client's error,
// whatever it looks like. `go test` runs the seed corpus; explore with e.g.
//
//	go test ./internal/api -run '^$' -fuzz FuzzCreateAccount -fuzztime 60s

var fuzzSeeds = []string{
	``, `{}`, `null`, `[]`, `"x"`, `0`, `{"type":`, `{"a":1}{"b":2}`, "\xff\xfe",
	`{"type":"integrator","name":"N","email":"n@example.com","storage_price":"0.0300","traffic_price":"0.01"}`,
	`{"type":"customer","name":"C","email":"c@example.com","parent_id":1}`,
	`{"type":"integrator","name":"N","email":"n2@example.com","storage_price":1e3,"traffic_price":"-1"}`,
	`{"type":"customer","name":"C","email":"c@example.com","parent_id":99999999999999999999}`,
	`{"type":"customer","name":"\u0000","email":"a@b.c","parent_id":-1,"plans":[{"plan_id":"x"}]}`,
	`{"type":"customer","name":"C","email":"c3@example.com","plans":[{"plan_id":1,"cost":"abc","end_user_price":"1e3"}]}`,
	`{"name":{"nested":[1,2,{"deep":null}]},"storage_price":{"x":1},"traffic_price":[]}`,
	`{"storage_price":"99999999999999999999.9999","traffic_price":"0.00000"}`,
	`{"email":"Ann <ann@example.com>","password":"short","notes":"` + string(bytes.Repeat([]byte("n"), 600)) + `"}`,
	`{"token":"abc","password":"long enough password"}`, `{"email":"x@example.com","password":123}`,
}

// silentTB drops the server's log lines: the testing.F may not be logged to
// while the fuzz target runs, and the server's goroutines log whenever.
type silentTB struct{ testing.TB }

func (silentTB) Log(...any) {}

func fuzzServer(f *testing.F) (e *apitest.Env, post func(t *testing.T, method, path string, body []byte) int) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	return fuzzBoot(f)
}

// fuzzBoot is fuzzServer for targets with their own seed shape.
func fuzzBoot(f *testing.F) (e *apitest.Env, post func(t *testing.T, method, path string, body []byte) int) {
	e = apitest.Boot(silentTB{f}, apitest.Options{Quiet: true})
	// A hung request is as much a bug as a 5xx.
	client := &http.Client{Timeout: 10 * time.Second}
	return e, func(t *testing.T, method, path string, body []byte) int {
		req, err := http.NewRequest(method, e.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+e.Root)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s with %q: %d %s", method, path, body, resp.StatusCode, b)
		}
		return resp.StatusCode
	}
}

func FuzzCreateAccount(f *testing.F) {
	_, send := fuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		send(t, "POST", "/api/v1/accounts", body)
	})
}

func FuzzUpdateAccount(f *testing.F) {
	e, send := fuzzServer(f)
	a := e.CreateAccount(e.Root, 1, "integrator", "Fuzzed")
	path := "/api/v1/accounts/" + itoa(a.ID)
	f.Fuzz(func(t *testing.T, body []byte) {
		send(t, "PATCH", path, body)
	})
}

func FuzzUsersAndRoles(f *testing.F) {
	e, send := fuzzServer(f)
	a := e.CreateAccount(e.Root, 1, "integrator", "Fuzzed")
	f.Fuzz(func(t *testing.T, body []byte) {
		send(t, "POST", "/api/v1/accounts/"+itoa(a.ID)+"/users", body)
		send(t, "POST", "/api/v1/accounts/"+itoa(a.ID)+"/roles", body)
	})
}

func FuzzAuth(f *testing.F) {
	_, send := fuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, p := range []string{"/auth/login", "/auth/confirm", "/auth/confirm/resend", "/auth/password/reset"} {
			send(t, "POST", "/api/v1"+p, body)
		}
	})
}
