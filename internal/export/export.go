// Package export writes Maillage's data out: actions, actors, fundings,
// indicator values and territories as CSV (`;`, UTF-8 with BOM, for Excel),
// XLSX, JSON and GeoJSON, and the data·inclusion format (structures and
// services, schema v1).
//
// CSV and XLSX exports of actions, actors and fundings start with exactly the
// columns of the import template (docs: `maillage template actions`), so an
// export re-imports as is; extra columns (names, visibility) follow them.
//
// Every function takes a domain.Store, a Filter and an io.Writer, so the
// command line, the API and the web interface share them.
package export

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"

	"maillage/internal/domain"
	"maillage/internal/tabular"
)

// Kinds and formats.
var (
	Kinds   = []string{"actions", "actors", "fundings", "indicators", "territories", "data-inclusion"}
	Formats = []string{"csv", "xlsx", "json", "geojson"}
)

// Filter narrows an export. Territory selects what touches the territory's
// communes (an EPCI, département, région or perimeter code stands for its
// communes); Theme selects actions of a theme (and, for indicators, the
// theme's need indicator); Year selects actions active that year, fundings
// and indicator values of that year.
type Filter struct {
	Territory string
	Theme     string
	Year      int
}

// ContentType returns the MIME type of a format.
func ContentType(format string) string {
	switch format {
	case "csv":
		return "text/csv; charset=utf-8"
	case "xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case "geojson":
		return "application/geo+json"
	}
	return "application/json"
}

// Check reports whether kind and format go together, before anything is
// written (so that an HTTP handler can still answer with an error).
func Check(kind, format string) error {
	if !slices.Contains(Kinds, kind) {
		return domain.Errorf(domain.EINVALID, "export inconnu %q (attendu : %s)", kind, strings.Join(Kinds, ", "))
	}
	if !slices.Contains(Formats, format) {
		return domain.Errorf(domain.EINVALID, "format inconnu %q (attendu : %s)", format, strings.Join(Formats, ", "))
	}
	switch {
	case format == "geojson" && (kind == "fundings" || kind == "indicators"):
		return domain.Errorf(domain.EINVALID, "le format geojson n'existe que pour les actions, les acteurs et les territoires (pas pour %s) : choisissez csv, xlsx ou json", kindLabel(kind))
	case kind == "data-inclusion" && format != "json":
		return domain.Errorf(domain.EINVALID, "l'export data·inclusion est un fichier JSON (--format json)")
	}
	return nil
}

func kindLabel(kind string) string {
	switch kind {
	case "fundings":
		return "les financements"
	case "indicators":
		return "les indicateurs"
	}
	return kind
}

// Export writes one kind of data in one format.
func Export(ctx context.Context, s domain.Store, kind, format string, f Filter, w io.Writer) error {
	if err := Check(kind, format); err != nil {
		return err
	}
	if f.Territory != "" {
		if _, err := s.Territory(ctx, f.Territory); err != nil {
			return err
		}
	}
	if f.Theme != "" {
		ref, err := s.Referentials(ctx)
		if err != nil {
			return err
		}
		if !ref.Has(domain.RefTheme, f.Theme) {
			return domain.Errorf(domain.EINVALID, "thématique inconnue %q (attendu : %s)", f.Theme, strings.Join(ref.Codes(domain.RefTheme), ", "))
		}
	}
	switch kind {
	case "data-inclusion":
		return DataInclusion(ctx, s, f, w)
	case "actions":
		if format == "geojson" {
			return ActionsGeoJSON(ctx, s, f, w)
		}
		return Actions(ctx, s, format, f, w)
	case "actors":
		if format == "geojson" {
			return ActorsGeoJSON(ctx, s, f, w)
		}
		return Actors(ctx, s, format, f, w)
	case "fundings":
		return Fundings(ctx, s, format, f, w)
	case "indicators":
		return Indicators(ctx, s, format, f, w)
	case "territories":
		if format == "geojson" {
			return TerritoriesGeoJSON(ctx, s, f, w)
		}
		return Territories(ctx, s, format, f, w)
	}
	return nil
}

// Exporter adapts Export to the API's exporter interface (no filter).
type Exporter struct{ Filter Filter }

// Export writes kind in format to w.
func (e Exporter) Export(ctx context.Context, s domain.Store, kind, format string, w io.Writer) error {
	return Export(ctx, s, kind, format, e.Filter, w)
}

// ID returns the template id of a record: its external id when it came from
// the Maillage template (source "import"), else "source:external id", else
// "maillage:" and its database id. Re-importing an export therefore updates
// the same records instead of duplicating them.
func ID(source, externalID string, id int64) string {
	switch {
	case externalID != "" && source == domain.SourceImport:
		return externalID
	case externalID != "":
		return source + ":" + externalID
	}
	return domain.SourceMaillage + ":" + strconv.FormatInt(id, 10)
}

// table opens a tabular writer for csv or xlsx.
func table(format string, w io.Writer) (tabular.Writer, error) {
	if format == "xlsx" {
		return tabular.NewXLSX(w)
	}
	return tabular.NewCSV(w, tabular.CSVOptions{}), nil
}

// jsonArray streams a JSON array, one element per line.
type jsonArray struct {
	w     *bufio.Writer
	n     int
	inner *json.Encoder
}

func newJSONArray(w io.Writer) *jsonArray {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("[")
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &jsonArray{w: bw, inner: enc}
}

func (j *jsonArray) add(v any) error {
	if j.n > 0 {
		j.w.WriteString(",")
	}
	j.w.WriteString("\n")
	j.n++
	// Encode adds a newline; it is valid JSON whitespace.
	return j.inner.Encode(v)
}

func (j *jsonArray) close() error {
	j.w.WriteString("]\n")
	return j.w.Flush()
}

// join writes a list cell ("a|b").
func join(xs []string) string { return strings.Join(xs, "|") }

func date(d *domain.Date) string {
	if d == nil || d.IsZero() {
		return ""
	}
	return d.String()
}

// collect turns a store stream into its items or the first error.
func each[T any](seq iter.Seq2[T, error], fn func(T) error) error {
	for v, err := range seq {
		if err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// pageSize is the page size used when paging through a filtered list.
const pageSize = 2000

// pages calls fetch with growing offsets until a short page.
func pages[T any](fetch func(offset int) (domain.Page[T], error), fn func(T) error) error {
	for offset := 0; ; offset += pageSize {
		p, err := fetch(offset)
		if err != nil {
			return err
		}
		for _, v := range p.Items {
			if err := fn(v); err != nil {
				return err
			}
		}
		if len(p.Items) < pageSize {
			return nil
		}
	}
}
