package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/xuri/excelize/v2"

	"maillage/internal/demo"
	"maillage/internal/domain"
	"maillage/internal/export"
	"maillage/internal/importer"
	"maillage/internal/store/storetest"
	"maillage/internal/testutil"
)

// fresh returns a new empty store of the same database as s.
func fresh(t *testing.T, s domain.Store) domain.Store {
	if s.Dialect() == "postgres" {
		return storetest.OpenPostgres(t)
	}
	return storetest.OpenSQLite(t)
}

func exportTo(t *testing.T, s domain.Store, kind, format string, f export.Filter) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := export.Export(context.Background(), s, kind, format, f, &b); err != nil {
		t.Fatalf("export %s %s: %v", kind, format, err)
	}
	return b.Bytes()
}

// actionKey describes an action by content, with its operator and funders
// named by template id, so two databases can be compared.
func actionKeys(t *testing.T, s domain.Store) ([]string, []string) {
	t.Helper()
	ctx := context.Background()
	actorID := map[int64]string{}
	for a, err := range s.AllActors(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		actorID[a.ID] = export.ID(a.Source, a.ExternalID, a.ID)
		// An actor re-imported from an export has source "import" and the
		// exported id as external id: both sides then read the same.
	}
	actionID := map[int64]string{}
	var actions []string
	for a, err := range s.AllActions(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		id := export.ID(a.Source, a.ExternalID, a.ID)
		actionID[a.ID] = id
		d := func(x *domain.Date) string {
			if x == nil {
				return ""
			}
			return x.String()
		}
		actions = append(actions, fmt.Sprintf("%s|%s|%s|%v|%v|%v|%v|%v|%v|%s|%s|%s", id, a.Title, actorID[a.OperatorID],
			a.Themes, a.Publics, a.Labels, a.Zone, a.Places, a.Capacity, d(a.StartDate), d(a.EndDate), a.Description))
	}
	var fundings []string
	for f, err := range s.AllFundings(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		fundings = append(fundings, fmt.Sprintf("%s|%s|%d|%.2f", actionID[f.ActionID], actorID[f.FunderID], f.Year, f.Amount))
	}
	slices.Sort(actions)
	slices.Sort(fundings)
	return actions, fundings
}

// TestRoundTrip exports the demo's actors, actions and fundings as CSV and
// as XLSX, imports them into a fresh database holding only the demo's
// territories, and finds the same actions and fundings.
func TestRoundTrip(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		if err := demo.Build(ctx, s); err != nil {
			t.Fatal(err)
		}
		wantActions, wantFundings := actionKeys(t, s)
		for _, format := range []string{"csv", "xlsx"} {
			t.Run(format, func(t *testing.T) {
				dir := t.TempDir()
				for _, kind := range []string{"actors", "actions", "fundings"} {
					b := exportTo(t, s, kind, format, export.Filter{})
					if err := os.WriteFile(filepath.Join(dir, kind+"."+format), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				dst := fresh(t, s)
				if err := demo.LoadTerritories(ctx, dst); err != nil {
					t.Fatal(err)
				}
				if _, err := importer.ImportActions(ctx, dst, dir, importer.Options{}); err != nil {
					t.Fatalf("re-import of the %s export: %v", format, err)
				}
				gotActions, gotFundings := actionKeys(t, dst)
				if len(gotActions) != len(wantActions) {
					t.Fatalf("%d actions after the round trip, want %d", len(gotActions), len(wantActions))
				}
				for i := range wantActions {
					if gotActions[i] != wantActions[i] {
						t.Fatalf("action differs after the round trip:\n got %s\nwant %s", gotActions[i], wantActions[i])
					}
				}
				if !slices.Equal(gotFundings, wantFundings) {
					t.Fatalf("fundings differ after the round trip (%d against %d)", len(gotFundings), len(wantFundings))
				}
				// Importing the same export again changes nothing.
				if _, err := importer.ImportActions(ctx, dst, dir, importer.Options{}); err != nil {
					t.Fatal(err)
				}
				if again, _ := actionKeys(t, dst); len(again) != len(wantActions) {
					t.Fatalf("a second import left %d actions, want %d", len(again), len(wantActions))
				}
			})
		}
	})
}

