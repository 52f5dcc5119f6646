package domain

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes, mapped to HTTP statuses by the API and to exit codes by the CLI.
const (
	ECONFLICT     = "conflict"     // stale version, duplicate key
	EINTERNAL     = "internal"     // anything not caused by the caller
	EINVALID      = "invalid"      // validation failed; see FieldErrors
	ENOTFOUND     = "not_found"    // no such record, or not visible to the caller
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EFORBIDDEN    = "forbidden"    // authenticated but not allowed
)

// Error is a domain error: a code, a message for people (French, since it
// reaches users) and, for EINVALID, the fields at fault.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

// FieldError names one bad field and says why.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + " : " + f.Reason
	}
	return e.Message + " (" + strings.Join(parts, " ; ") + ")"
}

// Errorf returns a domain error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of a domain error, EINTERNAL for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of a domain error; internal errors are not
// shown to users.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Erreur interne."
}

// NotFound is the error for a missing (or invisible) record.
func NotFound(kind, id string) *Error {
	return Errorf(ENOTFOUND, "%s introuvable : %s", kind, id)
}

// Conflict is the error for an update carrying a stale version. The
// wording agrees with any kind ("L'action", "Le périmètre", "organisation").
func Conflict(kind, id string) *Error {
	if kind != "" {
		kind = strings.ToUpper(kind[:1]) + kind[1:]
	}
	return Errorf(ECONFLICT, "%s %s a changé entre-temps : rechargez avant d'enregistrer vos modifications", kind, id)
}

// Validation collects field errors; Err returns nil when there are none.
type Validation struct {
	fields []FieldError
}

// Add records a bad field.
func (v *Validation) Add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Fields returns the collected field errors in the order they were added.
func (v *Validation) Fields() []FieldError { return v.fields }

// Err returns an EINVALID error listing the bad fields, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Données invalides", Fields: v.fields}
}

// sortedKeys is a small helper for deterministic messages.
func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
