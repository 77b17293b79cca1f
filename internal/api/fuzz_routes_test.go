package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigilo/vigilo/internal/api"
	"github.com/vigilo/vigilo/internal/apitest"
)

// Every route of the table, every JSON field of its request body and every
// query parameter it documents get hostile values; no answer may be a 5xx,
// on SQLite or PostgreSQL. The table is the API (the OpenAPI test checks
// both directions), so a new route is fuzzed without anyone listing it here.

// hostileValues are what a field or parameter receives, as JSON.
var hostileValues = []string{
	`null`, `true`, `-1`, `0`, `9223372036854775807`, `-9223372036854775808`, `99999999999999999999999`, `1e308`,
	`1.5`, `""`, `"\u0000"`, `"x"`, `"-1"`, `"9223372036854775807"`, `"99999999999999999999.9999"`, `"1e9"`,
	`"2026-13-45"`, `"\u202e\u200b"`, `[]`, `[null]`, `[-1,"x"]`, `{}`, `{"a":{"b":[]}}`,
	`"` + strings.Repeat("x", 5000) + `"`,
}

// hostileQuery are raw query values.
var hostileQuery = []string{"-1", "0", "9223372036854775807", "9223372036854775808", "99999999999999999999", "1e9",
	"abc", "%00", "%E2%80%AE", "2026-02-30", "1970-01-01T00:00:00Z", "9999-12-31", strings.Repeat("9", 400), "-", "%ff"}

// jsonFields lists the JSON names of a request type's fields, nested ones as
// parent.child.
func jsonFields(t reflect.Type, prefix string) []string {
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice) {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, prefix+name)
		if f.Type.Kind() == reflect.Struct || (f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct) {
			out = append(out, jsonFields(f.Type, prefix+name+".")...)
		}
	}
	return out
}

// bodyWith is a JSON object with value at the dotted field.
func bodyWith(field, value string) []byte {
	parts := strings.Split(field, ".")
	s := value
	for i := len(parts) - 1; i >= 0; i-- {
		k, _ := json.Marshal(parts[i])
		s = "{" + string(k) + ":" + s + "}"
	}
	return []byte(s)
}

type routeFuzzer struct {
	t      *testing.T
	e      *apitest.Env
	client *http.Client
	ids    []string // values for {wildcards}
	token  string
	fails  int
}

// send makes one request and fails on a 5xx or a hang; a credential the
// request itself revoked (sign-out, revoke all) is replaced.
func (f *routeFuzzer) send(method, path string, body []byte) {
	req, err := http.NewRequest(method, f.e.URL+path, bytes.NewReader(body))
	if err != nil {
		return // not even a request (the client refuses it)
	}
	req.Header.Set("Authorization", "Bearer "+f.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Errorf("%s %s %q: %v", method, path, body, err)
		f.fails++
		return
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		f.fails++
		if f.fails <= 30 {
			f.t.Errorf("%s %s with %.200q: %d %.300s", method, path, body, resp.StatusCode, b)
		}
	}
	if resp.StatusCode == http.StatusUnauthorized {
		f.token = f.e.Login(apitest.AdminEmail, apitest.AdminPassword)
	}
}

func (f *routeFuzzer) route(rt api.Route) {
	paths := []string{}
	for _, id := range f.ids {
		p := rt.Path
		for strings.Contains(p, "{") {
			i, j := strings.Index(p, "{"), strings.Index(p, "}")
			p = p[:i] + id + p[j+1:]
		}
		paths = append(paths, api.Prefix+p)
		if !strings.Contains(rt.Path, "{") {
			break
		}
	}
	var fields []string
	if rt.Request != nil {
		fields = jsonFields(reflect.TypeOf(rt.Request), "")
	}
	for i, p := range paths {
		if i > 0 {
			// Hostile ids in the path: the body matters little there.
			f.send(rt.Method, p, []byte(`{}`))
			f.send(rt.Method, p, nil)
			continue
		}
		for _, s := range fuzzSeeds {
			f.send(rt.Method, p, []byte(s))
		}
		for _, fld := range fields {
			for _, v := range hostileValues {
				f.send(rt.Method, p, bodyWith(fld, v))
			}
		}
		for _, q := range rt.Query {
			for _, v := range hostileQuery {
				f.send(rt.Method, p+"?"+url.QueryEscape(q.Name)+"="+v, nil)
			}
		}
	}
}

func TestFuzzEveryRoute(t *testing.T) {
	if testing.Short() {
		t.Skip("fuzzes every route: not in -short")
	}
	modDBs(t, func(t *testing.T, pg bool) {
		e := apitest.Boot(silentTB{t}, apitest.Options{Postgres: pg, Quiet: true})
		a := e.CreateAccount(e.Root, 1, "integrator", "Fuzz Int")
		c := e.CreateAccount(a.Token, a.ID, "customer", "Fuzz Cust")
		f := &routeFuzzer{t: t, e: e, client: &http.Client{Timeout: 20 * time.Second}, token: e.Root,
			ids: []string{fmt.Sprint(c.ID), "0", "-1", "9223372036854775807", "99999999999999999999", "abc"}}
		start := time.Now()
		n := 0
		for _, rt := range api.Routes() {
			if rt.Path == "/auth/logout" {
				continue // would end the fuzzer's own session every time; it takes no input
			}
			f.route(rt)
			n++
		}
		t.Logf("%d routes fuzzed in %s, %d answers were 5xx", n, time.Since(start).Round(time.Millisecond), f.fails)
	})
}

// FuzzAnyRoute lets the fuzzer choose the route (by index in the table),
// the query string and the body. CI runs it with -fuzz for a bounded time.
func FuzzAnyRoute(f *testing.F) {
	e, send := fuzzBoot(f)
	a := e.CreateAccount(e.Root, 1, "integrator", "Fuzzed")
	routes := []api.Route{}
	for _, rt := range api.Routes() {
		if rt.Path != "/auth/logout" && !(rt.Method == "DELETE" && strings.Contains(rt.Path, "sessions")) {
			routes = append(routes, rt)
		}
	}
	f.Add(uint8(0), "page=1", []byte(`{}`))
	f.Add(uint8(3), "q=%00", []byte(`{"name":"\u202e"}`))
	f.Fuzz(func(t *testing.T, which uint8, query string, body []byte) {
		rt := routes[int(which)%len(routes)]
		p := rt.Path
		for strings.Contains(p, "{") {
			i, j := strings.Index(p, "{"), strings.Index(p, "}")
			p = p[:i] + itoa(a.ID) + p[j+1:]
		}
		// Only queries an HTTP client can send at all: net/url refuses
		// control characters, so such a string never reaches the server.
		if _, err := url.ParseQuery(query); err == nil && !strings.ContainsAny(query, " #") {
			if _, err := url.Parse(e.URL + api.Prefix + p + "?" + query); err == nil {
				p += "?" + query
			}
		}
		send(t, rt.Method, api.Prefix+p, body)
	})
}
