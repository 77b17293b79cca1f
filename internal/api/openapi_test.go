package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/vigilo/vigilo/internal/api"
	"github.com/vigilo/vigilo/internal/apitest"
)

// TestOpenAPIMatchesRoutes fetches the document from the running server and
// checks it both ways: every documented operation is served (not the API's
// fallback 404, not 405), and every registered route is documented. It also
// checks the document looks like OpenAPI 3 and that every $ref resolves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := apitest.Boot(t, apitest.Options{Quiet: true})
	r := e.Must(200, "GET", "/api/v1/openapi.json", "", nil)
	var doc map[string]any
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Fatalf("openapi version %q", doc["openapi"])
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == "" || info["title"] == nil || info["version"] == nil {
		t.Fatalf("info: %v", info)
	}
	paths, _ := doc["paths"].(map[string]any)
	if len(paths) == 0 {
		t.Fatal("no paths")
	}
	checkRefs(t, doc, doc, "#")

	// Every documented operation is served. Ids are those of a throwaway
	// account, so destructive operations harm nothing the test needs;
	// logout goes without a token so the root's session survives.
	victim := e.CreateAccount(e.Root, 1, "integrator", "Victim")
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	documented := map[string]bool{}
	var ops []string
	for p, item := range paths {
		for method, op := range item.(map[string]any) {
			method = strings.ToUpper(method)
			documented[method+" "+p] = true
			ops = append(ops, method+" "+p)
			o := op.(map[string]any)
			if o["responses"] == nil || o["operationId"] == nil {
				t.Errorf("%s %s: no responses or operationId", method, p)
			}
			if !strings.HasPrefix(p, api.Prefix+"/") {
				t.Errorf("path %s outside %s", p, api.Prefix)
			}
		}
	}
	sort.Strings(ops)
	for _, op := range ops {
		method, p, _ := strings.Cut(op, " ")
		url := param.ReplaceAllString(p, itoa(victim.ID))
		token := e.Root
		if strings.HasSuffix(p, "/logout") {
			token = ""
		}
		var body any
		if method != "GET" && method != "DELETE" {
			body = map[string]any{}
		}
		resp := e.Do(method, url, token, body)
		if resp.Status == http.StatusMethodNotAllowed || resp.Code() == "route_not_found" {
			t.Errorf("documented %s %s is not served: %d %s", method, p, resp.Status, resp.Body)
		}
	}

	// Every registered route is documented, with its method.
	for _, rt := range api.Routes() {
		if !documented[rt.Method+" "+api.Prefix+rt.Path] {
			t.Errorf("route %s %s is not in openapi.json", rt.Method, rt.Path)
		}
	}
	// And nothing is documented that is not registered.
	registered := map[string]bool{}
	for _, rt := range api.Routes() {
		registered[rt.Method+" "+api.Prefix+rt.Path] = true
	}
	for op := range documented {
		if !registered[op] {
			t.Errorf("openapi.json documents %s, which no route serves", op)
		}
	}
	// An undocumented route is the fallback, in the API's error format.
	if r := e.Do("GET", "/api/v1/no-such-thing", e.Root, nil); r.Status != 404 || r.Code() != "route_not_found" {
		t.Errorf("fallback: %d %s", r.Status, r.Body)
	}
}

// checkRefs resolves every "$ref" in v against the document root.
func checkRefs(t *testing.T, root any, v any, at string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if k == "$ref" {
				ref, _ := val.(string)
				if !resolves(root, ref) {
					t.Errorf("%s: $ref %q does not resolve", at, ref)
				}
				continue
			}
			checkRefs(t, root, val, at+"/"+k)
		}
	case []any:
		for _, val := range x {
			checkRefs(t, root, val, at+"/[]")
		}
	}
}

func resolves(root any, ref string) bool {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return false
	}
	cur := root
	for _, part := range strings.Split(rest, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[part]; !ok {
			return false
		}
	}
	_, isObj := cur.(map[string]any)
	return isObj
}
