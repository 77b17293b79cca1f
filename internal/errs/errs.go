// Package errs is the one error vocabulary shared by every layer. Domain code
// says what went wrong (a Kind and a stable Code); the API maps Kinds to HTTP
// status codes in one table, so no domain package needs to know about HTTP.
package errs

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Kind classifies an error for callers that must choose a response.
type Kind int

const (
	Internal     Kind = iota // a bug or an outage; never caused by input
	Invalid                  // the input is wrong; Fields says where
	Unauthorized             // not signed in, or the credentials are wrong
	Forbidden                // signed in but not allowed (disabled, unconfirmed, module off)
	NotFound                 // absent or not visible to the actor (R10)
	Conflict                 // valid input that clashes with stored state
	TooMany                  // too many attempts for now; RetryAfter says when to try again
	Unavailable              // overloaded for now; RetryAfter says when to try again
	Gone                     // existed, but for good no more (an expired or revoked share link)
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case Unauthorized:
		return "unauthorized"
	case Forbidden:
		return "forbidden"
	case NotFound:
		return "not_found"
	case Conflict:
		return "conflict"
	case TooMany:
		return "too_many"
	case Gone:
		return "gone"
	case Unavailable:
		return "unavailable"
	}
	return "internal"
}

// Error is the structured error every layer returns.
type Error struct {
	Kind    Kind
	Code    string            // stable, machine-readable, e.g. "email_unconfirmed"
	Message string            // for people
	Fields  map[string]string // field name → what is wrong with it
	Err     error             // wrapped cause, never shown to clients
	// RetryAfter is when a TooMany or Unavailable request may be tried again.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, " [%s: %s]", k, e.Fields[k])
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf reports the Kind of err; plain errors are Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// CodeOf reports the Code of err, or "" for plain errors.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

func New(kind Kind, code, msg string) *Error { return &Error{Kind: kind, Code: code, Message: msg} }

func NotFoundf(format string, a ...any) *Error {
	return &Error{Kind: NotFound, Code: "not_found", Message: fmt.Sprintf(format, a...)}
}

func Forbiddenf(code, format string, a ...any) *Error {
	return &Error{Kind: Forbidden, Code: code, Message: fmt.Sprintf(format, a...)}
}

func Conflictf(code, format string, a ...any) *Error {
	return &Error{Kind: Conflict, Code: code, Message: fmt.Sprintf(format, a...)}
}

func Unauthorizedf(code, format string, a ...any) *Error {
	return &Error{Kind: Unauthorized, Code: code, Message: fmt.Sprintf(format, a...)}
}

// Later refuses a request for now: kind is TooMany or Unavailable, and the
// client may try again after retry.
func Later(kind Kind, code string, retry time.Duration, format string, a ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, a...), RetryAfter: retry}
}

// RetryAfterOf is the RetryAfter of err (0 when it has none).
func RetryAfterOf(err error) time.Duration {
	if e, ok := As(err); ok {
		return e.RetryAfter
	}
	return 0
}

// Wrap marks err as internal while keeping the cause for logs.
func Wrap(err error, msg string) error {
	if err == nil {
		return nil
	}
	if _, ok := As(err); ok {
		return err
	}
	return &Error{Kind: Internal, Code: "internal", Message: msg, Err: err}
}

// Fields collects field errors during validation; Err returns nil when empty.
type Fields map[string]string

// Add records the first problem found for a field.
func (f Fields) Add(field, problem string) {
	if _, dup := f[field]; !dup {
		f[field] = problem
	}
}

func (f Fields) Has(field string) bool { _, ok := f[field]; return ok }

// Err turns collected problems into one Invalid error naming every field.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return &Error{Kind: Invalid, Code: "invalid_input",
		Message: "invalid " + strings.Join(keys, ", "), Fields: map[string]string(f)}
}

// Field is a shortcut for one invalid field.
func Field(field, problem string) error { return Fields{field: problem}.Err() }
