package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"

	"maillage/internal/domain"
)

// Exporter writes an export of the data.
type Exporter interface {
	// Export writes the kind (actions, actors, fundings, indicators,
	// territories) in the format (csv, xlsx, json, geojson) to w.
	Export(ctx context.Context, s domain.Store, kind, format string, w io.Writer) error
}

var (
	exportKinds   = []string{"actions", "actors", "fundings", "indicators", "territories"}
	exportFormats = []string{"csv", "xlsx", "json", "geojson"}
	exportTypes   = map[string]string{
		"csv":     "text/csv; charset=utf-8",
		"xlsx":    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"json":    "application/json",
		"geojson": "application/geo+json",
	}
)

func (s *Server) exportRoutes() {
	s.add(&Route{
		Method: "GET", Path: "/exports/{kind}", Tag: "exports", Kind: "export", OperationID: "export",
		Summary: "Exporter des données",
		Description: "CSV (séparateur ; et BOM UTF-8, pour Excel), XLSX, JSON ou GeoJSON (actions, acteurs et territoires localisés). " +
			"Le fichier est proposé au téléchargement (Content-Disposition).",
		Params: []Param{
			{Name: "kind", In: "path", Description: "Ce qui est exporté.", Enum: exportKinds},
			{Name: "format", Description: "Format (défaut csv).", Enum: exportFormats},
		},
		Produces: []string{"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/json", "application/geo+json"},
		Handle:   s.export,
	})
}

func (s *Server) export(w http.ResponseWriter, r *http.Request) error {
	kind := r.PathValue("kind")
	if !slices.Contains(exportKinds, kind) {
		return domain.NotFound("Export", kind)
	}
	q := newQuery(r)
	format := q.oneOf("format", exportFormats)
	if err := q.err(); err != nil {
		return err
	}
	if format == "" {
		format = "csv"
	}
	// Headers are sent with the first byte, so that an error before it still
	// gets a problem answer; an error after it cuts the connection, so that a
	// truncated file is not taken for a complete one.
	lw := &lazyWriter{w: w, start: func() {
		w.Header().Set("Content-Type", exportTypes[format])
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="maillage-%s.%s"`, kind, format))
	}}
	err := s.opts.Exporter.Export(r.Context(), s.store, kind, format, lw)
	if err != nil && lw.started {
		s.log.ErrorContext(r.Context(), "api: export failed after its start", "kind", kind, "format", format, "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// lazyWriter calls start before the first byte.
type lazyWriter struct {
	w       io.Writer
	start   func()
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.start()
	}
	return l.w.Write(p)
}

// defaultExporter is used until internal/export lands.
type defaultExporter struct{}

func (defaultExporter) Export(ctx context.Context, s domain.Store, kind, format string, w io.Writer) error {
	return &httpError{Status: http.StatusNotImplemented, Code: "not_implemented", Message: "Les exports ne sont pas encore disponibles."}
}
