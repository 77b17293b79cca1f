package api

import (
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/vigilo/vigilo/internal/httpx"
	"github.com/vigilo/vigilo/internal/money"
)

// OpenAPI builds the OpenAPI 3 document from the route table and the wire
// types by reflection: a handler's request and response types are its schema.
func OpenAPI() map[string]any {
	schemas := map[string]any{}
	paths := map[string]any{}
	for _, rt := range Routes() {
		op := map[string]any{"summary": rt.Summary, "tags": []string{rt.Tag},
			"operationId": operationID(rt.Method, rt.Path)}
		var params []any
		for _, name := range pathParams.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": name[1], "in": "path", "required": true, "schema": map[string]any{"type": "integer"}})
		}
		for _, q := range rt.Query {
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Description, "schema": map[string]any{"type": q.Type}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.Request), schemas)}}}
		}
		resp := map[string]any{"description": "success"}
		if rt.Response != nil {
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.Response), schemas)}}
		}
		responses := map[string]any{"2XX": resp, "400": ref("Error"), "404": ref("Error")}
		if !rt.Public {
			responses["401"], responses["403"] = ref("Error"), ref("Error")
			op["security"] = []any{map[string]any{"bearer": []string{}}, map[string]any{"cookie": []string{}}}
		}
		op["responses"] = responses
		p, _ := paths[Prefix+rt.Path].(map[string]any)
		if p == nil {
			p = map[string]any{}
			paths[Prefix+rt.Path] = p
		}
		p[strings.ToLower(rt.Method)] = op
	}
	schemas["Error"] = schemaOf(reflect.TypeOf(httpx.ErrorBody{}), schemas)
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "Vigilo API", "version": "1.0.0", "description": "White-label cloud video surveillance. Money is a decimal string; lists take page and per_page."},
		"paths":   paths,
		"components": map[string]any{"schemas": schemas, "securitySchemes": map[string]any{
			"bearer": map[string]any{"type": "http", "scheme": "bearer"},
			"cookie": map[string]any{"type": "apiKey", "in": "cookie", "name": httpx.SessionCookie}}},
	}
}

var pathParams = regexp.MustCompile(`\{([a-z_]+)\}`)

func ref(name string) map[string]any {
	return map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{
		"schema": map[string]any{"$ref": "#/components/schemas/" + name}}}}
}

func operationID(method, path string) string {
	s := strings.ToLower(method) + strings.NewReplacer("/", "_", "{", "", "}", "").Replace(path)
	return s
}

var (
	timeType  = reflect.TypeOf(time.Time{})
	stampType = reflect.TypeOf(Stamp{})
	moneyType = reflect.TypeOf(money.Amount(0))
)

// schemaOf describes t as a JSON schema; named structs become components.
func schemaOf(t reflect.Type, comps map[string]any) map[string]any {
	if t.Kind() == reflect.Pointer {
		s := schemaOf(t.Elem(), comps)
		return s
	}
	switch t {
	case timeType, stampType:
		return map[string]any{"type": "string", "format": "date-time"}
	case moneyType:
		return map[string]any{"type": "string", "pattern": `^-?\d+\.\d{4}$`, "example": "0.0300"}
	}
	switch t.Kind() {
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), comps)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), comps)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := schemaName(t)
		if _, done := comps[name]; !done {
			comps[name] = map[string]any{} // placeholder against recursion
			props := map[string]any{}
			var allOf []any
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				if f.Anonymous {
					allOf = append(allOf, schemaOf(f.Type, comps))
					continue
				}
				if !f.IsExported() {
					continue
				}
				tag := f.Tag.Get("json")
				fname, _, _ := strings.Cut(tag, ",")
				if fname == "-" {
					continue
				}
				if fname == "" {
					fname = f.Name
				}
				props[fname] = schemaOf(f.Type, comps)
			}
			s := map[string]any{"type": "object", "properties": props}
			if allOf != nil {
				s = map[string]any{"allOf": append(allOf, s)}
			}
			comps[name] = s
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func schemaName(t reflect.Type) string {
	n := t.Name()
	// Generic instantiations are named like List[github.com/…/api.AccountJSON].
	if i := strings.IndexByte(n, '['); i >= 0 {
		inner := n[i+1 : len(n)-1]
		if j := strings.LastIndexByte(inner, '.'); j >= 0 {
			inner = inner[j+1:]
		}
		n = n[:i] + "_" + inner
	}
	if n == "" {
		n = "Anonymous"
	}
	return n
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	httpx.WriteJSON(w, http.StatusOK, OpenAPI())
	return nil
}
