package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"maillage/internal/domain"
)

// Problem is an RFC 9457 problem details object, with Maillage's error code
// and, for validation errors, the fields at fault.
type Problem struct {
	Type     string              `json:"type"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail,omitempty"`
	Instance string              `json:"instance,omitempty"`
	Code     string              `json:"code"`
	Errors   []domain.FieldError `json:"errors,omitempty"`
}

// httpError is an API error that is not a domain one (malformed request,
// missing precondition, unsupported media type...).
type httpError struct {
	Status  int
	Code    string
	Message string
	Fields  []domain.FieldError
}

func (e *httpError) Error() string { return e.Message }

// Codes of httpError beside the domain ones.
const (
	codeBadRequest           = "bad_request"
	codePreconditionRequired = "precondition_required"
	codeTooLarge             = "too_large"
	codeUnsupportedMedia     = "unsupported_media_type"
)

// statusOf maps a domain error code to an HTTP status: the one place where
// this happens.
func statusOf(code string) int {
	switch code {
	case domain.EINVALID:
		return http.StatusBadRequest
	case domain.ENOTFOUND:
		return http.StatusNotFound
	case domain.ECONFLICT:
		return http.StatusConflict
	case domain.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case domain.EFORBIDDEN:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

var problemTitles = map[int]string{
	http.StatusBadRequest:            "Requête invalide",
	http.StatusUnauthorized:          "Authentification requise",
	http.StatusForbidden:             "Accès refusé",
	http.StatusNotFound:              "Introuvable",
	http.StatusMethodNotAllowed:      "Méthode non permise",
	http.StatusConflict:              "Conflit",
	http.StatusRequestEntityTooLarge: "Requête trop volumineuse",
	http.StatusUnsupportedMediaType:  "Type de contenu non pris en charge",
	http.StatusPreconditionRequired:  "Version requise",
	http.StatusInternalServerError:   "Erreur interne",
}

// problemOf turns any error into a problem.
func problemOf(err error) Problem {
	var he *httpError
	if errors.As(err, &he) {
		return Problem{Status: he.Status, Code: he.Code, Detail: he.Message, Errors: he.Fields}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return Problem{Status: http.StatusRequestEntityTooLarge, Code: codeTooLarge,
			Detail: "Le corps de la requête dépasse la taille permise."}
	}
	code := domain.ErrorCode(err)
	p := Problem{Status: statusOf(code), Code: code, Detail: domain.ErrorMessage(err)}
	var de *domain.Error
	if errors.As(err, &de) {
		p.Errors = de.Fields
	}
	return p
}

// writeError writes err as application/problem+json; internal errors are
// logged and not shown.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := problemOf(err)
	if p.Status == http.StatusInternalServerError {
		s.log.ErrorContext(r.Context(), "api: internal error", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	WriteProblem(w, r, p)
}

// WriteProblem writes a problem (also used by the server's panic recovery).
func WriteProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Title == "" {
		p.Title = problemTitles[p.Status]
		if p.Title == "" {
			p.Title = http.StatusText(p.Status)
		}
	}
	if p.Type == "" {
		p.Type = "urn:maillage:problem:" + p.Code
	}
	if p.Instance == "" && r != nil {
		p.Instance = r.URL.Path
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="maillage"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p)
}

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// badRequest returns a 400 naming fields.
func badRequest(msg string, fields ...domain.FieldError) error {
	return &httpError{Status: http.StatusBadRequest, Code: domain.EINVALID, Message: msg, Fields: fields}
}

// fieldErr is a short constructor.
func fieldErr(field, reason string) domain.FieldError {
	return domain.FieldError{Field: field, Reason: reason}
}
