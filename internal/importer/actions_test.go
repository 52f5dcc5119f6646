package importer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"maillage/internal/domain"
	"maillage/internal/tabular"
)

const (
	actorsCSV = "id;name;type;siren;commune\n" +
		"CAF18;CAF du Cher;caf;;18033\n" +
		"CS-BOURGES;Centre social Le Tournesol;centre_social;;18033\n" +
		"CC-THB;CC Terres du Haut Berry;epci;200066330;18003\n"
	actionsCSV = "id;title;operator_id;themes;publics;zone;commune;capacity;start_date;end_date;labels;description\n" +
		"A1;LAEP Les Petits Pas;CS-BOURGES;parentalite|petite_enfance;parents|enfants_0_3;241800507;18033;12,5;2024-01-01;31/12/2026;laep;Lieu d'accueil enfants-parents\n" +
		"A2;Accueil jeunes du Haut Berry;CC-THB;jeunesse;adolescents_12_17;200066330;;1 200;01/09/2024;;;\n"
	fundingsCSV = "action_id;funder_id;year;amount\n" +
		"A1;CAF18;2024;15000\n" +
		"A1;CC-THB;2024;2 500,50\n" +
		"A2;CAF18;2025;8000\n"
)

// template writes the three template files into a new directory.
func template(t testing.TB, actors, actions, fundings string) string {
	t.Helper()
	dir := t.TempDir()
	if actors != "" {
		writeFile(t, dir, "actors.csv", actors)
	}
	if actions != "" {
		writeFile(t, dir, "actions.csv", actions)
	}
	if fundings != "" {
		writeFile(t, dir, "fundings.csv", fundings)
	}
	return dir
}

func TestActionsTemplate(t *testing.T) {
	forEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		seedCOG(t, s)
		dir := template(t, actorsCSV, actionsCSV, fundingsCSV)
		rep, err := ImportActions(ctx, s, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if c := count(t, s); c.Actors != 3 || c.Actions != 2 || c.Fundings != 3 {
			t.Fatalf("counts %+v, report %+v", c, rep)
		}
		if rep.Files != 3 || rep.Created != 8 || rep.Written != 8 {
			t.Fatalf("report %+v", rep)
		}
		op, err := s.ActorByExternalID(ctx, domain.SourceImport, "CS-BOURGES")
		if err != nil {
			t.Fatal(err)
		}
		page, err := s.Actions(ctx, domain.ActionFilter{Operator: op.ID})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("actions of CS-BOURGES: %v, %v", page, err)
		}
		a, err := s.Action(ctx, page.Items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.ExternalID != "A1" || a.Capacity != 12.5 || a.StartDate.String() != "2024-01-01" || a.EndDate.String() != "2026-12-31" ||
			strings.Join(a.Themes, "|") != "parentalite|petite_enfance" || strings.Join(a.Zone, "|") != "241800507" ||
			strings.Join(a.Places, "|") != "18033" || len(a.Fundings) != 2 {
			t.Fatalf("A1 = %+v", a)
		}
		// Re-import: nothing changes.
		rep2, err := ImportActions(ctx, s, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep2.Unchanged != 8 || rep2.Written != 0 || rep2.Created+rep2.Updated != 0 {
			t.Fatalf("re-import %+v", rep2)
		}
		// Change one action and one funding amount; A2's funding is kept
		// (the fundings file does not name it).
		dir3 := template(t, "", strings.Replace(actionsCSV, "LAEP Les Petits Pas", "LAEP Les Petits Pas (Bourges)", 1),
			"action_id;funder_id;year;amount\nA1;CAF18;2024;16000\nA1;CC-THB;2024;2500,5\n")
		rep3, err := ImportActions(ctx, s, dir3, Options{})
		if err != nil {
			t.Fatal(err)
		}
		acts, fund := rep3.kind("actions"), rep3.kind("financements")
		if acts.Updated != 1 || acts.Unchanged != 1 || fund.Updated != 1 || fund.Unchanged != 1 {
			t.Fatalf("update report %+v %+v", acts, fund)
		}
		if c := count(t, s); c.Actions != 2 || c.Fundings != 3 {
			t.Fatalf("after update %+v", c)
		}
	})
}

