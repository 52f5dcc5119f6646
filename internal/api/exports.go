package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"maillage/internal/domain"
	"maillage/internal/export"
)

var exportFormats = export.Formats

func (s *Server) exportRoutes() {
	s.add(&Route{
		Method: "GET", Path: "/exports/{kind}", Tag: "exports", Kind: "export", OperationID: "export",
		Summary: "Exporter des données",
		Description: "CSV (séparateur ; et BOM UTF-8, pour Excel), XLSX, JSON ou GeoJSON (actions, acteurs et territoires localisés). " +
			"Le fichier est proposé au téléchargement (Content-Disposition).",
		Params: []Param{
			{Name: "kind", In: "path", Description: "Ce qui est exporté (data-inclusion : structures et services au format data·inclusion, JSON).", Enum: export.Kinds},
			{Name: "format", Description: "Format (défaut csv ; json pour data-inclusion).", Enum: exportFormats},
			{Name: "territory", Description: "Ce qui touche les communes de ce territoire (commune, EPCI, département, région, périmètre)."},
			{Name: "theme", Description: "Actions de cette thématique (et, pour les indicateurs, l'indicateur de besoin de la thématique)."},
			{Name: "year", Type: "integer", Description: "Actions actives cette année, financements et valeurs d'indicateurs de cette année."},
		},
		Produces: []string{"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/json", "application/geo+json"},
		Handle:   s.export,
	})
}

func (s *Server) export(w http.ResponseWriter, r *http.Request) error {
	kind := r.PathValue("kind")
	if !slices.Contains(export.Kinds, kind) {
		return domain.NotFound("Export", kind)
	}
	q := newQuery(r)
	format := q.oneOf("format", exportFormats)
	f := export.Filter{Territory: q.str("territory"), Theme: q.str("theme"), Year: q.int("year", 1800, 2200)}
	if err := q.err(); err != nil {
		return err
	}
	if format == "" {
		format = "csv"
		if kind == "data-inclusion" {
			format = "json"
		}
	}
	if err := export.Check(kind, format); err != nil {
		return badRequest(domain.ErrorMessage(err), fieldErr("format", domain.ErrorMessage(err)))
	}
	if f.Territory != "" {
		if _, err := s.store.Territory(r.Context(), f.Territory); err != nil {
			return fieldedNotFound(err, "territory")
		}
	}
	// Headers are sent with the first byte, so that an error before it still
	// gets a problem answer; an error after it cuts the connection, so that a
	// truncated file is not taken for a complete one.
	lw := &lazyWriter{w: w, start: func() {
		w.Header().Set("Content-Type", export.ContentType(format))
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="maillage-%s.%s"`, kind, format))
	}}
	err := export.Export(r.Context(), s.store, kind, format, f, lw)
	if domain.ErrorCode(err) == domain.EINVALID && !lw.started {
		var de *domain.Error
		if errors.As(err, &de) && len(de.Fields) == 0 {
			// The filter's theme: name the parameter.
			return badRequest(de.Message, fieldErr("theme", de.Message))
		}
	}
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
