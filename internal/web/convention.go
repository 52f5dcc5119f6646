package web

// Convention screens: the list with renewal alerts and progress, and a
// convention's page with its signatories, period, amendments and action
// plan; each fiche's indicators as a chart (baseline, measurements, target)
// with a data table, and a form to record a measurement.

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"maillage/internal/auth"
	"maillage/internal/diagnostic"
	"maillage/internal/domain"
	"maillage/internal/web/mapsvg"
)

type convRow struct {
	ID                     int64
	Title, Kind, Perimeter string
	Period, Signatories    string
	Progress, Elapsed      string
	Bar                    template.HTML
	Alert                  *diagnostic.RenewalAlert
	Fiches                 int
}

type convListData struct {
	Rows   []convRow
	Alerts []diagnostic.RenewalAlert
}

func (h *handler) conventionList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	svc, err := h.diagService()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg, err := svc.Conventions(ctx, domain.ConventionFilter{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := &convListData{}
	if data.Alerts, err = svc.Renewals(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	for _, c := range pg.Items {
		row := convRow{ID: c.ID, Title: c.Title, Kind: dgLabel(conventionKind, c.Kind), Perimeter: h.territoryName(ctx, c.Perimeter),
			Period: "du " + frenchDate(c.Start.Time) + " au " + frenchDate(c.End.Time), Signatories: signatoryNames(c.Signatories)}
		if rep, err := svc.Report(ctx, c.ID); err == nil {
			row.Fiches = len(rep.Fiches)
			row.Elapsed = dgPercent(rep.Progress.Elapsed)
			if rep.Progress.Progress != nil {
				row.Progress = dgPercent(*rep.Progress.Progress)
				row.Bar = progressBar(fmt.Sprintf("avancement-%d", c.ID), *rep.Progress.Progress, "Avancement de la convention")
			}
			row.Alert = rep.Progress.Renewal
		}
		data.Rows = append(data.Rows, row)
	}
	h.render(w, r, http.StatusOK, "conv_list", page{Title: "Conventions", Section: "conventions",
		Crumbs: []crumb{{"Accueil", "/"}, {"Conventions", ""}}, Data: data})
}

func signatoryNames(ss []domain.Signatory) string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return strings.Join(out, ", ")
}

type sigRow struct{ Name, Role, Signed string }

type budgetRow struct {
	Funder string
	Year   int
	Amount string
}

type measureRow struct{ Date, Value, Comment string }

type indicatorView struct {
	Key, Label, Unit string
	Baseline, Target string
	Latest, Progress string
	Chart            template.HTML
	Rows             []measureRow
}

type ficheView struct {
	ID                     int64
	Number, Axis, Title    string
	Objective, Theme, Lead string
	Status                 string
	Period                 string
	Progress               string
	Bar                    template.HTML
	Budget                 []budgetRow
	BudgetTotal            string
	Milestones             []followRow
	Indicators             []indicatorView
	// measurement form
	CanMeasure bool
	Errors     map[string]string
	Values     map[string]string
	General    string
}

type convPageData struct {
	C           *domain.Convention
	Kind        string
	Perimeter   string
	Period      string
	Themes      string
	Signatories []sigRow
	Amendments  []followRow
	Progress    string
	Elapsed     string
	Bar         template.HTML
	Budget      string
	Alert       *diagnostic.RenewalAlert
	Fiches      []ficheView
	Body        string
	Flash       string
}

func (h *handler) conventionPage(w http.ResponseWriter, r *http.Request) {
	svc, c, ok := h.loadConvention(w, r)
	if !ok {
		return
	}
	data, err := h.convPageData(r.Context(), svc, c)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data.Flash = okMessage(r, map[string]string{"mesure": "La mesure est enregistrée."}, createdMessages)
	h.renderConv(w, r, http.StatusOK, data)
}

func (h *handler) loadConvention(w http.ResponseWriter, r *http.Request) (*diagnostic.Service, *domain.Convention, bool) {
	id, err := dgPathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	svc, err := h.diagService()
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	c, err := svc.Convention(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	return svc, c, true
}

func (h *handler) renderConv(w http.ResponseWriter, r *http.Request, status int, data *convPageData) {
	h.render(w, r, status, "conv_page", page{Title: data.C.Title, Section: "conventions", Flash: data.Flash,
		Crumbs: []crumb{{"Accueil", "/"}, {"Conventions", "/conventions"}, {data.C.Title, ""}}, Data: data})
}

func (h *handler) convPageData(ctx context.Context, svc *diagnostic.Service, c *domain.Convention) (*convPageData, error) {
	rep, err := svc.Report(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	ref, _ := h.s.Referentials(ctx)
	data := &convPageData{C: c, Kind: dgLabel(conventionKind, c.Kind), Perimeter: h.territoryName(ctx, c.Perimeter),
		Period: "du " + frenchDate(c.Start.Time) + " au " + frenchDate(c.End.Time), Themes: refLabels(ref, domain.RefTheme, c.Themes),
		Elapsed: dgPercent(rep.Progress.Elapsed), Budget: formatNum(rep.Progress.Budget) + " €", Alert: rep.Progress.Renewal}
	if rep.Progress.Progress != nil {
		data.Progress = dgPercent(*rep.Progress.Progress)
		data.Bar = progressBar("avancement-convention", *rep.Progress.Progress, "Avancement de la convention")
	}
	for _, s := range c.Signatories {
		data.Signatories = append(data.Signatories, sigRow{Name: s.Name, Role: s.Role, Signed: dateText(s.SignedOn)})
	}
	for _, a := range c.Amendments {
		data.Amendments = append(data.Amendments, followRow{Date: frenchDate(a.Date.Time), Text: a.Summary, Status: "avenant n°" + strconv.Itoa(a.Number)})
	}
	if c.BodyID != 0 {
		if b, err := svc.Body(ctx, c.BodyID); err == nil {
			data.Body = b.Name
		}
	}
	canMeasure := h.mayWrite(ctx, auth.Create)
	for i, f := range rep.Fiches {
		fp := rep.Progress.Fiches[i]
		fv := ficheView{ID: f.ID, Number: f.Number, Axis: f.Axis, Title: f.Title, Objective: f.Objective, Theme: refLabels(ref, domain.RefTheme, []string{f.Theme}),
			Lead: f.LeadName, Status: dgLabel(ficheLabels, f.Status), Period: periodText(f.Start, f.End), BudgetTotal: formatNum(fp.Budget) + " €",
			CanMeasure: canMeasure && len(f.Indicators) > 0, Errors: map[string]string{}, Values: map[string]string{}}
		if f.Theme == "" {
			fv.Theme = ""
		}
		if fp.Progress != nil {
			fv.Progress = dgPercent(*fp.Progress)
			fv.Bar = progressBar(fmt.Sprintf("avancement-fiche-%d", f.ID), *fp.Progress, "Avancement de la fiche "+f.Number)
		}
		for _, b := range f.Budget {
			fv.Budget = append(fv.Budget, budgetRow{Funder: b.FunderName, Year: b.Year, Amount: formatNum(b.Amount) + " €"})
		}
		for _, m := range f.Milestones {
			st := "à venir"
			if m.Done {
				st = "fait"
			}
			fv.Milestones = append(fv.Milestones, followRow{Date: frenchDate(m.Date.Time), Text: m.Title, Status: st})
		}
		for j, ip := range fp.Indicators {
			iv := indicatorView{Key: ip.Key, Label: ip.Label, Unit: ip.Unit, Baseline: formatNum(ip.Baseline), Target: formatNum(ip.Target)}
			if ip.Latest != nil {
				iv.Latest = formatNum(ip.Latest.Value) + " (" + frenchDate(ip.Latest.Date.Time) + ")"
			}
			if ip.Progress != nil {
				iv.Progress = dgPercent(*ip.Progress)
			}
			bars := []mapsvg.Bar{{Label: "Valeur de référence", Value: ip.Baseline}}
			for _, m := range ip.Series {
				bars = append(bars, mapsvg.Bar{Label: "Mesure du " + m.Date.Format("02/01/2006"), Value: m.Value})
				iv.Rows = append(iv.Rows, measureRow{Date: frenchDate(m.Date.Time), Value: formatNum(m.Value), Comment: m.Comment})
			}
			bars = append(bars, mapsvg.Bar{Label: "Cible", Value: ip.Target})
			iv.Chart = template.HTML(mapsvg.BarChart(mapsvg.Chart{ID: fmt.Sprintf("indicateur-%d-%d", f.ID, j), Title: ip.Label + " : mesures et cible",
				Desc: fmt.Sprintf("Valeur de référence %s, mesures successives et cible %s ; le tableau qui suit donne les mesures.", formatNum(ip.Baseline), formatNum(ip.Target)), Unit: ip.Unit}, bars))
			fv.Indicators = append(fv.Indicators, iv)
		}
		data.Fiches = append(data.Fiches, fv)
	}
	return data, nil
}

var measureLabels = map[string]string{"indicator": "Indicateur", "date": "Date", "value": "Valeur"}

func (h *handler) conventionMeasure(w http.ResponseWriter, r *http.Request) {
	svc, c, ok := h.loadConvention(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	fid, ok := h.writeTarget(w, r, "fid", auth.Create, "Connectez-vous avec un compte qui peut mesurer les indicateurs de cette convention.")
	if !ok {
		return
	}
	vals := map[string]string{}
	for _, k := range []string{"indicator", "date", "value", "comment"} {
		vals[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	fe := map[string]string{}
	m := &domain.Measurement{FicheID: fid, Indicator: vals["indicator"], Comment: vals["comment"]}
	if d, err := domain.ParseDate(vals["date"]); err != nil {
		fe["date"] = "date obligatoire : AAAA-MM-JJ ou JJ/MM/AAAA"
	} else {
		m.Date = d
	}
	if v, err := strconv.ParseFloat(strings.ReplaceAll(strings.ReplaceAll(vals["value"], " ", ""), ",", "."), 64); err != nil {
		fe["value"] = "nombre attendu"
	} else {
		m.Value = v
	}
	var general string
	if len(fe) == 0 {
		if err := svc.AddMeasurement(ctx, m); err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				h.fail(w, r, err)
				return
			}
			fe, general = dgFieldErrors(err)
		}
	}
	if len(fe) == 0 && general == "" {
		http.Redirect(w, r, fmt.Sprintf("/conventions/%d?ok=mesure#fiche-%d", c.ID, fid), http.StatusSeeOther)
		return
	}
	data, err := h.convPageData(ctx, svc, c)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for i := range data.Fiches {
		if data.Fiches[i].ID == fid {
			for k, v := range fe {
				if _, ok := measureLabels[k]; ok {
					data.Fiches[i].Errors[k] = v
				} else {
					general = joinNonEmpty(" ; ", general, v)
				}
			}
			data.Fiches[i].Values, data.Fiches[i].General = vals, general
		}
	}
	h.renderConv(w, r, http.StatusUnprocessableEntity, data)
}