// TestActionsBadInput: each bad file is refused with an error naming the
// file, line and field, and nothing is written.
func TestActionsBadInput(t *testing.T) {
	cases := []struct {
		name     string
		actors   string
		actions  string
		fundings string
		want     []string
	}{
		{"duplicate ids", actorsCSV, actionsCSV + "A1;Doublon;CAF18;parentalite;;18;;;;;;\n", "",
			[]string{"actions.csv, ligne 4, champ « id » : identifiant \"A1\" en double (lignes 2 et 4)"}},
		{"duplicate actor ids", actorsCSV + "\nCAF18;Autre CAF;caf;;\n", "", "",
			[]string{"actors.csv, ligne 6, champ « id » : identifiant \"CAF18\" en double (lignes 2 et 6)"}},
		{"unknown theme", actorsCSV, strings.Replace(actionsCSV, "jeunesse;", "ados;", 1), "",
			[]string{"actions.csv, ligne 3, champ « themes »", "\"ados\"", "codes possibles : parentalite, petite_enfance"}},
		{"unknown actor type", strings.Replace(actorsCSV, "centre_social", "asso", 1), actionsCSV, "",
			[]string{"actors.csv, ligne 3, champ « type » : type d'acteur inconnu \"asso\"", "association, centre_social"}},
		{"unknown zone code", actorsCSV, strings.Replace(actionsCSV, "200066330;;", "200066331;;", 1), "",
			[]string{"actions.csv, ligne 3, champ « zone »", "\"200066331\""}},
		{"unknown commune", strings.Replace(actorsCSV, ";18003", ";18999", 1), "", "",
			[]string{"actors.csv, ligne 4, champ « commune »", "\"18999\""}},
		{"unknown operator", actorsCSV, strings.Replace(actionsCSV, ";CC-THB;", ";CC-XYZ;", 1), "",
			[]string{"actions.csv, ligne 3, champ « operator_id » : acteur inconnu \"CC-XYZ\""}},
		{"bad date", actorsCSV, strings.Replace(actionsCSV, "01/09/2024", "31/09/2024", 1), "",
			[]string{"actions.csv, ligne 3, champ « start_date » : date invalide \"31/09/2024\""}},
		{"end before start", actorsCSV, strings.Replace(actionsCSV, "31/12/2026", "31/12/2023", 1), "",
			[]string{"actions.csv, ligne 2, champ « end_date »"}},
		{"bad number", actorsCSV, strings.Replace(actionsCSV, "12,5", "douze", 1), "",
			[]string{`actions.csv, ligne 2, champ « capacity » : nombre invalide "douze"`}},
		{"bad amount", actorsCSV, actionsCSV, strings.Replace(fundingsCSV, "8000", "8 000 $", 1),
			[]string{`fundings.csv, ligne 4, champ « amount » : nombre invalide "8 000 $"`}},
		{"duplicate funding", actorsCSV, actionsCSV, fundingsCSV + "A1;CAF18;2024;1\n",
			[]string{"fundings.csv, ligne 5, champ « year » : financement en double", "(lignes 2 et 5)"}},
		{"missing column", actorsCSV, strings.Replace(actionsCSV, "operator_id", "porteur", 1), "",
			[]string{"actions.csv, ligne 1, champ « operator_id » : colonne obligatoire absente"}},
		{"rejected operator", strings.Replace(actorsCSV, "CC Terres du Haut Berry", "", 1), actionsCSV, "",
			[]string{"actors.csv, ligne 4, champ « name » : obligatoire", "actions.csv, ligne 3, champ « operator_id » : l'acteur \"CC-THB\" a été rejeté (ligne 4 des acteurs)"}},
		{"bad siren", strings.Replace(actorsCSV, "200066330", "200066331", 1), "", "",
			[]string{"actors.csv, ligne 4, champ « siren » : SIREN invalide"}},
		{"unknown funding action", actorsCSV, actionsCSV, fundingsCSV + "A9;CAF18;2024;1\n",
			[]string{"fundings.csv, ligne 5, champ « action_id » : action inconnue \"A9\""}},
	}
	forEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		seedCOG(t, s)
		before := count(t, s)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				dir := template(t, c.actors, c.actions, c.fundings)
				_, err := ImportActions(ctx, s, dir, Options{})
				wantErr(t, err, c.want...)
				if after := count(t, s); after != before {
					t.Fatalf("something was written: %+v → %+v", before, after)
				}
			})
		}
	})
}

