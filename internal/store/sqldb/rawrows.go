package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"

	"maillage/internal/domain"
)

// Rows of the whole-table streams (AllActions, AllFundings,
// AllIndicatorValues: 13 million rows for the national analysis snapshot)
// are read at the driver level: database/sql's Scan converts each column by
// reflection, which cost as much as SQLite reading the rows. The decoders
// take the driver's values (string, []byte, int64, float64, time.Time or
// nil) and serve the ordinary Scan path too (scanning into *any), so each
// table has one decoder.

// scanValues scans the current row of sc into n driver-level values.
func scanValues(sc interface{ Scan(...any) error }, n int) ([]any, error) {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, sc.Scan(ptrs...)
}

// streamRaw runs query on a connection of db and yields decode of each row,
// reading the driver's rows directly.
func streamRaw[T any](ctx context.Context, db *sql.DB, query string, decode func([]any) (T, error), args ...any) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		stopped := false
		err := withRawConn(ctx, db, func(qc driver.QueryerContext) error {
			rows, err := qc.QueryContext(ctx, query, namedArgs(args))
			if err != nil {
				return err
			}
			defer rows.Close()
			return eachRaw(ctx, rows, func(vals []any) error {
				x, err := decode(vals)
				if err != nil {
					return err
				}
				if !yield(x, nil) {
					stopped = true
					return errStop
				}
				return nil
			})
		})
		if err != nil && !stopped {
			yield(zero, err)
		}
	}
}

// errStop ends a raw iteration when the consumer stops.
var errStop = errors.New("stop")

// withRawConn runs fn on a connection of db, as a driver.QueryerContext.
func withRawConn(ctx context.Context, db *sql.DB, fn func(driver.QueryerContext) error) error {
	return withRawRead(ctx, db, "", fn)
}

// withRawRead is withRawConn inside a read transaction begun by the
// statement begin (Dialect.BeginRead; "" for none), rolled back at the end:
// the queries of fn all see the same state of the database.
func withRawRead(ctx context.Context, db *sql.DB, begin string, fn func(driver.QueryerContext) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var ferr error
	err = conn.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("driver %T cannot query directly", dc)
		}
		if begin == "" {
			ferr = fn(qc)
			return nil
		}
		ec, ok := dc.(driver.ExecerContext)
		if !ok {
			return fmt.Errorf("driver %T cannot execute directly", dc)
		}
		if _, err := ec.ExecContext(ctx, begin, nil); err != nil {
			return err
		}
		ferr = fn(qc)
		// database/sql does not know of this transaction: end it before
		// the connection goes back to the pool, or discard the connection.
		if _, err := ec.ExecContext(context.WithoutCancel(ctx), "ROLLBACK", nil); err != nil {
			return driver.ErrBadConn
		}
		return nil
	})
	if err == nil {
		err = ferr
	}
	if errors.Is(err, errStop) {
		return errStop
	}
	return err
}

// rawValue returns a function that runs a one-value query on qc (nil when
// no row or NULL).
func rawValue(ctx context.Context, qc driver.QueryerContext) func(q string, args ...any) (any, error) {
	return func(q string, args ...any) (any, error) {
		rows, err := qc.QueryContext(ctx, q, namedArgs(args))
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		dest := make([]driver.Value, len(rows.Columns()))
		if err := rows.Next(dest); err != nil {
			if err == io.EOF {
				return nil, nil
			}
			return nil, err
		}
		return dest[0], nil
	}
}

// eachRaw calls fn with the values of every row (the slice is reused).
func eachRaw(ctx context.Context, rows driver.Rows, fn func([]any) error) error {
	dest := make([]driver.Value, len(rows.Columns()))
	vals := make([]any, len(dest))
	for n := 0; ; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if err := rows.Next(dest); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		for i, v := range dest {
			vals[i] = v
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
}

func namedArgs(args []any) []driver.NamedValue {
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		if n, ok := a.(int); ok {
			a = int64(n)
		}
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return nv
}

// The column decoders below accept what either driver returns for the
// column's type.

func colString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case nil:
		return "", nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	}
	return "", fmt.Errorf("texte attendu, %T reçu", v)
}

func colInt(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case float64:
		return int64(x), nil
	case nil:
		return 0, nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	case []byte:
		return strconv.ParseInt(string(x), 10, 64)
	}
	return 0, fmt.Errorf("entier attendu, %T reçu", v)
}

func colFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	case nil:
		return 0, nil
	case string:
		return strconv.ParseFloat(x, 64)
	case []byte:
		return strconv.ParseFloat(string(x), 64)
	}
	return 0, fmt.Errorf("nombre attendu, %T reçu", v)
}

// colTime decodes a timestamp (SQLite RFC 3339 text, PostgreSQL timestamptz).
func colTime(v any) (time.Time, error) {
	var t time.Time
	err := Time{&t}.Scan(v)
	return t, err
}

// colDate decodes a nullable date.
func colDate(v any) (*domain.Date, error) {
	var d *domain.Date
	err := Date{&d}.Scan(v)
	return d, err
}

// decoder accumulates the first error of a row's column decoders, so that a
// decode function reads as a list of fields.
type decoder struct {
	vals []any
	err  error
}

func (d *decoder) fail(i int, err error) {
	if d.err == nil {
		d.err = fmt.Errorf("colonne %d : %w", i+1, err)
	}
}

func (d *decoder) str(i int) string {
	s, err := colString(d.vals[i])
	if err != nil {
		d.fail(i, err)
	}
	return s
}

func (d *decoder) int(i int) int64 {
	n, err := colInt(d.vals[i])
	if err != nil {
		d.fail(i, err)
	}
	return n
}

func (d *decoder) float(i int) float64 {
	f, err := colFloat(d.vals[i])
	if err != nil {
		d.fail(i, err)
	}
	return f
}

func (d *decoder) time(i int) time.Time {
	t, err := colTime(d.vals[i])
	if err != nil {
		d.fail(i, err)
	}
	return t
}

func (d *decoder) date(i int) *domain.Date {
	t, err := colDate(d.vals[i])
	if err != nil {
		d.fail(i, err)
	}
	return t
}
