package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"maillage/internal/domain"
)

// decodeBody reads a JSON body into dst (a pointer). Malformed JSON, unknown
// fields (at any depth: "roles[0].rank") and wrongly typed fields are 400
// errors naming the fields.
func decodeBody(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &httpError{Status: http.StatusUnsupportedMediaType, Code: codeUnsupportedMedia,
				Message: fmt.Sprintf("Type de contenu %q non pris en charge : envoyez du JSON (application/json).", ct)}
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err // MaxBytesError → 413
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("Le corps de la requête est vide : un objet JSON est attendu.")
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return badRequest(jsonSyntaxMessage(err, body))
	}
	if dec.More() {
		return badRequest("JSON invalide : des données suivent la première valeur.")
	}
	if unknown := unknownFields(generic, reflect.TypeOf(dst).Elem(), ""); len(unknown) > 0 {
		fields := make([]domain.FieldError, len(unknown))
		for i, f := range unknown {
			fields[i] = fieldErr(f, "champ inconnu")
		}
		return badRequest("Champs inconnus dans le corps de la requête : "+strings.Join(unknown, ", ")+".", fields...)
	}
	if err := json.Unmarshal(body, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if fields := valueErrors(generic, reflect.TypeOf(dst).Elem(), ""); len(fields) > 0 {
				return badRequest("Type de valeur invalide.", fields...)
			}
			field := te.Field
			if field == "" {
				field = "(corps)"
			}
			return badRequest("Type de valeur invalide.", fieldErr(field,
				fmt.Sprintf("type %s attendu, %s reçu", jsonTypeName(te.Type), te.Value)))
		}
		// Errors from UnmarshalJSON methods (dates): name each bad field
		// ("start_date", "roles[0].date"), which encoding/json does not say.
		if fields := valueErrors(generic, reflect.TypeOf(dst).Elem(), ""); len(fields) > 0 {
			return badRequest("Valeurs invalides.", fields...)
		}
		return badRequest("Valeur invalide : "+err.Error(), fieldErr(fieldOfError(err), err.Error()))
	}
	return nil
}

func fieldOfError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field
	}
	msg := err.Error()
	if strings.Contains(msg, "date") {
		return "date"
	}
	return "(corps)"
}

func jsonSyntaxMessage(err error, body []byte) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(body[:min(int(se.Offset), len(body))], []byte("\n"))
		return fmt.Sprintf("JSON invalide (ligne %d, octet %d) : %v", line, se.Offset, se)
	}
	return "JSON invalide : " + err.Error()
}

func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "chaîne"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "entier"
	case reflect.Float32, reflect.Float64:
		return "nombre"
	case reflect.Bool:
		return "booléen"
	case reflect.Slice, reflect.Array:
		return "tableau"
	case reflect.Struct, reflect.Map:
		return "objet"
	}
	return t.String()
}

// unknownFields lists the keys of v that the Go type t does not accept.
func unknownFields(v any, t reflect.Type, path string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	switch val := v.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Struct:
			fields := jsonFields(t)
			var out []string
			keys := make([]string, 0, len(val))
			for k := range val {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				f, ok := fields[k]
				if !ok {
					out = append(out, joinPath(path, k))
					continue
				}
				out = append(out, unknownFields(val[k], f.Type, joinPath(path, k))...)
			}
			return out
		case reflect.Map:
			var out []string
			for k, e := range val {
				out = append(out, unknownFields(e, t.Elem(), joinPath(path, k))...)
			}
			return out
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			var out []string
			for i, e := range val {
				out = append(out, unknownFields(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
			}
			return out
		}
	}
	return nil
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// valueErrors decodes, one by one, the leaves of v (and the values that the
// Go type t reads with its own UnmarshalJSON method, such as dates) and
// names those that fail with their path ("start_date", "[2].value"), which
// encoding/json does not give for custom types nor inside arrays.
func valueErrors(v any, t reflect.Type, path string) []domain.FieldError {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if !t.Implements(unmarshalerType) && !reflect.PointerTo(t).Implements(unmarshalerType) {
		var out []domain.FieldError
		switch val := v.(type) {
		case map[string]any:
			switch t.Kind() {
			case reflect.Struct:
				fields := jsonFields(t)
				for _, k := range sortedKeys(val) {
					if f, ok := fields[k]; ok {
						out = append(out, valueErrors(val[k], f.Type, joinPath(path, k))...)
					}
				}
				return out
			case reflect.Map:
				for _, k := range sortedKeys(val) {
					out = append(out, valueErrors(val[k], t.Elem(), joinPath(path, k))...)
				}
				return out
			}
		case []any:
			if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
				for i, e := range val {
					out = append(out, valueErrors(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
				}
				return out
			}
		}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
		field := path
		if field == "" {
			field = "(corps)"
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return []domain.FieldError{fieldErr(field, fmt.Sprintf("type %s attendu, %s reçu", jsonTypeName(te.Type), te.Value))}
		}
		return []domain.FieldError{fieldErr(field, err.Error())}
	}
	return nil
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// jsonFields returns the JSON fields of a struct type, embedded structs
// flattened, keyed by JSON name.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for _, f := range structFields(t) {
		out[f.name] = f.StructField
	}
	return out
}

type jsonField struct {
	reflect.StructField
	name      string
	omitEmpty bool
}

// structFields returns the JSON fields of a struct type in declaration
// order, embedded structs flattened as encoding/json does.
func structFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, structFields(ft)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{StructField: f, name: name, omitEmpty: strings.Contains(opts, "omitempty")})
	}
	return out
}