// TestActionsTiredExports: what a tired person's spreadsheet looks like is
// read as well as a clean file.
func TestActionsTiredExports(t *testing.T) {
	toComma := func(s string) string {
		var out []string
		for _, line := range strings.Split(s, "\n") {
			cells := strings.Split(line, ";")
			for i, c := range cells {
				if strings.ContainsAny(c, ",\"") {
					cells[i] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
				}
			}
			out = append(out, strings.Join(cells, ","))
		}
		return strings.Join(out, "\n")
	}
	cp1252 := func(s string) string {
		r := strings.NewReplacer("é", "\xe9", "è", "\xe8", "ê", "\xea", "à", "\xe0", "ô", "\xf4", "ç", "\xe7", "É", "\xc9", "«", "\xab", "»", "\xbb", "'", "\x92")
		return r.Replace(s)
	}
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	trailing := func(s string) string {
		lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		for i := range lines {
			lines[i] += ";;;"
		}
		return strings.Join(lines, "\n\n") + "\n;;;;\n"
	}
	actorsAccents := "id;name;type;siren;commune\nCAF18;Caisse d'allocations familiales du Cher;caf;;18033\nCS-BOURGES;Centre social « Éveil »;Centre social;;18033\nCC-THB;Communauté de communes Terres du Haut Berry;epci;200 066 330;18003\n"
	cases := []struct {
		name    string
		convert func(string) string
	}{
		{"comma separator", toComma},
		{"windows-1252", cp1252},
		{"BOM and CRLF", func(s string) string { return "\ufeff" + crlf(s) }},
		{"blank lines and trailing columns", trailing},
		{"tab separator", func(s string) string { return strings.ReplaceAll(s, ";", "\t") }},
	}
	forEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		seedCOG(t, s)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				dir := template(t, c.convert(actorsAccents), c.convert(actionsCSV), c.convert(fundingsCSV))
				rep, err := ImportActions(ctx, s, dir, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Read != 8 || rep.Rejected != 0 {
					t.Fatalf("report %+v", rep)
				}
				a, err := s.ActorByExternalID(ctx, domain.SourceImport, "CS-BOURGES")
				if err != nil || a.Name != "Centre social « Éveil »" || a.Type != "centre_social" {
					t.Fatalf("actor %+v, %v", a, err)
				}
				if a, _ := s.ActorByExternalID(ctx, domain.SourceImport, "CAF18"); a.Name != "Caisse d'allocations familiales du Cher" && a.Name != "Caisse d’allocations familiales du Cher" {
					t.Fatalf("actor name %q", a.Name)
				}
				if c := count(t, s); c.Actors != 3 || c.Actions != 2 || c.Fundings != 3 {
					t.Fatalf("counts %+v", c)
				}
			})
		}
	})
}