func TestExportFormats(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		if err := demo.Build(ctx, s); err != nil {
			t.Fatal(err)
		}
		d := demo.Generate(demo.Seed)

		// CSV: BOM, ';', CRLF, template columns first.
		csv := exportTo(t, s, "actions", "csv", export.Filter{})
		if !bytes.HasPrefix(csv, []byte("\xEF\xBB\xBFid;title;operator_id;themes;publics;zone;commune;capacity;start_date;end_date;labels;description;")) {
			t.Errorf("actions CSV starts with %q", csv[:min(120, len(csv))])
		}
		if n := bytes.Count(csv, []byte("\r\n")); n != len(d.Actions)+1 {
			t.Errorf("actions CSV has %d CRLF lines, want %d", n, len(d.Actions)+1)
		}
		for _, kind := range []string{"actors", "fundings", "indicators", "territories"} {
			b := exportTo(t, s, kind, "csv", export.Filter{})
			if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) || !bytes.Contains(b[:100], []byte(";")) {
				t.Errorf("%s CSV: no BOM or no ';': %q", kind, b[:min(60, len(b))])
			}
		}

		// Filters.
		parent := exportTo(t, s, "actions", "csv", export.Filter{Theme: "parentalite", Year: 2023})
		all := bytes.Count(csv, []byte("\r\n"))
		if n := bytes.Count(parent, []byte("\r\n")); n < 10 || n >= all {
			t.Errorf("theme filter kept %d of %d lines", n, all)
		}
		epci := d.EPCIs[0]
		terr := exportTo(t, s, "territories", "csv", export.Filter{Territory: epci.Code})
		if n := bytes.Count(terr, []byte("\r\n")); n != len(epci.Members)+2 {
			t.Errorf("territories of %s: %d lines, want %d", epci.Code, n, len(epci.Members)+2)
		}
		ind := exportTo(t, s, "indicators", "csv", export.Filter{Territory: epci.Code, Year: 2023, Theme: "petite_enfance"})
		if n := bytes.Count(ind, []byte("\r\n")); n != len(epci.Members)+2 || !bytes.Contains(ind, []byte(";pop_0_2;2023;")) {
			t.Errorf("indicators of %s in 2023 for petite_enfance: %d lines\n%s", epci.Code, n, ind[:min(200, len(ind))])
		}

		// XLSX opens with excelize.
		x := exportTo(t, s, "actions", "xlsx", export.Filter{})
		f, err := excelize.OpenReader(bytes.NewReader(x))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("actions")
		if err != nil || len(rows) != len(d.Actions)+1 || rows[0][1] != "title" {
			t.Errorf("actions sheet: %d rows, %v", len(rows), err)
		}

		// JSON.
		var acts []domain.Action
		if err := json.Unmarshal(exportTo(t, s, "actions", "json", export.Filter{}), &acts); err != nil || len(acts) != len(d.Actions) {
			t.Errorf("actions JSON: %d actions, %v", len(acts), err)
		}

		// GeoJSON: every demo action is located.
		var fc struct {
			Type     string `json:"type"`
			Features []struct {
				Geometry *struct {
					Type        string    `json:"type"`
					Coordinates []float64 `json:"coordinates"`
				} `json:"geometry"`
			} `json:"features"`
		}
		if err := json.Unmarshal(exportTo(t, s, "actions", "geojson", export.Filter{}), &fc); err != nil {
			t.Fatal(err)
		}
		if fc.Type != "FeatureCollection" || len(fc.Features) != len(d.Actions) {
			t.Fatalf("actions GeoJSON: %s with %d features", fc.Type, len(fc.Features))
		}
		for _, ft := range fc.Features {
			if ft.Geometry == nil || ft.Geometry.Type != "Point" || ft.Geometry.Coordinates[1] < 46 || ft.Geometry.Coordinates[1] > 47.5 {
				t.Fatalf("action feature not located in the demo département: %+v", ft.Geometry)
			}
		}
		var terrs struct {
			Features []struct {
				Geometry json.RawMessage `json:"geometry"`
			} `json:"features"`
		}
		if err := json.Unmarshal(exportTo(t, s, "territories", "geojson", export.Filter{Territory: demo.DeptCode}), &terrs); err != nil {
			t.Fatal(err)
		}
		if len(terrs.Features) < len(d.Communes) || !bytes.Contains(terrs.Features[1].Geometry, []byte("Polygon")) {
			t.Errorf("territories GeoJSON: %d features", len(terrs.Features))
		}

		// GeoJSON does not exist for fundings: a clear error, nothing written.
		var b bytes.Buffer
		err = export.Export(ctx, s, "fundings", "geojson", export.Filter{}, &b)
		if domain.ErrorCode(err) != domain.EINVALID || b.Len() != 0 || !strings.Contains(err.Error(), "geojson") {
			t.Errorf("fundings as geojson: %v (%d bytes written)", err, b.Len())
		}
		if err := export.Export(ctx, s, "actions", "csv", export.Filter{Theme: "cuisine"}, &b); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("unknown theme: %v", err)
		}
		if err := export.Export(ctx, s, "actions", "csv", export.Filter{Territory: "99999"}, &b); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("unknown territory: %v", err)
		}
	})
}

