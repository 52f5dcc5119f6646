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

// A table with only its header says so; a file cut inside its header is an
// error naming it.
func TestHeaderOnly(t *testing.T) {
	forEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		seedCOG(t, s)
		dir := t.TempDir()
		p := writeFile(t, dir, "actions.csv", "id;title;operator_id;themes;publics;zone\n")
		rep, err := ImportActions(ctx, s, p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Read != 0 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "actions.csv : aucune ligne de données") {
			t.Fatalf("read %d, warnings %q", rep.Read, rep.Warnings)
		}
		cut := t.TempDir()
		writeFile(t, cut, "actors.csv", "id;na")
		_, err = ImportActions(ctx, s, cut, Options{})
		wantErr(t, err, "actors.csv")
	})
}
