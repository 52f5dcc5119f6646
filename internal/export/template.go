package export

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"maillage/internal/domain"
	"maillage/internal/tabular"
)

// TemplateColumn documents one column of the import template.
type TemplateColumn struct {
	Name string
	Help string // French, shown as a header comment and an input message
	// Ref is the referential offered in the cell ("" for none); Multi means
	// the cell holds several codes separated by "|".
	Ref   string
	Multi bool
}

// TemplateSheet is one sheet (or CSV file) of the template.
type TemplateSheet struct {
	Name    string
	Columns []TemplateColumn
}

// TemplateSheets returns the sheets of the actors/actions/fundings import
// template, whose columns are exactly ActorColumns, ActionColumns and
// FundingColumns.
func TemplateSheets() []TemplateSheet {
	return []TemplateSheet{
		{Name: "actors", Columns: []TemplateColumn{
			{Name: "id", Help: "Identifiant de l'acteur dans votre fichier (libre, unique) : les actions et les financements y renvoient. Réimporter le même identifiant met l'acteur à jour."},
			{Name: "name", Help: "Nom de l'organisation (obligatoire, 300 caractères au plus)."},
			{Name: "type", Help: "Type d'acteur : choisissez dans la liste (caf, commune, epci, departement, association, centre_social, evs...).", Ref: domain.RefActorType},
			{Name: "siren", Help: "SIREN à 9 chiffres (facultatif, clé de Luhn vérifiée)."},
			{Name: "commune", Help: "Code INSEE (5 caractères) de la commune du siège (facultatif)."},
		}},
		{Name: "actions", Columns: []TemplateColumn{
			{Name: "id", Help: "Identifiant de l'action dans votre fichier (libre, unique) : les financements y renvoient."},
			{Name: "title", Help: "Intitulé de l'action (obligatoire, 300 caractères au plus)."},
			{Name: "operator_id", Help: "Identifiant (colonne id de la feuille actors) de l'acteur qui porte l'action (obligatoire)."},
			{Name: "themes", Help: "Thématiques (au moins une), séparées par | : ", Ref: domain.RefTheme, Multi: true},
			{Name: "publics", Help: "Publics visés, séparés par | : ", Ref: domain.RefPublic, Multi: true},
			{Name: "zone", Help: "Territoires servis, séparés par | : codes INSEE de communes, SIREN d'EPCI, codes de départements."},
			{Name: "commune", Help: "Code INSEE de la commune où l'action a lieu (facultatif)."},
			{Name: "capacity", Help: "Capacité : places ou participants par an (nombre positif)."},
			{Name: "start_date", Help: "Date de début : AAAA-MM-JJ ou JJ/MM/AAAA."},
			{Name: "end_date", Help: "Date de fin (facultative) : AAAA-MM-JJ ou JJ/MM/AAAA."},
			{Name: "labels", Help: "Labels et agréments, séparés par | : ", Ref: domain.RefLabel, Multi: true},
			{Name: "description", Help: "Description libre de l'action (20 000 caractères au plus)."},
		}},
		{Name: "fundings", Columns: []TemplateColumn{
			{Name: "action_id", Help: "Identifiant de l'action financée (colonne id de la feuille actions)."},
			{Name: "funder_id", Help: "Identifiant du financeur (colonne id de la feuille actors)."},
			{Name: "year", Help: "Année du financement (ex. 2024)."},
			{Name: "amount", Help: "Montant en euros (nombre positif, virgule décimale acceptée)."},
		}},
	}
}

// IndicatorTemplateSheet is the long-format indicator values template.
func IndicatorTemplateSheet() TemplateSheet {
	return TemplateSheet{Name: "indicators", Columns: []TemplateColumn{
		{Name: "territory", Help: "Code du territoire : code INSEE de commune, SIREN d'EPCI, code de département."},
		{Name: "indicator", Help: "Code de l'indicateur (population, pop_0_2, familles_enfants, taux_pauvrete...)."},
		{Name: "year", Help: "Année de la valeur."},
		{Name: "value", Help: "Valeur (virgule décimale acceptée)."},
	}}
}

// refSheet is the name of the sheet listing the referentials.
const refSheet = "referentiels"

var refKinds = []struct{ kind, title string }{
	{domain.RefActorType, "types d'acteurs"},
	{domain.RefTheme, "thématiques"},
	{domain.RefPublic, "publics"},
	{domain.RefLabel, "labels"},
}

// TemplateCSV writes the header of one template sheet as a CSV file
// (`;`, UTF-8 with BOM).
func TemplateCSV(sheet TemplateSheet, w io.Writer) error {
	cw := tabular.NewCSV(w, tabular.CSVOptions{})
	names := make([]string, len(sheet.Columns))
	for i, c := range sheet.Columns {
		names[i] = c.Name
	}
	if err := cw.Sheet(sheet.Name, names); err != nil {
		return err
	}
	return cw.Close()
}

// ReferentialsCSV writes every referential code as CSV (kind;code;label).
func ReferentialsCSV(ref *domain.Referentials, w io.Writer) error {
	cw := tabular.NewCSV(w, tabular.CSVOptions{})
	if err := cw.Sheet(refSheet, []string{"referentiel", "code", "libelle"}); err != nil {
		return err
	}
	for _, k := range refKinds {
		for _, e := range ref.Entries(k.kind) {
			if err := cw.Row(k.kind, e.Code, e.Label); err != nil {
				return err
			}
		}
	}
	return cw.Close()
}

