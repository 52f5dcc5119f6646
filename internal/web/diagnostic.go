package web

// Shared diagnostic screens: the list, a diagnostic's page (stages as a
// stepper and timeline, participants, frozen portraits, fieldwork, findings
// with each organisation's position and the crossing of viewpoints), the
// position and fieldwork forms. The rules are internal/diagnostic's Service.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"maillage/internal/analysis"
	"maillage/internal/auth"
	"maillage/internal/diagnostic"
	"maillage/internal/domain"
)

// registerDiagnostics adds the diagnostic pages to the router.
func (h *handler) registerDiagnostics(mux *http.ServeMux) {
	mux.HandleFunc("GET /diagnostics", h.diagnosticList)
	mux.HandleFunc("GET /diagnostics/{id}", h.diagnosticPage)
	mux.HandleFunc("POST /diagnostics/{id}/etape", h.diagnosticStage)
	mux.HandleFunc("POST /diagnostics/{id}/portrait", h.diagnosticFreeze)
	mux.HandleFunc("POST /diagnostics/{id}/activites", h.diagnosticActivity)
	mux.HandleFunc("POST /diagnostics/{id}/constats", h.diagnosticFinding)
	mux.HandleFunc("POST /diagnostics/{id}/constats/{fid}/position", h.diagnosticPosition)
	mux.HandleFunc("GET /diagnostics/{id}/restitution", h.restitutionPage)
	mux.HandleFunc("POST /diagnostics/{id}/restitution", h.restitutionCreate)
	mux.HandleFunc("POST /diagnostics/{id}/restitution/{rid}/examen", h.restitutionReview)
	mux.HandleFunc("POST /diagnostics/{id}/restitution/{rid}/points", h.restitutionVote)
	mux.HandleFunc("GET /diagnostics/{id}/rapport", h.diagnosticReport)
	mux.HandleFunc("GET /pilotage", h.steering)
	h.registerCreateForms(mux) // diag_create.go: diagnostics, bodies, conventions
}

// ---- list ----

type diagRow struct {
	ID           int64
	Title        string
	Perimeter    string
	PerimeterURL string
	Themes       string
	Stage        string
	StageN       int
	Participants string
	NParts       int
	Updated      string
}

type diagListData struct {
	Rows   []diagRow
	Stage  string
	Theme  string
	Stages []dgOption
	Themes []dgOption
	Total  int
}

type dgOption struct {
	Value, Label string
	Selected     bool
}

func (h *handler) territoryName(ctx context.Context, code string) string {
	if code == "" {
		return ""
	}
	if t, err := h.s.Territory(ctx, code); err == nil {
		return t.Name
	}
	return code
}

func (h *handler) diagnosticList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	svc, err := h.diagService()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := domain.DiagnosticFilter{Stage: q.Get("etape"), Theme: q.Get("thematique")}
	if f.Stage != "" && domain.StageIndex(f.Stage) < 0 {
		f.Stage = ""
	}
	pg, err := svc.Diagnostics(ctx, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ref, _ := h.s.Referentials(ctx)
	d := diagListData{Stage: f.Stage, Theme: f.Theme, Total: pg.Total}
	for _, st := range domain.Stages {
		d.Stages = append(d.Stages, dgOption{st, domain.StageLabel(st), st == f.Stage})
	}
	if ref != nil {
		for _, e := range ref.Entries(domain.RefTheme) {
			d.Themes = append(d.Themes, dgOption{e.Code, e.Label, e.Code == f.Theme})
		}
	}
	for _, x := range pg.Items {
		dgNames := make([]string, 0, len(x.Participants))
		for _, p := range x.Participants {
			dgNames = append(dgNames, p.Name)
		}
		d.Rows = append(d.Rows, diagRow{ID: x.ID, Title: x.Title, Perimeter: h.territoryName(ctx, x.Perimeter), PerimeterURL: "/territoires/" + url.PathEscape(x.Perimeter),
			Themes: refLabels(ref, domain.RefTheme, x.Themes), Stage: domain.StageLabel(x.Stage), StageN: domain.StageIndex(x.Stage) + 1,
			Participants: strings.Join(dgNames, ", "), NParts: len(x.Participants), Updated: frenchDate(x.UpdatedAt)})
	}
	h.render(w, r, http.StatusOK, "diag_list", page{Title: "Diagnostics partagés", Section: "diagnostics",
		Crumbs: []crumb{{"Accueil", "/"}, {"Diagnostics partagés", ""}}, Data: d})
}

