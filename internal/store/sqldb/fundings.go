package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"iter"
	"strconv"
	"strings"

	"maillage/internal/domain"
)

func scanFunding(sc interface{ Scan(...any) error }) (domain.Funding, error) {
	vals, err := scanValues(sc, 10)
	if err != nil {
		return domain.Funding{}, err
	}
	return decodeFunding(vals)
}

// decodeFunding decodes the fundingCols.
func decodeFunding(vals []any) (domain.Funding, error) {
	d := decoder{vals: vals}
	f := domain.Funding{ID: d.int(0), ActionID: d.int(1), FunderID: d.int(2), Year: int(d.int(3)), Amount: d.float(4)}
	f.Meta = domain.Meta{OwnerOrg: d.int(5), Visibility: domain.Visibility(d.str(6)), CreatedAt: d.time(7),
		UpdatedAt: d.time(8), Version: d.int(9)}
	return f, d.err
}

// Funding returns a funding by id.
func (s *DB) Funding(ctx context.Context, id int64) (*domain.Funding, error) {
	f, err := scanFunding(s.R.QueryRowContext(ctx, s.D.Q(qFunding)+s.andVisible(ctx, "f"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.NotFound("Financement", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// Fundings lists fundings ordered by id.
func (s *DB) Fundings(ctx context.Context, ff domain.FundingFilter) (domain.Page[domain.Funding], error) {
	page := domain.Page[domain.Funding]{Items: []domain.Funding{}, Offset: ff.Offset, Limit: ff.Limit}
	var where []string
	var args []any
	if ff.Action != 0 {
		where = append(where, "f.action_id = ?")
		args = append(args, ff.Action)
	}
	if ff.Funder != 0 {
		where = append(where, "f.funder_id = ?")
		args = append(args, ff.Funder)
	}
	if ff.Year != 0 {
		where = append(where, "f.year = ?")
		args = append(args, ff.Year)
	}
	if v := s.visibleCond(ctx, "f"); v != "" {
		where = append(where, v)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	if err := s.R.QueryRowContext(ctx, s.D.Q("SELECT count(*) FROM fundings f"+cond), args...).Scan(&page.Total); err != nil {
		return page, err
	}
	for f, err := range streamRows(ctx, s.R, s.D.Q("SELECT "+fundingCols+" FROM fundings f"+cond+" ORDER BY f.id"+limitClause(ff.Offset, ff.Limit)), scanFunding, args...) {
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, f)
	}
	return page, nil
}

func fundingDuplicate(f *domain.Funding) error {
	return domain.Errorf(domain.ECONFLICT, "L'acteur %d finance déjà l'action %d pour l'année %d", f.FunderID, f.ActionID, f.Year)
}

// CreateFunding validates and inserts a funding.
func (s *DB) CreateFunding(ctx context.Context, f *domain.Funding) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		if err := NewChecker(tx, s.D).Funding(ctx, f); err != nil {
			return err
		}
		now := s.Now().UTC()
		err := tx.QueryRowContext(ctx, s.D.Q(qCreateFunding), f.ActionID, f.FunderID, f.Year, f.Amount, f.OwnerOrg, string(f.Visibility),
			s.D.TimeArg(now), s.D.TimeArg(now)).Scan(&f.ID)
		if IsUnique(err) {
			return fundingDuplicate(f)
		}
		if err != nil {
			return err
		}
		f.CreatedAt, f.UpdatedAt, f.Version = now, now, 1
		return nil
	})
}

// UpdateFunding updates a funding carrying the version it read.
func (s *DB) UpdateFunding(ctx context.Context, f *domain.Funding) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		if err := NewChecker(tx, s.D).Funding(ctx, f); err != nil {
			return err
		}
		now := s.Now().UTC()
		res, err := tx.ExecContext(ctx, s.D.Q(qUpdateFunding), f.ActionID, f.FunderID, f.Year, f.Amount, f.OwnerOrg, string(f.Visibility),
			s.D.TimeArg(now), f.ID, f.Version)
		if IsUnique(err) {
			return fundingDuplicate(f)
		}
		if err != nil {
			return err
		}
		if err := versionCheck(ctx, tx, s.D, res, qFundingVersion, "Financement", "Le financement", f.ID); err != nil {
			return err
		}
		f.UpdatedAt = now
		f.Version++
		return nil
	})
}

// DeleteFunding deletes a funding.
func (s *DB) DeleteFunding(ctx context.Context, id int64) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.D.Q(qDeleteFunding), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("Financement", strconv.FormatInt(id, 10))
		}
		return nil
	})
}

// AllFundings streams every funding ordered by id.
func (s *DB) AllFundings(ctx context.Context) iter.Seq2[domain.Funding, error] {
	return streamRaw(ctx, s.R, s.D.Q(s.visibleQuery(ctx, qAllFundings, "f")), decodeFunding)
}