// query reads typed query parameters and collects their errors, so that a
// request with several bad parameters hears about all of them.
type query struct {
	v    url.Values
	errs []domain.FieldError
}

func newQuery(r *http.Request) *query { return &query{v: r.URL.Query()} }

func (q *query) str(name string) string { return strings.TrimSpace(q.v.Get(name)) }

func (q *query) int(name string, min, max int) int {
	s := q.str(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		q.errs = append(q.errs, fieldErr(name, fmt.Sprintf("entier entre %d et %d attendu, %q reçu", min, max, s)))
		return 0
	}
	return n
}

func (q *query) id(name string) int64 {
	s := q.str(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		q.errs = append(q.errs, fieldErr(name, fmt.Sprintf("identifiant numérique attendu, %q reçu", s)))
		return 0
	}
	return n
}

// refCode checks a referential code given as a filter: the importers store
// codes in lower case ("LAEP" in a file becomes laep), so the filter accepts
// any case; an unknown code is an error naming the parameter rather than an
// empty list that looks like "no such action".
func (q *query) refCode(ref *domain.Referentials, name, kind, code string) string {
	if code == "" {
		return ""
	}
	if ref.Has(kind, code) {
		return code
	}
	if lc := strings.ToLower(code); ref.Has(kind, lc) {
		return lc
	}
	q.errs = append(q.errs, fieldErr(name, fmt.Sprintf("code inconnu %q (voir /api/v1/referentials)", code)))
	return ""
}