// ---- one diagnostic ----

type stepView struct {
	Label   string
	State   string // "fait", "en-cours", "a-venir"
	Current bool
}

type moveView struct {
	From, To, At, Who, Note string
}

type partView struct {
	OrgID int64
	Name  string
	Kind  string
	Role  string
}

type portraitView struct {
	ID          int64
	TakenAt     string
	DataVersion int64
	Link        string
	Params      string
	Figures     []dgFigure
}

type dgFigure struct{ Label, Value string }

type activityView struct {
	ID                                            int64
	Kind, Title, Date, Place, Participants, Notes string
	Personal                                      bool
	Files                                         []fileView
}

type fileView struct{ Name, Href, Size string }

type positionView struct {
	Org, Stance, Badge, Comment, At string
	StanceCode                      string
}

type findingView struct {
	ID         int64
	Version    int64
	Statement  string
	Previous   []string
	Theme      string
	Author     string
	Status     string
	StatusCode string
	Badge      string
	Agree      int
	Nuance     int
	Disagree   int
	N          int
	Missing    []string
	Contested  bool
	Dispersion string
	Support    string
	KindGap    string
	ByKind     []kindView
	Bar        template.HTML
	Positions  []positionView
	// position form
	Open     bool // positions may be taken
	Mine     string
	MineText string
	Errors   map[string]string
	General  string
	Review   *reviewView
}

type kindView struct {
	Label, Support string
	Agree, Nuance  int
	Disagree       int
}

type reviewView struct {
	Decision, Reason, NewStatement, At string
}

type diagPageData struct {
	D            *domain.Diagnostic
	Perimeter    string
	PerimeterURL string
	Themes       string
	Publics      string
	Period       string
	Steps        []stepView
	StepN        int
	StepTotal    int
	StageLabel   string
	Next         string
	NextCode     string
	PrevCode     string
	Prev         string
	Moves        []moveView
	Participants []partView
	Portraits    []portraitView
	Activities   []activityView
	Findings     []findingView
	Contested    int
	// who acts
	CanEdit     bool
	CanPosition bool
	ActingName  string
	OrgChoices  []dgOption
	CanActivity bool
	ActKinds    []dgOption
	ActErrors   map[string]string
	ActSummary  []dgFormError
	ActValues   map[string]string
	StageError  string
	// new finding form
	CanFind    bool
	FindThemes []dgOption
	FindErrors map[string]string
	FindValues map[string]string
	Flash      string
	HasRestit  bool
	CSRF       string
}

