package importer

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"maillage/internal/domain"
)

// A dry run does not claim to have written anything.
func TestDryRunWording(t *testing.T) {
	forEach(t, func(t *testing.T, s domain.Store) {
		seedCOG(t, s)
		dir := template(t, actorsCSV, actionsCSV, fundingsCSV)
		var log bytes.Buffer
		if _, err := ImportActions(context.Background(), s, dir, Options{DryRun: true, Log: &log}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(log.String(), "actions seraient écrites") || strings.Contains(log.String(), "actions écrites") {
			t.Fatalf("dry run log:\n%s", log.String())
		}
	})
}