// TestDataInclusion validates the data·inclusion export of the demo against
// the v1 JSON schemas and imports it back.
func TestDataInclusion(t *testing.T) {
	schemaDir := filepath.Join(testutil.SharedData(t), "..", "ref", "data-inclusion", "data-inclusion-schema", "schemas", "v1")
	c := jsonschema.NewCompiler()
	structure, err := c.Compile(filepath.Join(schemaDir, "structure.json"))
	if err != nil {
		t.Fatal(err)
	}
	service, err := c.Compile(filepath.Join(schemaDir, "service.json"))
	if err != nil {
		t.Fatal(err)
	}
	storetest.ForEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		if err := demo.Build(ctx, s); err != nil {
			t.Fatal(err)
		}
		b := exportTo(t, s, "data-inclusion", "json", export.Filter{})
		var doc struct {
			Structures []json.RawMessage `json:"structures"`
			Services   []json.RawMessage `json:"services"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		d := demo.Generate(demo.Seed)
		if len(doc.Structures) != len(d.Actors) || len(doc.Services) != len(d.Actions) {
			t.Fatalf("%d structures and %d services, want %d and %d", len(doc.Structures), len(doc.Services), len(d.Actors), len(d.Actions))
		}
		check := func(sch *jsonschema.Schema, raw json.RawMessage) {
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(v); err != nil {
				t.Fatalf("%s\ndoes not follow the schema: %v", raw, err)
			}
		}
		for _, raw := range doc.Structures {
			check(structure, raw)
		}
		withThemes := 0
		for _, raw := range doc.Services {
			check(service, raw)
			if bytes.Contains(raw, []byte(`"thematiques":["`)) {
				withThemes++
			}
		}
		if withThemes < len(doc.Services)*9/10 {
			t.Errorf("only %d of %d services have thématiques", withThemes, len(doc.Services))
		}
		// The source ids come back: import into a fresh database, export again.
		dst := fresh(t, s)
		if err := demo.LoadTerritories(ctx, dst); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "di.json")
		os.WriteFile(path, b, 0o644)
		if _, err := importer.ImportDataInclusion(ctx, dst, path, importer.Options{SkipInvalid: true, RejectsPath: filepath.Join(t.TempDir(), "rejets.csv")}); err != nil {
			t.Fatal(err)
		}
		var again struct {
			Services []struct {
				ID     string `json:"id"`
				Source string `json:"source"`
			} `json:"services"`
		}
		if err := json.Unmarshal(exportTo(t, dst, "data-inclusion", "json", export.Filter{}), &again); err != nil {
			t.Fatal(err)
		}
		if len(again.Services) < len(doc.Services)*9/10 {
			t.Fatalf("%d services after a data·inclusion round trip, want about %d", len(again.Services), len(doc.Services))
		}
		for _, sv := range again.Services {
			if sv.Source != export.DataInclusionSource || !strings.HasPrefix(sv.ID, "maillage--demo:act-") {
				t.Fatalf("service id not kept: %s %s", sv.Source, sv.ID)
			}
		}
	})
}

func TestTemplateXLSX(t *testing.T) {
	var b bytes.Buffer
	ref := domain.DefaultReferentials()
	if err := export.TemplateXLSX(ref, export.TemplateSheets(), &b); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); !slices.Equal(got, []string{"actors", "actions", "fundings", "referentiels"}) {
		t.Fatalf("sheets %v", got)
	}
	for sheet, cols := range map[string][]string{"actors": export.ActorColumns, "actions": export.ActionColumns, "fundings": export.FundingColumns} {
		rows, err := f.GetRows(sheet)
		if err != nil || len(rows) != 1 || !slices.Equal(rows[0], cols) {
			t.Errorf("%s header %v, want %v (%v)", sheet, rows, cols, err)
		}
		comments, err := f.GetComments(sheet)
		if err != nil || len(comments) != len(cols) {
			t.Errorf("%s: %d header comments, want %d (%v)", sheet, len(comments), len(cols), err)
		}
	}
	dvs, err := f.GetDataValidations("actors")
	if err != nil {
		t.Fatal(err)
	}
	typeList := false
	for _, dv := range dvs {
		if strings.HasPrefix(dv.Sqref, "C2:") && dv.Type == "list" && strings.Contains(dv.Formula1, "referentiels!$A$2:$A$13") {
			typeList = true
		}
	}
	if !typeList {
		t.Errorf("no drop-down list of actor types on actors!C: %+v", dvs)
	}
	dvs, _ = f.GetDataValidations("actions")
	themes := false
	for _, dv := range dvs {
		if strings.HasPrefix(dv.Sqref, "D2:") && dv.Type == "list" && dv.Prompt != nil && strings.Contains(*dv.Prompt, "parentalite") {
			themes = true
		}
	}
	if !themes {
		t.Error("no theme list with the codes in its input message on actions!D")
	}
	rows, _ := f.GetRows("referentiels")
	if len(rows) < 15 || rows[1][0] != "caf" {
		t.Errorf("referentiels sheet: %d rows, first %v", len(rows), rows[:min(2, len(rows))])
	}
}

func TestTemplateCSV(t *testing.T) {
	var b bytes.Buffer
	if err := export.TemplateCSV(export.TemplateSheets()[1], &b); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "\uFEFFid;title;operator_id;themes;publics;zone;commune;capacity;start_date;end_date;labels;description\r\n" {
		t.Errorf("actions template %q", got)
	}
}
