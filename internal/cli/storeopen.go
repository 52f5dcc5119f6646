package cli

import (
	"context"

	"maillage/internal/auth"
	"maillage/internal/domain"
	"maillage/internal/store"
)

// openStore opens the database named by dsn (SQLite file path or postgres://
// URL), running the migrations; tests may replace it. Writes of the data
// core made by commands (imports, demo) are recorded in the audit log
// (auth.Guard; the command line is trusted, so nothing is refused).
var openStore = func(ctx context.Context, dsn string) (domain.Store, error) {
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return auth.Guard(st, st, nil), nil
}
