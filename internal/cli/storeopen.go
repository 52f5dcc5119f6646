package cli

import (
	"context"
	"errors"

	"maillage/internal/domain"
)

// openStore is replaced by store.Open once the storage package lands.
var openStore = func(ctx context.Context, dsn string) (domain.Store, error) {
	return nil, errors.New("storage not wired yet")
}
