package sqldb

import (
	"context"
	"database/sql"
	"strconv"

	"maillage/internal/domain"
)

// naturalKey gives a record created in Maillage (source "maillage", no
// external id) its id as external id: the bulk upsert keys records by
// (source, external id), so that the import of an export, which names them
// maillage:<id>, updates them in place. search, when not nil, gives the
// record's search value once the external id is set (actors search it).
func (s *DB) naturalKey(ctx context.Context, tx *sql.Tx, table, source string, ext *string, id int64, search func() string) error {
	if source != domain.SourceMaillage || *ext != "" {
		return nil
	}
	*ext = strconv.FormatInt(id, 10)
	if search != nil {
		_, err := tx.ExecContext(ctx, s.D.Q("UPDATE "+table+" SET external_id = ?, search = ? WHERE id = ?"), *ext, search(), id)
		return err
	}
	_, err := tx.ExecContext(ctx, s.D.Q("UPDATE "+table+" SET external_id = ? WHERE id = ?"), *ext, id)
	return err
}
