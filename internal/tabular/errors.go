package tabular

import (
	"fmt"
	"strings"

	"maillage/internal/domain"
)

// LineError locates a problem in an input file: file, sheet (XLSX), line and
// field, and says why, in French:
//
//	actions.csv, ligne 12, champ « capacity » : nombre invalide "douze"
type LineError struct {
	File   string // base name of the file
	Sheet  string // XLSX sheet, empty for CSV and JSON
	Line   int    // 1-based line (CSV) or row (XLSX); 0 when not known
	Item   int    // 1-based element of a JSON array or GeoJSON collection, when Line is 0
	Field  string // column or property; empty for a whole-line problem
	Reason string
}

func (e *LineError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Sheet != "" {
		fmt.Fprintf(&b, ", feuille « %s »", e.Sheet)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ", ligne %d", e.Line)
	} else if e.Item > 0 {
		fmt.Fprintf(&b, ", élément %d", e.Item)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ", champ « %s »", e.Field)
	}
	b.WriteString(" : ")
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap makes a LineError a domain error with code EINVALID (the caller's
// file is at fault).
func (e *LineError) Unwrap() error {
	return &domain.Error{Code: domain.EINVALID, Message: e.Error()}
}
