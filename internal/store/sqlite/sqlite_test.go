package sqlite_test

import (
	"testing"

	"maillage/internal/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, storetest.OpenSQLite)
}

func TestReopen(t *testing.T) {
	storetest.RunReopen(t, storetest.SQLiteReopener)
}
