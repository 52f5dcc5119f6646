package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"maillage/internal/domain"
)

// DB implements domain.Store (except Bulk, which each dialect package adds)
// over two database/sql pools: W for writes, R for reads. On SQLite W has a
// single connection opened with _txlock=immediate, so writers queue in Go
// instead of failing with SQLITE_BUSY, and R is a separate pool that reads
// the last committed state while an import runs (WAL). On PostgreSQL W and R
// are the same pool.
type DB struct {
	W *sql.DB
	R *sql.DB
	D *Dialect

	// Now returns the current time (tests may pin it).
	Now func() time.Time
}

// New wraps the pools.
func New(w, r *sql.DB, d *Dialect) *DB {
	return &DB{W: w, R: r, D: d, Now: time.Now}
}

// Dialect names the database.
func (s *DB) Dialect() string { return s.D.Name }

// Close closes both pools.
func (s *DB) Close() error {
	err := s.W.Close()
	if s.R != s.W {
		if e := s.R.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Queryer is what read helpers need: a pool or a transaction.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Write runs fn in a write transaction, bumps the data version and commits.
// Every write goes through it, so DataVersion moves with every change.
func (s *DB) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return invalidText(err)
	}
	if err := BumpDataVersion(ctx, tx, s.D); err != nil {
		return err
	}
	return tx.Commit()
}

// BumpDataVersion increments the data version inside tx.
func BumpDataVersion(ctx context.Context, tx Queryer, d *Dialect) error {
	if _, err := tx.ExecContext(ctx, d.Q(qBumpDataVersion)); err != nil {
		return fmt.Errorf("data version: %w", err)
	}
	return nil
}

// DataVersion returns the data version counter.
func (s *DB) DataVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.R.QueryRowContext(ctx, s.D.Q(qDataVersion)).Scan(&v)
	return v, err
}

// Visible returns an SQL condition on the table alias (owner_org,
// visibility) that keeps the rows the caller in ctx may see (see
// visibility.go; "1 = 1" for trusted callers).
func (s *DB) Visible(ctx context.Context, alias string) (string, []any) {
	if c := s.visibleCond(ctx, alias); c != "" {
		return c, nil
	}
	return "1 = 1", nil
}

// Setting returns a setting.
func (s *DB) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.R.QueryRowContext(ctx, s.D.Q(qSetting), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return v, true, nil
}

// SetSetting creates or replaces a setting.
func (s *DB) SetSetting(ctx context.Context, key, value string) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.D.Q(qSetSetting), key, value)
		return err
	})
}

// Referentials returns the referential entries in their declared order.
func (s *DB) Referentials(ctx context.Context) (*domain.Referentials, error) {
	return LoadReferentials(ctx, s.R, s.D)
}

// LoadReferentials reads the referentials through q.
func LoadReferentials(ctx context.Context, q Queryer, d *Dialect) (*domain.Referentials, error) {
	rows, err := q.QueryContext(ctx, d.Q(qReferentials))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var es []domain.RefEntry
	for rows.Next() {
		var e domain.RefEntry
		var di string
		if err := rows.Scan(&e.Kind, &e.Code, &e.Label, &e.Need, &di); err != nil {
			return nil, err
		}
		e.DataInclusion = SplitList(di)
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return domain.NewReferentials(es), nil
}

// PutRefEntry adds or replaces a referential entry.
func (s *DB) PutRefEntry(ctx context.Context, e domain.RefEntry) error {
	var v domain.Validation
	switch e.Kind {
	case domain.RefTheme, domain.RefPublic, domain.RefActorType, domain.RefLabel:
	default:
		v.Add("kind", "référentiel inconnu %q (attendu : theme, public, actor_type, label)", e.Kind)
	}
	if !domain.IsCode(e.Code) {
		v.Add("code", "code invalide %q (minuscules, chiffres et _)", e.Code)
	}
	if e.Label == "" {
		v.Add("label", "obligatoire")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.Write(ctx, func(tx *sql.Tx) error {
		return putRefEntry(ctx, tx, s.D, e, -1)
	})
}

// putRefEntry upserts one entry; pos < 0 appends it after the existing ones.
func putRefEntry(ctx context.Context, tx Queryer, d *Dialect, e domain.RefEntry, pos int) error {
	if pos < 0 {
		if err := tx.QueryRowContext(ctx, d.Q(qRefNextPosition), e.Kind).Scan(&pos); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, d.Q(qPutRefEntry), e.Kind, e.Code, e.Label, e.Need, JoinList(e.DataInclusion), pos)
	return err
}

// Seed inserts what a fresh database needs: the instance organisation, the
// default referentials and the default indicator catalogue. It runs once
// (the setting "seed.core" records it), so an administrator's later changes
// to those rows stick.
func Seed(ctx context.Context, db *sql.DB, d *Dialect) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var done int
	if err := tx.QueryRowContext(ctx, d.Q(qSeedDone)).Scan(&done); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if done > 0 {
		return nil
	}
	now := d.TimeArg(time.Now())
	if _, err := tx.ExecContext(ctx, d.Q(qSeedOrganisation), domain.InstanceOrganisation, "Instance", now, now); err != nil {
		return fmt.Errorf("seed organisation: %w", err)
	}
	for i, e := range domain.DefaultReferentials().All() {
		if err := putRefEntry(ctx, tx, d, e, i); err != nil {
			return fmt.Errorf("seed referentials: %w", err)
		}
	}
	for _, ind := range domain.DefaultIndicators() {
		ind.Meta.Defaults(domain.VisibilityPublic)
		if _, err := tx.ExecContext(ctx, d.Q(qSeedIndicator), ind.Code, ind.Label, ind.Unit, ind.Source, ind.Definition,
			JoinList(ind.Publics), ind.OwnerOrg, string(ind.Visibility), now, now); err != nil {
			return fmt.Errorf("seed indicators: %w", err)
		}
	}
	if d.Dollar {
		// Explicit ids do not advance identity sequences.
		if _, err := tx.ExecContext(ctx, qSyncOrgSequence); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, d.Q(qSetSetting), "seed.core", "1"); err != nil {
		return err
	}
	return tx.Commit()
}