// TemplateXLSX writes the empty import template as a workbook: sheets
// actors, actions and fundings with the exact columns, a comment on each
// header explaining the column, drop-down lists of the referential codes
// (a strict list for the actor type; for the multi-valued themes, publics
// and labels a list to pick from plus an input message listing the codes,
// since a cell may hold several codes separated by "|"), and a sheet
// "referentiels" with every code and its label.
func TemplateXLSX(ref *domain.Referentials, sheets []TemplateSheet, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	header, err := f.NewStyle(tabular.HeaderStyle())
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": keep codes as text (leading zeros)
	if err != nil {
		return err
	}
	const lastRow = 10000
	// Ranges of the referential codes on the referentials sheet (written last):
	// one block of two columns (code, label) per kind.
	refRange := map[string]string{}
	for i, k := range refKinds {
		colName, _ := excelize.ColumnNumberToName(1 + 3*i)
		if n := len(ref.Codes(k.kind)); n > 0 {
			refRange[k.kind] = fmt.Sprintf("%s!$%s$2:$%s$%d", refSheet, colName, colName, n+1)
		}
	}
	for si, sh := range sheets {
		if si == 0 {
			if err := f.SetSheetName("Sheet1", sh.Name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return err
		}
		for ci, c := range sh.Columns {
			cell, _ := excelize.CoordinatesToCellName(ci+1, 1)
			col, _ := excelize.ColumnNumberToName(ci + 1)
			f.SetCellValue(sh.Name, cell, c.Name)
			f.SetCellStyle(sh.Name, cell, cell, header)
			width := 18.0
			if c.Name == "description" || c.Name == "title" || c.Name == "name" {
				width = 40
			}
			f.SetColWidth(sh.Name, col, col, width)
			help := c.Help
			if c.Multi {
				help += strings.Join(ref.Codes(c.Ref), ", ") + "."
			}
			if err := f.AddComment(sh.Name, excelize.Comment{Cell: cell, Author: "Maillage", Paragraph: []excelize.RichTextRun{
				{Text: "Maillage :\n", Font: &excelize.Font{Bold: true}}, {Text: help},
			}, Width: 320, Height: 140}); err != nil {
				return err
			}
			rng := fmt.Sprintf("%s2:%s%d", col, col, lastRow)
			if isCodeColumn(c.Name) {
				f.SetColStyle(sh.Name, col, text)
			}
			dv := excelize.NewDataValidation(true)
			dv.Sqref = rng
			switch {
			case c.Ref != "" && refRange[c.Ref] != "":
				dv.SetSqrefDropList(refRange[c.Ref])
				if c.Multi {
					// Any text is accepted (several codes joined by |): the
					// list helps to pick one, the message lists them all.
					dv.ShowErrorMessage = false
				} else {
					dv.SetError(excelize.DataValidationErrorStyleStop, "Valeur inconnue",
						"Choisissez une valeur de la liste (voir la feuille referentiels).")
				}
			case c.Name == "year":
				dv.SetRange(1900, 2200, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween)
				dv.SetError(excelize.DataValidationErrorStyleStop, "Année invalide", "Saisissez une année entre 1900 et 2200.")
			case c.Name == "capacity" || c.Name == "amount":
				dv.SetRange(0, 1e12, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorBetween)
				dv.SetError(excelize.DataValidationErrorStyleStop, "Nombre invalide", "Saisissez un nombre positif.")
			}
			dv.SetInput(inputTitle(c.Name), truncate(help, 255))
			if err := f.AddDataValidation(sh.Name, dv); err != nil {
				return err
			}
		}
		f.SetPanes(sh.Name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	// Referentials sheet: one block of two columns (code, label) per kind.
	if _, err := f.NewSheet(refSheet); err != nil {
		return err
	}
	for i, k := range refKinds {
		col := 1 + 3*i
		codeCell, _ := excelize.CoordinatesToCellName(col, 1)
		labelCell, _ := excelize.CoordinatesToCellName(col+1, 1)
		f.SetCellValue(refSheet, codeCell, "code ("+k.title+")")
		f.SetCellValue(refSheet, labelCell, "libellé")
		f.SetCellStyle(refSheet, codeCell, labelCell, header)
		colName, _ := excelize.ColumnNumberToName(col)
		labelName, _ := excelize.ColumnNumberToName(col + 1)
		f.SetColWidth(refSheet, colName, colName, 30)
		f.SetColWidth(refSheet, labelName, labelName, 55)
		entries := ref.Entries(k.kind)
		for j, e := range entries {
			c, _ := excelize.CoordinatesToCellName(col, j+2)
			l, _ := excelize.CoordinatesToCellName(col+1, j+2)
			f.SetCellValue(refSheet, c, e.Code)
			f.SetCellValue(refSheet, l, e.Label)
		}
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

func isCodeColumn(name string) bool {
	switch name {
	case "id", "siren", "commune", "zone", "operator_id", "action_id", "funder_id", "territory":
		return true
	}
	return false
}

func inputTitle(col string) string {
	return truncate("Colonne "+col, 32)
}

// truncate cuts s to n characters (Excel limits input messages to 255).
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
