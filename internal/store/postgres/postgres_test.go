package postgres_test

import (
	"context"
	"testing"

	"maillage/internal/domain"

	"maillage/internal/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, storetest.OpenPostgres)
}

// PostgreSQL cannot store a NUL byte in text; the store must refuse it as
// invalid input (400 in the API), not fail with an internal error.
func TestNulInTextIsInvalid(t *testing.T) {
	s := storetest.OpenPostgres(t)
	a := &domain.Actor{Name: "Centre\x00social", Type: "centre_social"}
	err := s.CreateActor(context.Background(), a)
	if domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("CreateActor with a NUL byte: got %v (code %q), want an invalid-input error", err, domain.ErrorCode(err))
	}
	page, err := s.Actors(context.Background(), domain.ActorFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 0 {
		t.Fatalf("%d actors stored after a refused create", page.Total)
	}
}

func TestReopen(t *testing.T) {
	storetest.RunReopen(t, storetest.PostgresReopener)
}
