// Package demo builds Maillage's demo content: a deterministic, realistic
// fictional département, and a national-size data set for benchmarks.
package demo

import (
	"context"
	"errors"

	"maillage/internal/domain"
)

// Build loads the demo territory into an empty store.
func Build(ctx context.Context, s domain.Store) error {
	return errors.New("démo pas encore disponible")
}
