package sqldb

import (
	"fmt"
	"strings"
	"time"

	"maillage/internal/domain"
)

// JoinList encodes a list as '|a|b|' (” when empty): membership is then a
// substring test on '|code|' (see the migration header).
func JoinList(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	n := 1
	for _, x := range xs {
		n += len(x) + 1
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteByte('|')
	for _, x := range xs {
		b.WriteString(x)
		b.WriteByte('|')
	}
	return b.String()
}

// SplitList decodes JoinList's encoding (nil when empty).
func SplitList(s string) []string {
	s = strings.Trim(s, "|")
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

// ListItem is the parameter that tests membership of code in a list column.
func ListItem(code string) string { return "|" + code + "|" }

// Time scans a timestamp stored as SQLite text or PostgreSQL timestamptz.
type Time struct{ T *time.Time }

// Scan implements sql.Scanner.
func (t Time) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*t.T = time.Time{}
	case time.Time:
		*t.T = x.UTC()
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	default:
		return fmt.Errorf("timestamp: unexpected %T", v)
	}
	return nil
}

func (t Time) parse(s string) error {
	p, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p, err = time.Parse("2006-01-02 15:04:05.999999999-07:00", s)
	}
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", s, err)
	}
	*t.T = p.UTC()
	return nil
}

// Date scans a nullable date stored as SQLite text or PostgreSQL date.
type Date struct{ D **domain.Date }

// Scan implements sql.Scanner.
func (d Date) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*d.D = nil
	case time.Time:
		*d.D = &domain.Date{Time: time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, time.UTC)}
	case string, []byte:
		s := fmt.Sprint(x)
		if b, ok := x.([]byte); ok {
			s = string(b)
		}
		if len(s) > 10 {
			s = s[:10]
		}
		p, err := time.Parse("2006-01-02", s)
		if err != nil {
			return fmt.Errorf("date %q: %w", s, err)
		}
		*d.D = &domain.Date{Time: p}
	default:
		return fmt.Errorf("date: unexpected %T", v)
	}
	return nil
}

// DateArg is the parameter for a nullable date: "YYYY-MM-DD" text for
// SQLite, a time.Time for PostgreSQL's date (binary COPY needs it), or NULL.
func (d *Dialect) DateArg(x *domain.Date) any {
	if x == nil || x.IsZero() {
		return nil
	}
	if d.Dollar {
		return time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, time.UTC)
	}
	return x.String()
}

// NullString maps "" to NULL (external ids: several rows may lack one).
func NullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Placeholders returns "?, ?, ?" with n marks.
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// Rows returns "(?, ?), (?, ?)" for n rows of k columns.
func Rows(n, k int) string {
	row := "(" + Placeholders(k) + ")"
	var b strings.Builder
	b.Grow(n * (len(row) + 2))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// StringArgs converts strings to query arguments.
func StringArgs(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