func (h *handler) loadDiagnostic(w http.ResponseWriter, r *http.Request) (*diagnostic.Service, *domain.Diagnostic, bool) {
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
	d, err := svc.Diagnostic(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	return svc, d, true
}

// acting says for which organisation the visitor takes position or votes:
// a signed-in person acts for their current organisation; an administrator
// or a demo without accounts chooses among the participants.
func (h *handler) acting(ctx context.Context, d *domain.Diagnostic, selected int64) (can bool, name string, choices []dgOption) {
	p := domain.PrincipalFrom(ctx)
	if !h.mayWrite(ctx, auth.Create) {
		return false, "", nil
	}
	if p != nil && p.Role != domain.RoleAdmin {
		part, ok := d.Participant(p.OrgID)
		if !ok {
			return false, "", nil
		}
		return true, part.Name, nil
	}
	for _, part := range d.Participants {
		choices = append(choices, dgOption{strconv.FormatInt(part.OrgID, 10), part.Name, part.OrgID == selected})
	}
	return len(choices) > 0, "", choices
}

// diagnosticMessages are the confirmations of the diagnostic page (?ok=).
var diagnosticMessages = map[string]string{
	"position":           "Votre position est enregistrée.",
	"constat":            "Le constat est proposé : les organisations participantes peuvent prendre position.",
	"activite":           "L’activité de terrain est enregistrée.",
	"portrait":           "Le portrait de données est figé : ses chiffres ne bougeront plus.",
	"cree":               "Le diagnostic est créé, à l’étape « préparation ».",
	"cree-sans-portrait": "Le diagnostic est créé ; son portrait de données n’a pas pu être figé : figez-le depuis cette page.",
}

func (h *handler) diagnosticPage(w http.ResponseWriter, r *http.Request) {
	svc, d, ok := h.loadDiagnostic(w, r)
	if !ok {
		return
	}
	data, err := h.diagPageData(r, svc, d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data.Flash = okMessage(r, diagnosticMessages, map[string]string{
		"etape": "Le diagnostic est passé à l’étape « " + domain.StageLabel(d.Stage) + " ».",
	})
	h.renderDiag(w, r, http.StatusOK, d, data)
}

func (h *handler) renderDiag(w http.ResponseWriter, r *http.Request, status int, d *domain.Diagnostic, data *diagPageData) {
	h.render(w, r, status, "diag_page", page{Title: d.Title, Section: "diagnostics", Flash: data.Flash,
		Crumbs: []crumb{{"Accueil", "/"}, {"Diagnostics partagés", "/diagnostics"}, {d.Title, ""}}, Data: data})
}

func (h *handler) diagPageData(r *http.Request, svc *diagnostic.Service, d *domain.Diagnostic) (*diagPageData, error) {
	ctx := r.Context()
	ref, err := h.s.Referentials(ctx)
	if err != nil {
		return nil, err
	}
	nm := h.dgNames(ctx)
	for _, p := range d.Participants {
		nm.orgs[p.OrgID] = p.Name
	}
	data := &diagPageData{D: d, Perimeter: h.territoryName(ctx, d.Perimeter), PerimeterURL: "/territoires/" + url.PathEscape(d.Perimeter),
		Themes: refLabels(ref, domain.RefTheme, d.Themes), Publics: refLabels(ref, domain.RefPublic, d.Publics),
		Period: periodText(d.PeriodStart, d.PeriodEnd), StageLabel: domain.StageLabel(d.Stage), CSRF: auth.CSRFToken(ctx),
		ActErrors: map[string]string{}, ActValues: map[string]string{}, FindErrors: map[string]string{}, FindValues: map[string]string{}}
	cur := domain.StageIndex(d.Stage)
	data.StepN, data.StepTotal = cur+1, len(domain.Stages)
	for i, st := range domain.Stages {
		state := "a-venir"
		if i < cur {
			state = "fait"
		} else if i == cur {
			state = "en-cours"
		}
		data.Steps = append(data.Steps, stepView{Label: domain.StageLabel(st), State: state, Current: i == cur})
	}
	if cur+1 < len(domain.Stages) {
		data.Next, data.NextCode = domain.StageLabel(domain.Stages[cur+1]), domain.Stages[cur+1]
	}
	if cur > 0 && cur <= domain.StageIndex(domain.StageRestitution) {
		data.Prev, data.PrevCode = domain.StageLabel(domain.Stages[cur-1]), domain.Stages[cur-1]
	}
	data.Moves = append(data.Moves, moveView{To: domain.StageLabel(domain.StagePreparation), At: frenchDateTime(d.CreatedAt), Who: nm.org(d.OwnerOrg), Note: "création du diagnostic"})
	for _, m := range d.StageMoves {
		who := joinNonEmpty(", ", nm.person(m.UserID), nm.org(m.OrgID))
		if who == "" {
			who = "ligne de commande ou import"
		}
		data.Moves = append(data.Moves, moveView{From: domain.StageLabel(m.From), To: domain.StageLabel(m.To), At: frenchDateTime(m.At), Who: who, Note: m.Note})
	}
	for _, p := range d.Participants {
		data.Participants = append(data.Participants, partView{OrgID: p.OrgID, Name: p.Name, Kind: diagnostic.KindLabel(diagnostic.KindOf(p.ActorType)), Role: p.Role})
	}
	// frozen portraits
	pts, err := svc.Diag.Portraits(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range pts {
		data.Portraits = append(data.Portraits, portraitOf(p, ref))
	}
	acts, err := svc.Activities(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	files := map[int64][]fileView{}
	if atts, err := svc.Diag.Attachments(ctx, d.ID); err == nil {
		for _, at := range atts {
			files[at.ActivityID] = append(files[at.ActivityID], fileView{Name: at.Name, Href: "/api/v1/attachments/" + strconv.FormatInt(at.ID, 10),
				Size: formatNumDec(float64(at.Size)/1024, 0) + " Kio"})
		}
	}
	for _, a := range acts {
		v := activityOf(a, nm)
		v.Files = files[a.ID] // only the attachments of activities the visitor sees
		data.Activities = append(data.Activities, v)
	}
	fs, err := svc.Findings(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	ps, err := svc.Positions(ctx, d.ID, true)
	if err != nil {
		return nil, err
	}
	data.Findings = findingViews(d, fs, ps, ref, nm)
	for _, f := range data.Findings {
		if f.Contested {
			data.Contested++
		}
	}
	open := d.Stage == domain.StageFieldwork || d.Stage == domain.StageRestitution
	can, name, choices := h.acting(ctx, d, 0)
	data.CanPosition, data.ActingName, data.OrgChoices = can && open, name, choices
	data.CanFind = can && d.Stage != domain.StageValidated && d.Stage != domain.StageFollowUp
	for _, th := range d.Themes {
		data.FindThemes = append(data.FindThemes, dgOption{Value: th, Label: refLabels(ref, domain.RefTheme, []string{th})})
	}
	var mine int64
	if p := domain.PrincipalFrom(ctx); p != nil {
		mine = p.OrgID
	}
	cur2 := diagnostic.Current(ps)
	for i := range data.Findings {
		f := &data.Findings[i]
		f.Open = data.CanPosition && (f.StatusCode == domain.FindingProposed || f.StatusCode == domain.FindingDebated)
		for _, p := range cur2 {
			if p.FindingID == f.ID && p.OrgID == mine && mine != 0 {
				f.Mine, f.MineText = p.Stance, p.Comment
			}
		}
	}
	data.CanEdit = h.mayWrite(ctx, auth.Update) && (domain.PrincipalFrom(ctx) == nil || auth.Can(domain.PrincipalFrom(ctx), auth.Update, auth.Resource{Class: auth.Data, OwnerOrg: d.OwnerOrg, Visibility: d.Visibility}))
	data.CanActivity = h.mayWrite(ctx, auth.Create) && d.Stage != domain.StageValidated && d.Stage != domain.StageFollowUp
	for _, k := range domain.ActivityKinds {
		data.ActKinds = append(data.ActKinds, dgOption{k, activityLabels[k], false})
	}
	rs, err := svc.Diag.Restitutions(ctx, d.ID)
	if err == nil && len(rs) > 0 {
		data.HasRestit = true
		last := rs[len(rs)-1]
		for i := range data.Findings {
			for _, rv := range last.Reviews {
				if rv.FindingID == data.Findings[i].ID {
					data.Findings[i].Review = &reviewView{Decision: dgLabel(findingLabels, rv.Decision), Reason: rv.Reason, NewStatement: rv.NewStatement, At: frenchDate(rv.At)}
				}
			}
		}
	}
	return data, nil
}

func periodText(a, b *domain.Date) string {
	switch {
	case a != nil && b != nil:
		return "du " + dateText(a) + " au " + dateText(b)
	case a != nil:
		return "à partir du " + dateText(a)
	case b != nil:
		return "jusqu’au " + dateText(b)
	}
	return ""
}

func portraitOf(p domain.Portrait, ref *domain.Referentials) portraitView {
	v := portraitView{ID: p.ID, TakenAt: frenchDateTime(p.TakenAt), DataVersion: p.DataVersion}
	var par analysis.Params
	_ = json.Unmarshal(p.Params, &par)
	q := url.Values{}
	q.Set("perimetre", par.Scope)
	for _, t := range par.Themes {
		q.Add("thematique", t)
	}
	for _, pu := range par.Publics {
		q.Add("public", pu)
	}
	if par.Year != 0 {
		q.Set("annee", strconv.Itoa(par.Year))
	}
	if par.RadiusKm != 0 {
		q.Set("rayon", strconv.FormatFloat(par.RadiusKm, 'f', -1, 64))
	}
	v.Link = "/analyse?" + q.Encode()
	v.Params = joinNonEmpty(" ; ", "périmètre "+par.Scope, refLabels(ref, domain.RefTheme, par.Themes), yearText(par.Year))
	var res struct {
		Summary analysis.Summary `json:"summary"`
		Scope   analysis.ScopeInfo
	}
	if json.Unmarshal(p.Result, &res) == nil {
		s := res.Summary
		v.Figures = []dgFigure{
			{"Personnes concernées (besoin)", formatNum(s.Need)},
			{"Offre (places ou participants par an)", formatNum(s.Supply)},
			{"Places pour 1 000 personnes concernées", formatNumDec(s.RatioPer1000, 1)},
			{"Zones blanches (communes)", strconv.Itoa(s.WhiteZones)},
			{"Personnes sans offre accessible", formatNum(s.Uncovered)},
			{"Actions prises en compte", strconv.Itoa(s.Actions)},
		}
	}
	return v
}

func yearText(y int) string {
	if y == 0 {
		return ""
	}
	return "année " + strconv.Itoa(y)
}

func activityOf(a domain.Activity, nm *dgNames) activityView {
	var parts []string
	for _, p := range a.Participants {
		n := p.Name
		if n == "" && p.OrgID != 0 {
			n = nm.org(p.OrgID)
		}
		parts = append(parts, joinNonEmpty(" — ", n, p.Role))
	}
	return activityView{ID: a.ID, Kind: dgLabel(activityLabels, a.Kind), Title: a.Title, Date: frenchDate(a.Date.Time), Place: a.Place,
		Participants: strings.Join(parts, " ; "), Notes: a.Notes, Personal: a.PersonalData}
}

// findingViews computes each finding's view with the crossing of viewpoints.
func findingViews(d *domain.Diagnostic, fs []domain.Finding, ps []domain.Position, ref *domain.Referentials, nm *dgNames) []findingView {
	cross := diagnostic.Cross(d, fs, ps, 0)
	byID := map[int64]diagnostic.Crossing{}
	for _, c := range cross {
		byID[c.FindingID] = c
	}
	cur := diagnostic.Current(ps)
	out := make([]findingView, 0, len(fs))
	for _, f := range fs {
		c := byID[f.ID]
		v := findingView{ID: f.ID, Version: f.Version, Statement: f.Statement, Previous: f.Previous, Theme: refLabels(ref, domain.RefTheme, []string{f.Theme}),
			Author: nm.org(f.AuthorOrg), Status: dgLabel(findingLabels, f.Status), StatusCode: f.Status, Badge: findingBadges[f.Status],
			Agree: c.Tally.Agree, Nuance: c.Tally.Nuance, Disagree: c.Tally.Disagree, N: c.Tally.N, Contested: c.Contested,
			Dispersion: formatNumDec(c.Dispersion, 2), KindGap: formatNumDec(c.KindGap, 2), Errors: map[string]string{}}
		if c.Support >= 0 {
			v.Support = dgPercent(c.Support)
		}
		for _, o := range c.Missing {
			v.Missing = append(v.Missing, nm.org(o))
		}
		for _, k := range c.ByKind {
			v.ByKind = append(v.ByKind, kindView{Label: k.Label, Support: dgPercent(k.Support), Agree: k.Tally.Agree, Nuance: k.Tally.Nuance, Disagree: k.Tally.Disagree})
		}
		for _, p := range cur {
			if p.FindingID == f.ID {
				v.Positions = append(v.Positions, positionView{Org: nm.org(p.OrgID), Stance: dgLabel(stanceLabels, p.Stance), StanceCode: p.Stance,
					Badge: stanceBadges[p.Stance], Comment: p.Comment, At: frenchDate(p.At)})
			}
		}
		v.Bar = stanceBar(f.ID, c.Tally, c.Contested)
		out = append(out, v)
	}
	return out
}

// stanceBar draws the stances on a finding as one stacked bar (agree,
// nuance, disagree), with the counts as its text alternative.
func stanceBar(id int64, t diagnostic.Tally, contested bool) template.HTML {
	const w, hgt = 240, 18
	var b bytes.Buffer
	alt := fmt.Sprintf("%d d’accord, %d nuancé(s), %d pas d’accord", t.Agree, t.Nuance, t.Disagree)
	if contested {
		alt += " : constat contesté"
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="barre-positions" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="barre-%d-t"><title id="barre-%d-t">%s</title>`, w, hgt, w, hgt, id, id, template.HTMLEscapeString(alt))
	if t.N == 0 {
		fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="#eeeeee" stroke="#929292"/>`, w, hgt)
	} else {
		x := 0.0
		for _, s := range []struct {
			n    int
			fill string
			name string
		}{{t.Agree, "#18753c", "d’accord"}, {t.Nuance, "#c3992a", "nuancé"}, {t.Disagree, "#ce0500", "pas d’accord"}} {
			if s.n == 0 {
				continue
			}
			wd := float64(w) * float64(s.n) / float64(t.N)
			fmt.Fprintf(&b, `<rect x="%.1f" y="0" width="%.1f" height="%d" fill="%s"><title>%d %s</title></rect>`, x, wd, hgt, s.fill, s.n, s.name)
			x += wd
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// ---- writes ----

func (h *handler) diagnosticStage(w http.ResponseWriter, r *http.Request) {
	svc, d, ok := h.loadDiagnostic(w, r)
	if !ok {
		return
	}
	if !h.mayWrite(r.Context(), auth.Update) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte qui peut faire avancer ce diagnostic."))
		return
	}
	_, err := svc.MoveStage(r.Context(), d.ID, r.PostFormValue("etape"), strings.TrimSpace(r.PostFormValue("note")))
	if err != nil {
		if domain.ErrorCode(err) != domain.EINVALID {
			h.fail(w, r, err)
			return
		}
		data, err2 := h.diagPageData(r, svc, d)
		if err2 != nil {
			h.fail(w, r, err2)
			return
		}
		data.StageError = domain.ErrorMessage(err)
		if fe, _ := dgFieldErrors(err); len(fe) > 0 {
			data.StageError = strings.Join(dgValues(fe), " ; ")
		}
		h.renderDiag(w, r, http.StatusUnprocessableEntity, d, data)
		return
	}
	http.Redirect(w, r, "/diagnostics/"+strconv.FormatInt(d.ID, 10)+"?ok=etape", http.StatusSeeOther)
}

func dgValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, k := range sortedKeysStr(m) {
		out = append(out, m[k])
	}
	return out
}

var activityFieldLabels = map[string]string{"kind": "Type d’activité", "title": "Intitulé", "date": "Date", "place": "Lieu", "participants": "Participants", "notes": "Notes", "visibility": "Visibilité", "stage": "Étape"}

func (h *handler) diagnosticActivity(w http.ResponseWriter, r *http.Request) {
	svc, d, ok := h.loadDiagnostic(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	if !h.mayWrite(ctx, auth.Create) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte qui peut enregistrer une activité de terrain."))
		return
	}
	vals := map[string]string{}
	for _, k := range []string{"kind", "title", "date", "place", "participants", "notes"} {
		vals[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	a := &domain.Activity{DiagnosticID: d.ID, Kind: vals["kind"], Title: vals["title"], Place: vals["place"], Notes: vals["notes"]}
	fe := map[string]string{}
	if vals["date"] != "" {
		dt, err := domain.ParseDate(vals["date"])
		if err != nil {
			fe["date"] = "date invalide : AAAA-MM-JJ ou JJ/MM/AAAA"
		} else {
			a.Date = dt
		}
	}
	for _, line := range strings.Split(vals["participants"], "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, role, _ := strings.Cut(line, "—")
		if role == "" {
			name, role, _ = strings.Cut(line, " - ")
		}
		a.Participants = append(a.Participants, domain.ActivityParticipant{Name: strings.TrimSpace(name), Role: strings.TrimSpace(role)})
	}
	var err error
	if len(fe) == 0 {
		err = svc.AddActivity(ctx, a)
	}
	if len(fe) > 0 || err != nil {
		var general string
		if err != nil {
			if c := domain.ErrorCode(err); c != domain.EINVALID {
				h.fail(w, r, err)
				return
			}
			fe, general = dgFieldErrors(err)
		}
		data, err2 := h.diagPageData(r, svc, d)
		if err2 != nil {
			h.fail(w, r, err2)
			return
		}
		if general != "" {
			fe["title"] = general
		}
		data.ActErrors, data.ActValues = fe, vals
		data.ActSummary = dgSummary(fe, activityFieldLabels, "act-")
		for i := range data.ActKinds {
			data.ActKinds[i].Selected = data.ActKinds[i].Value == vals["kind"]
		}
		h.renderDiag(w, r, http.StatusUnprocessableEntity, d, data)
		return
	}
	http.Redirect(w, r, "/diagnostics/"+strconv.FormatInt(d.ID, 10)+"?ok=activite#terrain", http.StatusSeeOther)
}

func (h *handler) diagnosticPosition(w http.ResponseWriter, r *http.Request) {
	svc, d, ok := h.loadDiagnostic(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	fid, ok := h.writeTarget(w, r, "fid", auth.Create, "Connectez-vous avec un compte qui peut prendre position pour son organisation.")
	if !ok {
		return
	}
	stance := r.PostFormValue("position")
	comment := strings.TrimSpace(r.PostFormValue("commentaire"))
	org, _ := strconv.ParseInt(r.PostFormValue("organisation"), 10, 64)
	fe := map[string]string{}
	var general string
	if stance == "" {
		fe["stance"] = "choisissez une position : d’accord, nuancé ou pas d’accord"
	} else {
		p := &domain.Position{FindingID: fid, OrgID: org, Stance: stance, Comment: comment}
		if err := svc.AddPosition(ctx, p); err != nil {
			switch domain.ErrorCode(err) {
			case domain.EINVALID:
				fe, general = dgFieldErrors(err)
			default:
				h.fail(w, r, err)
				return
			}
		}
	}
	if len(fe) == 0 && general == "" {
		http.Redirect(w, r, "/diagnostics/"+strconv.FormatInt(d.ID, 10)+"?ok=position#constat-"+strconv.FormatInt(fid, 10), http.StatusSeeOther)
		return
	}
	data, err := h.diagPageData(r, svc, d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for i := range data.Findings {
		f := &data.Findings[i]
		if f.ID != fid {
			continue
		}
		// fields of the form: stance, comment, org; others go to the top
		for k, v := range fe {
			switch k {
			case "stance", "comment", "org_id":
				f.Errors[k] = v
			default:
				general = joinNonEmpty(" ; ", general, v)
			}
		}
		if msg, ok := f.Errors["org_id"]; ok && len(data.OrgChoices) == 0 {
			// no organisation field to attach it to
			general = joinNonEmpty(" ; ", general, msg)
			delete(f.Errors, "org_id")
		}
		f.General = general
		f.Mine, f.MineText = stance, comment
	}
	for i := range data.OrgChoices {
		data.OrgChoices[i].Selected = data.OrgChoices[i].Value == strconv.FormatInt(org, 10)
	}
	h.renderDiag(w, r, http.StatusUnprocessableEntity, d, data)
}

// sortFindings keeps the contested findings first (for the report).
func sortFindings(fs []findingView) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Contested && !fs[j].Contested })
}

// diagnosticFreeze freezes a new data portrait on the diagnostic's scope
// (its perimeter, themes, publics and the year of its period's end).
func (h *handler) diagnosticFreeze(w http.ResponseWriter, r *http.Request) {
	svc, d, ok := h.loadDiagnostic(w, r)
	if !ok {
		return
	}
	if !h.mayWrite(r.Context(), auth.Update) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte qui peut figer le portrait de ce diagnostic."))
		return
	}
	if _, err := svc.FreezePortrait(r.Context(), d.ID, nil); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/diagnostics/"+strconv.FormatInt(d.ID, 10)+"?ok=portrait#portrait", http.StatusSeeOther)
}

var findingFieldLabels = map[string]string{"statement": "Énoncé", "theme": "Thématique", "author_org": "Organisation", "org_id": "Organisation", "stage": "Étape"}

// diagnosticFinding records a finding proposed by the visitor's
// organisation (or, for an administrator or a demo, the chosen participant).
func (h *handler) diagnosticFinding(w http.ResponseWriter, r *http.Request) {
	svc, d, ok := h.loadDiagnostic(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	if !h.mayWrite(ctx, auth.Create) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte qui peut proposer un constat."))
		return
	}
	vals := map[string]string{"statement": strings.TrimSpace(r.PostFormValue("enonce")), "theme": r.PostFormValue("thematique"), "org": r.PostFormValue("organisation")}
	org, _ := strconv.ParseInt(vals["org"], 10, 64)
	f := &domain.Finding{DiagnosticID: d.ID, Statement: vals["statement"], Theme: vals["theme"], AuthorOrg: org}
	err := svc.AddFinding(ctx, f)
	if err == nil {
		http.Redirect(w, r, "/diagnostics/"+strconv.FormatInt(d.ID, 10)+"?ok=constat#constat-"+strconv.FormatInt(f.ID, 10), http.StatusSeeOther)
		return
	}
	if domain.ErrorCode(err) != domain.EINVALID {
		h.fail(w, r, err)
		return
	}
	fe, general := dgFieldErrors(err)
	data, err := h.diagPageData(r, svc, d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for k, v := range fe {
		switch k {
		case "statement", "theme":
			data.FindErrors[k] = v
		default:
			general = joinNonEmpty(" ; ", general, dgLabel(findingFieldLabels, k)+" : "+v)
		}
	}
	if general != "" {
		data.FindErrors["general"] = general
	}
	data.FindValues = vals
	for i := range data.FindThemes {
		data.FindThemes[i].Selected = data.FindThemes[i].Value == vals["theme"]
	}
	h.renderDiag(w, r, http.StatusUnprocessableEntity, d, data)
}
