package web

// The national steering view: across the CAF and their sites, the
// diagnostics grouped by owner organisation and département — themes,
// stages, progress of the conventions — and the shared lessons (validated
// findings), with a comparison table and a chart.

import (
	"context"
	"html/template"
	"net/http"
	"sort"
	"strings"

	"maillage/internal/domain"
	"maillage/internal/web/mapsvg"
)

type dgSiteRow struct {
	Key         string
	Org         string
	Dept        string
	Diagnostics int
	Stages      []int // per domain.Stages
	Themes      string
	Findings    int
	Validated   int
	Contested   int
	Conventions int
	Progress    string
	progressSum float64
	progressN   int
	themes      map[string]bool
	DiagLinks   []diagLink
}

type diagLink struct {
	ID    int64
	Title string
	Stage string
}

type dgThemeRow struct {
	Theme  string
	Counts []int
	Total  int
}

type dgLesson struct {
	Statement, Theme, Site, Diagnostic, Status string
	DiagID                                     int64
}

type steeringData struct {
	Sites       []*dgSiteRow
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
	ref, _ := h.s.Referentials(ctx)
	nm := h.dgNames(ctx)
	deps := map[string]string{}
	pg, err := svc.Diagnostics(ctx, domain.DiagnosticFilter{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := &steeringData{Total: pg.Total}
	for _, st := range domain.Stages {
		data.StageLabels = append(data.StageLabels, domain.StageLabel(st))
	}
	sites := map[string]*dgSiteRow{}
	site := func(org int64, perimeter string) *dgSiteRow {
		dep := h.deptOf(ctx, perimeter, deps)
		key := nm.org(org) + "|" + dep
		s := sites[key]
		if s == nil {
			s = &dgSiteRow{Key: key, Org: nm.org(org), Dept: dep, Stages: make([]int, len(domain.Stages)), themes: map[string]bool{}}
			sites[key] = s
		}
		return s
	}
	themeStages := map[string][]int{}
	stageTotals := make([]float64, len(domain.Stages))
	for _, d := range pg.Items {
		s := site(d.OwnerOrg, d.Perimeter)
		s.Diagnostics++
		i := domain.StageIndex(d.Stage)
		if i >= 0 {
			s.Stages[i]++
			stageTotals[i]++
		}
		s.DiagLinks = append(s.DiagLinks, diagLink{d.ID, d.Title, domain.StageLabel(d.Stage)})
		for _, t := range d.Themes {
			s.themes[t] = true
			if themeStages[t] == nil {
				themeStages[t] = make([]int, len(domain.Stages))
			}
			if i >= 0 {
				themeStages[t][i]++
			}
		}
		fs, err := svc.Findings(ctx, d.ID)
		if err != nil {
			continue
		}
		ps, _ := svc.Positions(ctx, d.ID, true)
		views := findingViews(&d, fs, ps, ref, nm)
		for j, f := range fs {
			s.Findings++
			if views[j].Contested {
				s.Contested++
			}
			if f.Status == domain.FindingValidated || f.Status == domain.FindingAmended {
				s.Validated++
				if len(data.Lessons) < 60 {
					data.Lessons = append(data.Lessons, dgLesson{Statement: f.Statement, Theme: refLabels(ref, domain.RefTheme, []string{f.Theme}),
						Site: s.Org + ", " + s.Dept, Diagnostic: d.Title, DiagID: d.ID, Status: dgLabel(findingLabels, f.Status)})
				}
			}
		}
	}
	cs, err := svc.Conventions(ctx, domain.ConventionFilter{})
	if err == nil {
		data.Conventions = cs.Total
		for _, c := range cs.Items {
			s := site(c.OwnerOrg, c.Perimeter)
			s.Conventions++
			if rep, err := svc.Report(ctx, c.ID); err == nil && rep.Progress.Progress != nil {
				s.progressSum += *rep.Progress.Progress
				s.progressN++
			}
		}
	}
	var bars []mapsvg.Bar
	for _, s := range sites {
		data.Sites = append(data.Sites, s)
	}
	sort.Slice(data.Sites, func(i, j int) bool { return data.Sites[i].Key < data.Sites[j].Key })
	for _, s := range data.Sites {
		codes := make([]string, 0, len(s.themes))
		for t := range s.themes {
			codes = append(codes, t)
		}
		sort.Strings(codes)
		s.Themes = refLabels(ref, domain.RefTheme, codes)
		if s.progressN > 0 {
			p := s.progressSum / float64(s.progressN)
			s.Progress = dgPercent(p)
			bars = append(bars, mapsvg.Bar{Label: s.Org + " – " + strings.SplitN(s.Dept, " (", 2)[0], Value: p * 100})
		}
	}
	for _, t := range sortedKeysStr(themeStages) {
		row := dgThemeRow{Theme: refLabels(ref, domain.RefTheme, []string{t}), Counts: themeStages[t]}
		for _, n := range row.Counts {
			row.Total += n
		}
		data.Themes = append(data.Themes, row)
	}
	if len(bars) > 0 {
		data.Chart = template.HTML(mapsvg.BarChart(mapsvg.Chart{ID: "avancement-sites", Title: "Avancement moyen des conventions par site",
			Desc: "Part des objectifs atteints en moyenne sur les fiches action des conventions de chaque site ; le tableau de comparaison donne les mêmes valeurs.", Unit: "%"}, bars))
	}
	if data.Total > 0 {
		sb := make([]mapsvg.Bar, len(domain.Stages))
		for i := range domain.Stages {
			sb[i] = mapsvg.Bar{Label: data.StageLabels[i], Value: stageTotals[i]}
		}
		data.StageChart = template.HTML(mapsvg.BarChart(mapsvg.Chart{ID: "etapes-diagnostics", Title: "Diagnostics par étape",
			Desc: "Nombre de diagnostics à chaque étape, tous sites confondus ; le tableau par thématique détaille ces nombres.", Unit: "diagnostic(s)"}, sb))
	}
	h.render(w, r, http.StatusOK, "steering", page{Title: "Pilotage national", Section: "diagnostics",
		Crumbs: []crumb{{"Accueil", "/"}, {"Diagnostics partagés", "/diagnostics"}, {"Pilotage national", ""}}, Data: data})
}
