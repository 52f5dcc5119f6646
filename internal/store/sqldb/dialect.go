// Package sqldb is the part of Maillage's storage that SQLite and PostgreSQL
// share: the domain.Store methods written once over database/sql, with
// queries in "?" form (rebound to "$n" for PostgreSQL) and a small Dialect
// value for the few differences. The dialect packages (store/sqlite,
// store/postgres) open the connections and add their bulk-load path.
package sqldb

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"maillage/internal/domain"
)

// Dialect holds what differs between the databases.
type Dialect struct {
	// Name is "sqlite" or "postgres" (domain.Store.Dialect).
	Name string
	// Dollar rebinds "?" placeholders to "$1", "$2"... (PostgreSQL).
	Dollar bool
	// BeginRead starts a read-only transaction whose reads all see the
	// same state of the database (several queries read as one).
	BeginRead string
	// Contains returns a boolean SQL expression: text column col contains
	// the string parameter (a placeholder follows).
	Contains func(col string) string
	// MaxParams bounds the placeholders of one statement.
	MaxParams int

	cache sync.Map // query text → rebound text
}

// SQLite is the SQLite dialect.
var SQLite = &Dialect{
	Name:      "sqlite",
	BeginRead: "BEGIN", // WAL: the snapshot of the first read lasts until the end
	Contains:  func(col string) string { return "instr(" + col + ", ?) > 0" },
	MaxParams: 32766,
}

// Postgres is the PostgreSQL dialect.
var Postgres = &Dialect{
	Name:      "postgres",
	Dollar:    true,
	BeginRead: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	Contains:  func(col string) string { return "strpos(" + col + ", ?) > 0" },
	MaxParams: 65535,
}

// Q rebinds a query written with "?" placeholders for this dialect. Queries
// must not contain "?" inside string literals.
func (d *Dialect) Q(q string) string {
	if !d.Dollar {
		return q
	}
	if v, ok := d.cache.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	r := b.String()
	if len(q) < 4096 {
		d.cache.Store(q, r)
	}
	return r
}

// InStrings renders "col is one of xs": "col IN (?, ...)" for SQLite,
// "col = ANY(?)" with one text[] parameter for PostgreSQL (one plan for any
// list length, no parameter limit). An empty list matches nothing.
func (d *Dialect) InStrings(col string, xs []string) (string, []any) {
	if len(xs) == 0 {
		return "1 = 0", nil
	}
	if d.Dollar {
		return col + " = ANY(?)", []any{xs}
	}
	return col + " IN (" + Placeholders(len(xs)) + ")", StringArgs(xs)
}

// TimeArg converts a time to the parameter stored by the dialect: TEXT in
// SQLite (fixed-width RFC 3339 UTC, so text order is time order), the
// time itself for PostgreSQL's timestamptz.
func (d *Dialect) TimeArg(t time.Time) any {
	if d.Dollar {
		return t.UTC()
	}
	return FormatTime(t)
}

// TimeLayout is the SQLite text layout of timestamps.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// FormatTime writes t in TimeLayout, in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// IsUnique reports a unique-constraint violation.
func IsUnique(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// IsForeignKey reports a foreign-key violation.
func IsForeignKey(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}

// invalidText maps PostgreSQL's refusal of text it cannot store (a NUL
// byte, error 22021; an untranslatable character, 22P05) to a validation
// error, so that both databases refuse such input the same way instead of
// answering an internal error.
func invalidText(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "22021" || pe.Code == "22P05") {
		field := pe.ColumnName
		if field == "" {
			field = "texte"
		}
		return &domain.Error{Code: domain.EINVALID, Message: "Données invalides",
			Fields: []domain.FieldError{{Field: field, Reason: "le texte contient un caractère interdit (caractère nul)"}}}
	}
	return err
}
