package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"maillage/internal/domain"
)

// Free-text search (migration 0004_search): actions, actors and territories
// keep in a `search` column domain.SearchFold of the fields a text filter
// looks in, separated by tabs, and the filter is `search LIKE ?` with the
// folded text as pattern. Both sides are folded in Go, so the two databases
// answer the same; a folded query has no tab (white space collapses to
// spaces), so a match never spans two fields.

// searchSep separates the fields of a search value: a tab, which no folded
// text contains (a line feed would do too, but would split the rows of the
// CSV files that tools export the tables to). It also makes every search
// value non-empty, so that an empty one means "not computed yet".
const searchSep = '\t'

// searchText builds search values, reusing one buffer.
type searchText struct{ buf []byte }

func (st *searchText) of(fields ...string) string {
	b := st.buf[:0]
	for i, f := range fields {
		if i > 0 {
			b = append(b, searchSep)
		}
		b = domain.AppendSearchFold(b, f)
	}
	st.buf = b
	return string(b)
}

// action is the search value of an action: title, description.
func (st *searchText) action(a *domain.Action) string { return st.of(a.Title, a.Description) }

// ActionSearch returns the search value the store writes for an action
// (for tools that write the actions table themselves: the benchmarks).
func ActionSearch(a *domain.Action) string { return new(searchText).action(a) }

// actor is the search value of an actor: name, SIREN, SIRET, external id.
func (st *searchText) actor(a *domain.Actor) string {
	return st.of(a.Name, a.SIREN, a.SIRET, a.ExternalID)
}

// territory is the search value of a territory: code, name.
func (st *searchText) territory(t *domain.Territory) string { return st.of(t.Code, t.Name) }

// searchCond returns the condition "col matches text" and its arguments:
// the folded text anywhere in col, LIKE wildcards typed by the user taken
// literally. With digits, when text is only digits and spaces ("130 025
// 265"), the digits alone match too (a SIREN or SIRET typed in groups).
func searchCond(col, text string, digits bool) (string, []any) {
	folded := domain.SearchFold(text)
	cond := col + " LIKE ? ESCAPE '\\'"
	args := []any{likePattern(folded)}
	if digits && strings.Contains(folded, " ") && strings.Trim(folded, "0123456789 ") == "" {
		cond = "(" + cond + " OR " + col + " LIKE ? ESCAPE '\\')"
		args = append(args, likePattern(strings.ReplaceAll(folded, " ", "")))
	}
	return cond, args
}

// territorySearch returns the condition of a territory text filter: the
// folded text at the start of the code or anywhere in the name (the
// search value is code, tab, name: "18" finds the Cher and its communes'
// codes, not every code containing 18), and the ORDER BY that puts the
// territory whose code is the text first.
func territorySearch(text string) (cond string, args []any, order string, orderArgs []any) {
	folded := likeEscaper.Replace(domain.SearchFold(text))
	cond = "(t.search LIKE ? ESCAPE '\\' OR t.search LIKE ? ESCAPE '\\')"
	args = []any{folded + "%", "%" + string(searchSep) + "%" + folded + "%"}
	order = " ORDER BY CASE WHEN t.search LIKE ? ESCAPE '\\' THEN 0 ELSE 1 END, t.code"
	orderArgs = []any{folded + string(searchSep) + "%"}
	return cond, args, order, orderArgs
}

// searchBackfill describes how to compute the search value of a table's
// rows from their stored fields.
type searchBackfill struct {
	table, key string
	cols       string // the key first, then the fields
	n          int    // the number of cols
	keyArray   string // PostgreSQL array type of the key
	value      func(st *searchText, fields []string) string
}

var searchBackfills = []searchBackfill{
	{"territories", "code", "code, code, name", 3, "text[]", func(st *searchText, f []string) string {
		return st.of(f[0], f[1])
	}},
	{"actors", "id", "id, name, siren, siret, coalesce(external_id, '')", 5, "bigint[]", func(st *searchText, f []string) string {
		return st.of(f...)
	}},
	{"actions", "id", "id, title, description", 3, "bigint[]", func(st *searchText, f []string) string {
		return st.of(f...)
	}},
}

// BackfillBatch is how many rows BackfillSearch computes per transaction
// (a variable so that tests can make batches small).
var BackfillBatch = 5000

// BackfillSearch fills the search column of the rows that have none: every
// row of a database created before migration 0004, or after a migration
// that empties the column. It reads and writes BackfillBatch rows per
// transaction, in key order (a national database never sits in memory),
// and costs one index probe per table when there is nothing to do (the
// partial indexes *_search_pending hold exactly the rows to fill). Rows
// written meanwhile by another server already carry their value and are
// left alone (the update requires the column still empty), so concurrent
// runs are harmless.
func BackfillSearch(ctx context.Context, db *sql.DB, d *Dialect) error {
	for _, bf := range searchBackfills {
		if err := bf.run(ctx, db, d); err != nil {
			return fmt.Errorf("recherche : calcul de la colonne search de %s : %w", bf.table, err)
		}
	}
	return nil
}

func (bf *searchBackfill) run(ctx context.Context, db *sql.DB, d *Dialect) error {
	var st searchText
	after := any(nil) // the last key done
	for {
		q := "SELECT " + bf.cols + " FROM " + bf.table + " WHERE search = ''"
		var args []any
		if after != nil {
			q += " AND " + bf.key + " > ?"
			args = append(args, after)
		}
		q += " ORDER BY " + bf.key + fmt.Sprintf(" LIMIT %d", BackfillBatch)
		keys, values, err := bf.batch(ctx, db, d.Q(q), args, &st)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		if err := bf.write(ctx, db, d, keys, values); err != nil {
			return err
		}
		if len(keys) < BackfillBatch {
			return nil
		}
		after = keys[len(keys)-1]
	}
}

// batch reads the next rows to fill and computes their values.
func (bf *searchBackfill) batch(ctx context.Context, db *sql.DB, q string, args []any, st *searchText) ([]any, []string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var keys []any
	var values []string
	n := bf.n
	fields := make([]string, n)
	ptrs := make([]any, n)
	var key any
	ptrs[0] = &key
	for i := 1; i < n; i++ {
		ptrs[i] = &fields[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		if b, ok := key.([]byte); ok {
			key = string(b)
		}
		keys = append(keys, key)
		values = append(values, bf.value(st, fields[1:]))
	}
	return keys, values, rows.Err()
}

// write stores a batch of values in one transaction.
func (bf *searchBackfill) write(ctx context.Context, db *sql.DB, d *Dialect, keys []any, values []string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if d.Dollar {
		// One statement per batch: the arrays travel as two parameters.
		var ks any
		if bf.keyArray == "text[]" {
			s := make([]string, len(keys))
			for i, k := range keys {
				s[i] = k.(string)
			}
			ks = s
		} else {
			s := make([]int64, len(keys))
			for i, k := range keys {
				s[i] = k.(int64)
			}
			ks = s
		}
		_, err := tx.ExecContext(ctx, "UPDATE "+bf.table+" AS t SET search = v.s FROM unnest($1::"+bf.keyArray+", $2::text[]) AS v(k, s) WHERE t."+bf.key+" = v.k AND t.search = ''", ks, values)
		if err != nil {
			return err
		}
		return tx.Commit()
	}
	st, err := tx.PrepareContext(ctx, "UPDATE "+bf.table+" SET search = ? WHERE "+bf.key+" = ? AND search = ''")
	if err != nil {
		return err
	}
	defer st.Close()
	for i, k := range keys {
		if _, err := st.ExecContext(ctx, values[i], k); err != nil {
			return err
		}
	}
	return tx.Commit()
}