func TestActionsMergedCommune(t *testing.T) {
	s := openSQLite(t)
	ctx := context.Background()
	seedCOG(t, s)
	actions := strings.Replace(actionsCSV, "200066330;;", "200066330|18123;18123;", 1)
	actions = strings.Replace(actions, ";description\n", ";description;statut\n", 1)
	dir := template(t, actorsCSV, actions, "")
	rep, err := ImportActions(ctx, s, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(rep.Warnings, "\n")
	if !strings.Contains(w, "code 18123") || !strings.Contains(w, "rattachée à 18023 Baugy") || !strings.Contains(w, "colonnes inconnues ignorées : statut") {
		t.Fatalf("warnings %q", rep.Warnings)
	}
	a, _ := s.Actions(ctx, domain.ActionFilter{Territory: "18023"})
	if len(a.Items) != 1 || strings.Join(a.Items[0].Zone, "|") != "200066330|18023" || strings.Join(a.Items[0].Places, "|") != "18023" {
		t.Fatalf("actions in 18023: %+v", a.Items)
	}
}

func TestActionsSkipInvalid(t *testing.T) {
	forEach(t, func(t *testing.T, s domain.Store) {
		ctx := context.Background()
		seedCOG(t, s)
		actions := actionsCSV + "A3;Sans thème;CAF18;;;18;;;;;;\nA4;Aide aux devoirs;CAF18;enfance;;18;;abc;;;clas;\nA5;Point info familles;CAF18;acces_aux_droits;familles;18;;;;;;\n"
		dir := template(t, actorsCSV, actions, fundingsCSV+"A3;CAF18;2024;100\n")
		rep, err := ImportActions(ctx, s, dir, Options{SkipInvalid: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rejected != 3 || rep.kind("actions").Written != 3 {
			t.Fatalf("report %+v / %+v", rep, rep.kind("actions"))
		}
		if c := count(t, s); c.Actions != 3 || c.Fundings != 3 {
			t.Fatalf("counts %+v", c)
		}
		// One rejects file per input file, beside it, `;` and BOM.
		b, err := os.ReadFile(filepath.Join(dir, "actions.rejets.csv"))
		if err != nil {
			t.Fatalf("rejects: %v (files %v)", err, rep.RejectsFiles)
		}
		got := string(b)
		want := "\ufeffid;title;operator_id;themes;publics;zone;commune;capacity;start_date;end_date;labels;description;ligne_source;motif_rejet\r\n" +
			"A3;Sans thème;CAF18;;;18;;;;;;;4;themes : au moins une thématique\r\n" +
			"A4;Aide aux devoirs;CAF18;enfance;;18;;abc;;;clas;;5;\"capacity : nombre invalide \"\"abc\"\"\"\r\n"
		if got != want {
			t.Fatalf("rejects file:\n%q\nwant\n%q", got, want)
		}
		rf, err := os.ReadFile(filepath.Join(dir, "fundings.rejets.csv"))
		if err != nil || !strings.Contains(string(rf), "l'action \"\"A3\"\" a été rejetée (ligne 4 des actions)") {
			t.Fatalf("fundings rejects %q, %v", rf, err)
		}
		// The rejects file reads back as a template file.
		rd, err := tabular.Open(filepath.Join(dir, "actions.rejets.csv"), "")
		if err != nil {
			t.Fatal(err)
		}
		defer rd.Close()
		row, err := rd.Next()
		if err != nil || row.Get("id") != "A3" || row.Get("motif_rejet") != "themes : au moins une thématique" {
			t.Fatalf("row %+v, %v", row, err)
		}
	})
}

func TestActionsDryRun(t *testing.T) {
	s := openSQLite(t)
	ctx := context.Background()
	seedCOG(t, s)
	before := count(t, s)
	rep, err := ImportActions(ctx, s, template(t, actorsCSV, actionsCSV, fundingsCSV), Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.DryRun || rep.Created != 8 || rep.Written != 8 {
		t.Fatalf("report %+v", rep)
	}
	if after := count(t, s); after != before {
		t.Fatalf("dry run wrote: %+v → %+v", before, after)
	}
	// A dry run reports bad lines with SkipInvalid, and writes no rejects file.
	dir := template(t, actorsCSV, strings.Replace(actionsCSV, "12,5", "x", 1), "")
	rep, err = ImportActions(ctx, s, dir, Options{DryRun: true, SkipInvalid: true})
	if err != nil || rep.Rejected != 1 || len(rep.Rejects) != 1 || rep.Rejects[0].Field != "capacity" {
		t.Fatalf("report %+v, %v", rep, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "actions.rejets.csv")); err == nil {
		t.Fatal("dry run wrote a rejects file")
	}
}

func TestActionsXLSXAndSingleCSV(t *testing.T) {
	s := openSQLite(t)
	ctx := context.Background()
	seedCOG(t, s)
	// A workbook with sheets named as people do.
	path := filepath.Join(t.TempDir(), "modele.xlsx")
	f := excelize.NewFile()
	sheets := map[string]string{"Acteurs": actorsCSV, "Actions": actionsCSV, "Financements": fundingsCSV}
	first := true
	for name, csv := range sheets {
		if first {
			f.SetSheetName("Sheet1", name)
			first = false
		} else {
			f.NewSheet(name)
		}
		for i, line := range strings.Split(strings.TrimSpace(csv), "\n") {
			cells := strings.Split(line, ";")
			row := make([]any, len(cells))
			for j, c := range cells {
				row[j] = c
			}
			if name == "Financements" && i > 0 {
				row[3] = 1000.0 * float64(i) // numbers as numbers
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	rep, err := ImportActions(ctx, s, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files != 3 || rep.Written != 8 {
		t.Fatalf("report %+v", rep)
	}
	// A single CSV: its header says it holds fundings.
	p := writeFile(t, t.TempDir(), "financements 2025.csv", "action_id;funder_id;year;amount\nA2;CC-THB;2025;300\n")
	rep, err = ImportActions(ctx, s, p, Options{})
	if err != nil || rep.kind("financements").Created != 1 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	if c := count(t, s); c.Fundings != 3 {
		t.Fatalf("fundings %+v", c)
	}
}
