package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/vigilo/vigilo/internal/errs"
	"github.com/vigilo/vigilo/internal/store"
)

// maxBody bounds request bodies; nothing in the API needs more.
const maxBody = 1 << 20

// decode reads a JSON body into v and turns every decoding failure into a 400
// that names the field, never a 500.
func decode(r *http.Request, v any) error { return decodeMax(r, v, maxBody) }

// decodeMax is decode with its own bound, for the few bodies that carry
// images (a brand's logo): they are checked, and refused by field, after
// decoding.
func decodeMax(r *http.Request, v any, limit int64) error {
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		return decodeError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		if e, ok := decodeError(err).(*errs.Error); ok && e.Fields["body"] != "" && !structural(err) {
			// A custom unmarshaler (money) failed without saying where.
			if name := failingField(raw, v); name != "" {
				return errs.Field(name, e.Fields["body"])
			}
		}
		return decodeError(err)
	}
	if dec.More() {
		return errs.Field("body", "must be a single JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errs.Field("body", "must be a single JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var maxErr *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return errs.Field("body", "is empty; a JSON object is expected")
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Field("body", "is not valid JSON")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return errs.Field(field, "must be a "+jsonType(typ.Type.Kind().String()))
	case errors.As(err, &maxErr):
		return errs.Field("body", "is too large")
	}
	// Errors from custom unmarshalers (money) carry the field in the message
	// in recent Go versions: "json: cannot unmarshal … into Go struct field X.y of type …".
	msg := err.Error()
	if i := strings.Index(msg, "Go struct field "); i >= 0 {
		rest := msg[i+len("Go struct field "):]
		name, _, _ := strings.Cut(rest, " ")
		if j := strings.LastIndexByte(name, '.'); j >= 0 {
			name = name[j+1:]
		}
		return errs.Field(name, cleanMsg(msg))
	}
	return errs.Field("body", cleanMsg(msg))
}

// structural reports errors about the body as a whole, which no single
// field can be blamed for.
func structural(err error) bool {
	var syn *json.SyntaxError
	var maxErr *http.MaxBytesError
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &syn) || errors.As(err, &maxErr)
}

// failingField finds the top-level member of a JSON object body that v's
// type refuses, by decoding each member alone. It runs only on the error
// path, so its cost does not matter.
func failingField(raw []byte, v any) string {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return ""
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	names := make([]string, 0, len(obj))
	for k := range obj {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		one, err := json.Marshal(map[string]json.RawMessage{k: obj[k]})
		if err != nil {
			continue
		}
		if json.Unmarshal(one, reflect.New(t.Elem()).Interface()) != nil {
			return k
		}
	}
	return ""
}

func cleanMsg(m string) string {
	if i := strings.LastIndex(m, ": "); i >= 0 {
		return m[i+2:]
	}
	return m
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "list"
	case "struct", "map":
		return "object"
	}
	return "number"
}

// pathID parses a {name} path value as a positive id; a malformed id is a 404
// (an id that cannot exist), not a 400.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.NotFoundf("%s not found", name)
	}
	return id, nil
}

// queryInt parses an optional integer query parameter.
func queryInt(r *http.Request, f errs.Fields, name string) int64 {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		f.Add(name, "must be a positive whole number")
	}
	return n
}

// page reads ?page&per_page.
func page(r *http.Request, f errs.Fields) store.Page {
	p := store.Page{Page: int(queryInt(r, f, "page")), PerPage: int(queryInt(r, f, "per_page"))}
	if p.PerPage > store.MaxPerPage {
		f.Add("per_page", "must be at most "+strconv.Itoa(store.MaxPerPage))
	}
	// (page-1)*per_page becomes the SQL OFFSET: a page number near 2^63
	// overflows it (PostgreSQL answered 5xx). No list is anywhere near this
	// long, so a page beyond it is a client error.
	if p.Page > store.MaxPage {
		f.Add("page", "must be at most "+strconv.Itoa(store.MaxPage))
	}
	return p.Clamp()
}

// List is the envelope of every list response.
type List[T any] struct {
	Items   []T `json:"items"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
	Total   int `json:"total"`
}

func list[T any](items []T, p store.Page, total int) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, Page: p.Page, PerPage: p.PerPage, Total: total}
}

// pageAll describes a complete, unpaginated list in the list envelope.
func pageAll(n int) store.Page { return store.Page{Page: 1, PerPage: max(n, 1)} }
