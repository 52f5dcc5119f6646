package web

// The national steering view: across the CAF and their sites, the
// diagnostics grouped by owner organisation and département — themes,
// stages, progress of the conventions — and the shared lessons (validated
// findings), with comparison tables and charts. The figures are the
// diagnostic service's (Service.Steering, shared with the API and the CLI).

import (
	"context"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"maillage/internal/domain"
	"maillage/internal/web/mapsvg"
)

type dgSiteRow struct {
	Org         string
	Depts       string
	Diagnostics int
	Stages      []int // per domain.Stages
	StageText   string
	Themes      string
	Findings    int
	Validated   int
	Contested   int
	Conventions int
	Renewals    int
	Overdue     int
	Progress    string
}

type steeringDiag struct {
	ID                             int64
	Title, Site, Dept, Territory   string
	Stage, Themes, Top             string
	Findings, Contested, Validated int
}

type dgThemeRow struct {
	Theme       string
	Counts      []int
	Diagnostics int
	Conventions int
}

type dgLesson struct {
	Statement, Theme, Site, Territory string
	DiagID                            int64
}

type steeringData struct {
	Sites       []dgSiteRow
	Diagnostics []steeringDiag
	StageLabels []string
	Themes      []dgThemeRow
	Lessons     []dgLesson
	Chart       template.HTML
	StageChart  template.HTML
	Total       int
	Conventions int
}

func (h *handler) deptOf(ctx context.Context, code string, cache map[string]string) string {
	if v, ok := cache[code]; ok {
		return v
	}
	dep := ""
	if t, err := h.s.Territory(ctx, code); err == nil {
		switch {
		case t.Type == domain.TypeDepartement:
			dep = t.Code
		case t.Departement != "":
			dep = t.Departement
		default:
			if cs, err := h.s.CommunesOf(ctx, code); err == nil && len(cs) > 0 {
				if c, err := h.s.Territory(ctx, cs[0]); err == nil {
					dep = c.Departement
				}
			}
		}
	}
	if dep != "" {
		if t, err := h.s.Territory(ctx, dep); err == nil {
			dep = t.Name + " (" + t.Code + ")"
		}
	} else {
		dep = "—"
	}
	cache[code] = dep
	return dep
}

func (h *handler) steering(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	svc, err := h.diagService()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := svc.Steering(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ref, _ := h.s.Referentials(ctx)
	nm := h.dgNames(ctx)
	deps := map[string]string{}
	data := &steeringData{}
	for _, st := range domain.Stages {
		data.StageLabels = append(data.StageLabels, domain.StageLabel(st))
	}
	stageTotals := make([]float64, len(domain.Stages))
	var bars []mapsvg.Bar
	for _, site := range v.Sites {
		name := site.Name
		if name == "" {
			name = nm.org(site.OrgID)
		}
		row := dgSiteRow{Org: name, Diagnostics: len(site.Diagnostics), Stages: make([]int, len(domain.Stages)), Conventions: len(site.Conventions), Overdue: site.Overdue}
		depSet := map[string]bool{}
		themes := map[string]bool{}
		for _, d := range site.Diagnostics {
			dep := h.deptOf(ctx, d.Perimeter, deps)
			depSet[dep] = true
			if i := domain.StageIndex(d.Stage); i >= 0 {
				row.Stages[i]++
				stageTotals[i]++
			}
			for _, t := range d.Themes {
				themes[t] = true
			}
			row.Findings += d.Findings
			row.Validated += d.Validated
			row.Contested += d.Contested
			terr := d.Territory
			if terr == "" {
				terr = d.Perimeter
			}
			data.Diagnostics = append(data.Diagnostics, steeringDiag{ID: d.ID, Title: d.Title, Site: name, Dept: dep, Territory: terr,
				Stage: domain.StageLabel(d.Stage), Themes: refLabels(ref, domain.RefTheme, d.Themes), Top: d.TopRanked,
				Findings: d.Findings, Contested: d.Contested, Validated: d.Validated})
		}
		sum, n := 0.0, 0
		for _, c := range site.Conventions {
			depSet[h.deptOf(ctx, c.Perimeter, deps)] = true
			if c.Progress != nil {
				sum += *c.Progress
				n++
			}
			if c.Renewal != "" {
				row.Renewals++
			}
		}
		if n > 0 {
			row.Progress = dgPercent(sum / float64(n))
			bars = append(bars, mapsvg.Bar{Label: name, Value: 100 * sum / float64(n)})
		}
		var parts []string
		for i, n := range row.Stages {
			if n > 0 {
				parts = append(parts, strconv.Itoa(n)+" "+strings.ToLower(data.StageLabels[i]))
			}
		}
		row.StageText = strings.Join(parts, ", ")
		row.Depts = strings.Join(sortedKeysStr(depSet), ", ")
		codes := sortedKeysStr(themes)
		row.Themes = refLabels(ref, domain.RefTheme, codes)
		data.Sites = append(data.Sites, row)
		data.Total += len(site.Diagnostics)
		data.Conventions += len(site.Conventions)
	}
	sort.SliceStable(data.Diagnostics, func(i, j int) bool {
		if data.Diagnostics[i].Dept != data.Diagnostics[j].Dept {
			return data.Diagnostics[i].Dept < data.Diagnostics[j].Dept
		}
		return data.Diagnostics[i].Site < data.Diagnostics[j].Site
	})
	for _, tv := range v.Themes {
		row := dgThemeRow{Theme: refLabels(ref, domain.RefTheme, []string{tv.Theme}), Diagnostics: tv.Diagnostics, Conventions: tv.Conventions}
		for _, st := range domain.Stages {
			row.Counts = append(row.Counts, tv.ByStage[st])
		}
		data.Themes = append(data.Themes, row)
	}
	for i, l := range v.Lessons {
		if i >= 100 {
			break
		}
		data.Lessons = append(data.Lessons, dgLesson{Statement: l.Statement, Theme: refLabels(ref, domain.RefTheme, []string{l.Theme}), Site: l.Site, Territory: l.Territory, DiagID: l.DiagnosticID})
	}
	if len(bars) > 0 {
		data.Chart = template.HTML(mapsvg.BarChart(mapsvg.Chart{ID: "avancement-sites", Title: "Avancement moyen des conventions par site",
			Desc: "Progression moyenne vers les cibles des fiches action des conventions de chaque site ; le tableau de comparaison des sites donne les mêmes valeurs.", Unit: "%"}, bars))
	}
	if data.Total > 0 {
		sb := make([]mapsvg.Bar, len(domain.Stages))
		for i := range domain.Stages {
			sb[i] = mapsvg.Bar{Label: data.StageLabels[i], Value: stageTotals[i]}
		}
		data.StageChart = template.HTML(mapsvg.BarChart(mapsvg.Chart{ID: "etapes-diagnostics", Title: "Diagnostics par étape",
			Desc: "Nombre de diagnostics à chaque étape, tous sites confondus ; le tableau des sites détaille ces nombres.", Unit: "diagnostic(s)"}, sb))
	}
	h.render(w, r, http.StatusOK, "steering", page{Title: "Pilotage national", Section: "diagnostics",
		Crumbs: []crumb{{"Accueil", "/"}, {"Diagnostics partagés", "/diagnostics"}, {"Pilotage national", ""}}, Data: data})
}