func (q *query) oneOf(name string, allowed []string) string {
	s := q.str(name)
	if s == "" {
		return ""
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	q.errs = append(q.errs, fieldErr(name, fmt.Sprintf("valeur %q inconnue (attendu : %s)", s, strings.Join(allowed, ", "))))
	return ""
}

// Pagination: offset/limit. limit defaults to DefaultLimit and is capped at
// MaxLimit.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

func (q *query) page() (offset, limit int) {
	offset = q.int("offset", 0, 1<<31-1)
	limit = q.int("limit", 1, MaxLimit)
	if limit == 0 {
		limit = DefaultLimit
	}
	return offset, limit
}

func (q *query) err() error {
	if len(q.errs) == 0 {
		return nil
	}
	return badRequest("Paramètres de requête invalides.", q.errs...)
}

// pageParams documents offset and limit.
func pageParams() []Param {
	return []Param{
		{Name: "offset", Type: "integer", Description: "Nombre de résultats à sauter (pagination).", Minimum: ptr(0.0)},
		{Name: "limit", Type: "integer", Description: fmt.Sprintf("Nombre de résultats par page (défaut %d, maximum %d).", DefaultLimit, MaxLimit), Minimum: ptr(1.0), Maximum: ptr(float64(MaxLimit))},
	}
}

// List is a page of results with the total matching the filter and links
// to the neighbouring pages.
type List[T any] struct {
	Items  []T   `json:"items"`
	Total  int   `json:"total"`
	Offset int   `json:"offset"`
	Limit  int   `json:"limit"`
	Links  Links `json:"links"`
}

// Links are the pagination links of a list (absent when there is no such page).
type Links struct {
	Self  string `json:"self"`
	First string `json:"first"`
	Prev  string `json:"prev,omitempty"`
	Next  string `json:"next,omitempty"`
	Last  string `json:"last"`
}

// writeList writes a page with its links, and the same links in a Link header.
func writeList[T any](w http.ResponseWriter, r *http.Request, p domain.Page[T], offset, limit int) error {
	items := p.Items
	if items == nil {
		items = []T{}
	}
	link := func(off int) string {
		u := *r.URL
		v := u.Query()
		v.Set("offset", strconv.Itoa(off))
		v.Set("limit", strconv.Itoa(limit))
		u.RawQuery = v.Encode()
		return u.RequestURI()
	}
	l := List[T]{Items: items, Total: p.Total, Offset: offset, Limit: limit}
	l.Links.Self = link(offset)
	l.Links.First = link(0)
	last := 0
	if p.Total > 0 {
		last = (p.Total - 1) / limit * limit
	}
	l.Links.Last = link(last)
	if offset > 0 {
		l.Links.Prev = link(max(0, offset-limit))
	}
	if offset+limit < p.Total {
		l.Links.Next = link(offset + limit)
	}
	var hdr []string
	for rel, u := range map[string]string{"first": l.Links.First, "prev": l.Links.Prev, "next": l.Links.Next, "last": l.Links.Last} {
		if u != "" {
			hdr = append(hdr, fmt.Sprintf("<%s>; rel=%q", u, rel))
		}
	}
	sort.Strings(hdr)
	w.Header().Set("Link", strings.Join(hdr, ", "))
	w.Header().Set("X-Total-Count", strconv.Itoa(p.Total))
	return writeJSON(w, http.StatusOK, l)
}

// pathID reads a numeric path parameter.
func pathID(r *http.Request, name string) (int64, error) {
	s := r.PathValue(name)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, &httpError{Status: http.StatusNotFound, Code: domain.ENOTFOUND,
			Message: fmt.Sprintf("Identifiant invalide %q : un entier positif est attendu.", s)}
	}
	return n, nil
}

// expectedVersion returns the version an update must match: If-Match
// ("<version>", W/ prefix tolerated) or the body's version. A missing version
// is 428 Precondition Required: an update that did not read the record first
// must not overwrite it.
func expectedVersion(r *http.Request, bodyVersion int64) (int64, error) {
	if im := strings.TrimSpace(r.Header.Get("If-Match")); im != "" {
		s := strings.Trim(strings.TrimPrefix(im, "W/"), `"`)
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v <= 0 {
			return 0, badRequest("En-tête If-Match invalide : la version lue est attendue, par exemple \"3\".",
				fieldErr("If-Match", fmt.Sprintf("version invalide %q", im)))
		}
		if bodyVersion != 0 && bodyVersion != v {
			return 0, badRequest("La version du corps et celle de l'en-tête If-Match diffèrent.",
				fieldErr("version", fmt.Sprintf("%d dans le corps, %d dans If-Match", bodyVersion, v)))
		}
		return v, nil
	}
	if bodyVersion > 0 {
		return bodyVersion, nil
	}
	return 0, &httpError{Status: http.StatusPreconditionRequired, Code: codePreconditionRequired,
		Message: "La version de l'enregistrement lu est requise pour le modifier (champ « version » ou en-tête If-Match).",
		Fields:  []domain.FieldError{fieldErr("version", "obligatoire")}}
}

// notModified sets the ETag and, when If-None-Match names the same version
// (weak comparison: W/"3" matches "3"), answers 304 and returns true.
func notModified(w http.ResponseWriter, r *http.Request, version int64) bool {
	setETag(w, version)
	inm := r.Header.Get("If-None-Match")
	if inm == "" {
		return false
	}
	want := strconv.FormatInt(version, 10)
	for _, tag := range strings.Split(inm, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.Trim(strings.TrimPrefix(tag, "W/"), `"`) == want {
			w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}

// setETag sets the record version as a strong ETag.
func setETag(w http.ResponseWriter, version int64) {
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(version, 10)))
}
