package diagnostic

import (
	"context"
	"slices"
	"sort"

	"maillage/internal/domain"
)

// The national steering view: as in the Odas study, a steering committee
// compares several CAF and their sites — themes, stages, progress, shared
// lessons — beside each local diagnostic.

// DiagnosticSummary is one diagnostic in the steering view.
type DiagnosticSummary struct {
	ID        int64    `json:"id"`
	Title     string   `json:"title"`
	Perimeter string   `json:"perimeter"`
	Territory string   `json:"territory_name,omitempty"`
	Stage     string   `json:"stage"`
	Themes    []string `json:"themes"`
	Findings  int      `json:"findings"`
	Contested int      `json:"contested"`
	Validated int      `json:"validated"` // validated or amended
	TopRanked string   `json:"top_priority,omitempty"`
}

// ConventionSummary is one convention in the steering view.
type ConventionSummary struct {
	ID        int64    `json:"id"`
	Title     string   `json:"title"`
	Kind      string   `json:"kind"`
	Perimeter string   `json:"perimeter"`
	End       string   `json:"end"`
	Fiches    int      `json:"fiches"`
	Progress  *float64 `json:"progress"`
	Elapsed   float64  `json:"elapsed"`
	Renewal   string   `json:"renewal_alert,omitempty"` // due_soon, expired
}

// Site is what one organisation (a CAF, usually) leads: its diagnostics and
// conventions.
type Site struct {
	OrgID       int64               `json:"org_id"`
	Name        string              `json:"name"`
	Diagnostics []DiagnosticSummary `json:"diagnostics"`
	Conventions []ConventionSummary `json:"conventions"`
	Overdue     int                 `json:"overdue_decisions"`
}

// ThemeView compares the sites on one theme.
type ThemeView struct {
	Theme       string         `json:"theme"`
	Diagnostics int            `json:"diagnostics"`
	Conventions int            `json:"conventions"`
	ByStage     map[string]int `json:"by_stage"`
}

// Lesson is a finding validated (or amended) at a restitution: what the
// sites learnt, to share across them.
type Lesson struct {
	Theme        string `json:"theme"`
	Statement    string `json:"statement"`
	DiagnosticID int64  `json:"diagnostic_id"`
	Site         string `json:"site"`
	Territory    string `json:"territory"`
}

// SteeringView is the national steering view.
type SteeringView struct {
	Sites   []Site      `json:"sites"`
	Themes  []ThemeView `json:"themes"`
	Lessons []Lesson    `json:"lessons"`
}

// KeepTheme keeps the lessons of one theme ("" keeps them all).
func (v *SteeringView) KeepTheme(theme string) {
	if theme != "" {
		v.Lessons = slices.DeleteFunc(v.Lessons, func(l Lesson) bool { return l.Theme != theme })
	}
}

// Steering builds the national steering view over what the caller may see.
func (s *Service) Steering(ctx context.Context) (*SteeringView, error) {
	ds, err := s.Diagnostics(ctx, domain.DiagnosticFilter{})
	if err != nil {
		return nil, err
	}
	cs, err := s.Conventions(ctx, domain.ConventionFilter{})
	if err != nil {
		return nil, err
	}
	sites := map[int64]*Site{}
	site := func(org int64) *Site {
		if st := sites[org]; st != nil {
			return st
		}
		st := &Site{OrgID: org, Diagnostics: []DiagnosticSummary{}, Conventions: []ConventionSummary{}}
		if s.Accounts != nil {
			if o, err := s.Accounts.Organisation(ctx, org); err == nil {
				st.Name = o.Name
			}
		}
		sites[org] = st
		return st
	}
	themes := map[string]*ThemeView{}
	theme := func(t string) *ThemeView {
		if tv := themes[t]; tv != nil {
			return tv
		}
		tv := &ThemeView{Theme: t, ByStage: map[string]int{}}
		themes[t] = tv
		return tv
	}
	v := &SteeringView{Lessons: []Lesson{}}
	for _, d := range ds.Items {
		syn, err := s.Synthesis(ctx, d.ID)
		if err != nil {
			return nil, err
		}
		st := site(d.OwnerOrg)
		sum := DiagnosticSummary{ID: d.ID, Title: d.Title, Perimeter: d.Perimeter, Territory: syn.Territory, Stage: d.Stage, Themes: d.Themes, Findings: len(syn.Findings)}
		for _, c := range syn.Crossings {
			if c.Contested {
				sum.Contested++
			}
		}
		for _, f := range syn.Findings {
			if f.Status == domain.FindingValidated || f.Status == domain.FindingAmended {
				sum.Validated++
				name := st.Name
				if name == "" {
					name = d.Title
				}
				v.Lessons = append(v.Lessons, Lesson{Theme: f.Theme, Statement: f.Statement, DiagnosticID: d.ID, Site: name, Territory: syn.Territory})
			}
		}
		if n := len(syn.Restitutions); n > 0 && len(syn.Restitutions[n-1].Votes) > 0 {
			sum.TopRanked = syn.Restitutions[n-1].Ranking[0].Title
		}
		st.Diagnostics = append(st.Diagnostics, sum)
		for _, t := range d.Themes {
			tv := theme(t)
			tv.Diagnostics++
			tv.ByStage[d.Stage]++
		}
	}
	for _, c := range cs.Items {
		rep, err := s.Report(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		sum := ConventionSummary{ID: c.ID, Title: c.Title, Kind: c.Kind, Perimeter: c.Perimeter, End: c.End.String(),
			Fiches: len(rep.Fiches), Progress: rep.Progress.Progress, Elapsed: rep.Progress.Elapsed}
		if rep.Progress.Renewal != nil {
			sum.Renewal = rep.Progress.Renewal.Level
		}
		st := site(c.OwnerOrg)
		st.Conventions = append(st.Conventions, sum)
		for _, t := range c.Themes {
			theme(t).Conventions++
		}
	}
	overdue, err := s.OverdueDecisions(ctx, domain.DecisionFilter{})
	if err != nil {
		return nil, err
	}
	for _, d := range overdue {
		site(d.Meta.OwnerOrg).Overdue++
	}
	for _, st := range sites {
		v.Sites = append(v.Sites, *st)
	}
	sort.Slice(v.Sites, func(i, j int) bool { return v.Sites[i].OrgID < v.Sites[j].OrgID })
	if v.Sites == nil {
		v.Sites = []Site{}
	}
	for _, tv := range themes {
		v.Themes = append(v.Themes, *tv)
	}
	sort.Slice(v.Themes, func(i, j int) bool {
		if v.Themes[i].Diagnostics+v.Themes[i].Conventions != v.Themes[j].Diagnostics+v.Themes[j].Conventions {
			return v.Themes[i].Diagnostics+v.Themes[i].Conventions > v.Themes[j].Diagnostics+v.Themes[j].Conventions
		}
		return v.Themes[i].Theme < v.Themes[j].Theme
	})
	if v.Themes == nil {
		v.Themes = []ThemeView{}
	}
	slices.SortStableFunc(v.Lessons, func(a, b Lesson) int {
		if a.Theme < b.Theme {
			return -1
		}
		if a.Theme > b.Theme {
			return 1
		}
		return 0
	})
	return v, nil
}
