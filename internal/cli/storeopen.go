package cli

import (
	"context"

	"maillage/internal/domain"
	"maillage/internal/store"
)

// openStore opens the database named by dsn (SQLite file path or postgres://
// URL), running the migrations; tests may replace it.
var openStore = func(ctx context.Context, dsn string) (domain.Store, error) {
	return store.Open(ctx, dsn)
}
