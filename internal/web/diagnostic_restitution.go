package web

// The restitution-debate screen: review the findings one by one
// (validated, amended with a new wording, rejected with the reason), then
// distribute priority points; the ranking and the spread of points.

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"maillage/internal/auth"
	"maillage/internal/diagnostic"
	"maillage/internal/domain"
	"maillage/internal/web/mapsvg"
)

type prioInput struct {
	Key, Title, Value, Error string
	ID                       string
}

type rankRow struct {
	Rank               int
	Title              string
	Points             int
	Share              string
	Supporters, Voters int
	Mean, StdDev       string
	Min, Max           int
}

type spreadRow struct {
	Org    string
	Points []int
	Total  int
}

type restitData struct {
	D          *domain.Diagnostic
	R          *domain.Restitution
	Date       string
	Stage      string
	InStage    bool
	Findings   []findingView
	Current    *findingView
	CurIndex   int
	PrevID     int64
	NextID     int64
	Reviewed   int
	CanReview  bool
	RevErrors  map[string]string
	RevGeneral string
	RevValues  map[string]string
	// votes
	CanVote     bool
	ActingName  string
	OrgChoices  []dgOption
	Inputs      []prioInput
	Allowance   int
	Given       int
	Remaining   int
	VoteError   string
	VoteSummary []dgFormError
	// results
	Ranking   []rankRow
	Chart     template.HTML
	Keys      []string
	Titles    []string
	Spread    []spreadRow
	Voters    int
	Flash     string
	CanCreate bool
	NewErrors map[string]string
	NewValues map[string]string
}

func (h *handler) restitutionPage(w http.ResponseWriter, r *http.Request) {
	svc, d, ok := h.loadDiagnostic(w, r)
	if !ok {
		return
	}
	data, err := h.restitData(r, svc, d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data.Flash = okMessage(r, map[string]string{
		"examen": "La décision sur le constat est enregistrée.",
		"points": "La répartition des points est enregistrée.",
		"creee":  "La restitution est créée.",
	})
	h.renderRestit(w, r, http.StatusOK, d, data)
}

func (h *handler) renderRestit(w http.ResponseWriter, r *http.Request, status int, d *domain.Diagnostic, data *restitData) {
	h.render(w, r, status, "diag_restitution", page{Title: "Restitution-débat", Section: "diagnostics", Flash: data.Flash,
		Crumbs: []crumb{{"Accueil", "/"}, {"Diagnostics partagés", "/diagnostics"}, {d.Title, "/diagnostics/" + strconv.FormatInt(d.ID, 10)}, {"Restitution-débat", ""}}, Data: data})
}

func (h *handler) restitData(r *http.Request, svc *diagnostic.Service, d *domain.Diagnostic) (*restitData, error) {
	ctx := r.Context()
	ref, err := h.s.Referentials(ctx)
	if err != nil {
		return nil, err
	}
	nm := h.dgNames(ctx)
	for _, p := range d.Participants {
		nm.orgs[p.OrgID] = p.Name
	}
	data := &restitData{D: d, Stage: domain.StageLabel(d.Stage), InStage: d.Stage == domain.StageRestitution,
		RevErrors: map[string]string{}, RevValues: map[string]string{}, NewErrors: map[string]string{}, NewValues: map[string]string{}}
	canEdit := h.mayWrite(ctx, auth.Update)
	if p := domain.PrincipalFrom(ctx); p != nil && !auth.Can(p, auth.Update, auth.Resource{Class: auth.Data, OwnerOrg: d.OwnerOrg, Visibility: d.Visibility}) {
		canEdit = false
	}
	rs, err := svc.Diag.Restitutions(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		data.CanCreate = canEdit && (d.Stage == domain.StageFieldwork || d.Stage == domain.StageRestitution)
		data.NewValues["allowance"] = strconv.Itoa(domain.DefaultAllowance)
		return data, nil
	}
	rest := rs[len(rs)-1]
	data.R = &rest
	data.Date = frenchDate(rest.Date.Time)
	data.Allowance = rest.Allowance
	fs, err := svc.Findings(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	ps, err := svc.Positions(ctx, d.ID, true)
	if err != nil {
		return nil, err
	}
	data.Findings = findingViews(d, fs, ps, ref, nm)
	reviewed := map[int64]domain.Review{}
	for _, rv := range rest.Reviews {
		reviewed[rv.FindingID] = rv
	}
	for i := range data.Findings {
		if rv, ok := reviewed[data.Findings[i].ID]; ok {
			data.Reviewed++
			data.Findings[i].Review = &reviewView{Decision: dgLabel(findingLabels, rv.Decision), Reason: rv.Reason, NewStatement: rv.NewStatement, At: frenchDate(rv.At)}
		}
	}
	// the finding under review: ?constat=ID, else the first not reviewed
	want, _ := strconv.ParseInt(r.URL.Query().Get("constat"), 10, 64)
	if want == 0 {
		want, _ = strconv.ParseInt(r.PostFormValue("constat"), 10, 64)
	}
	idx := -1
	for i, f := range data.Findings {
		if f.ID == want {
			idx = i
		}
	}
	if idx < 0 {
		for i, f := range data.Findings {
			if f.Review == nil {
				idx = i
				break
			}
		}
	}
	if idx < 0 && len(data.Findings) > 0 {
		idx = 0
	}
	if idx >= 0 {
		data.Current, data.CurIndex = &data.Findings[idx], idx+1
		if idx > 0 {
			data.PrevID = data.Findings[idx-1].ID
		}
		if idx+1 < len(data.Findings) {
			data.NextID = data.Findings[idx+1].ID
		}
		data.RevValues["new_statement"] = data.Current.Statement
	}
	data.CanReview = canEdit && data.InStage
	// votes
	votes, err := svc.Diag.Votes(ctx, rest.ID)
	if err != nil {
		return nil, err
	}
	can, name, choices := h.acting(ctx, d, 0)
	data.CanVote, data.ActingName, data.OrgChoices = can && data.InStage, name, choices
	var mine map[string]int
	if p := domain.PrincipalFrom(ctx); p != nil {
		for _, v := range votes {
			if v.OrgID == p.OrgID {
				mine = v.Points
			}
		}
	}
	for _, p := range rest.Priorities {
		in := prioInput{Key: p.Key, Title: p.Title, ID: "points-" + p.Key, Value: "0"}
		if mine != nil {
			in.Value = strconv.Itoa(mine[p.Key])
			data.Given += mine[p.Key]
		}
		data.Inputs = append(data.Inputs, in)
		data.Keys = append(data.Keys, p.Key)
		data.Titles = append(data.Titles, p.Title)
	}
	data.Remaining = rest.Allowance - data.Given
	rank := diagnostic.Rank(d, &rest, votes)
	bars := make([]mapsvg.Bar, 0, len(rank))
	for _, rp := range rank {
		data.Ranking = append(data.Ranking, rankRow{Rank: rp.Rank, Title: rp.Title, Points: rp.Points, Share: dgPercent(rp.Share), Supporters: rp.Supporters, Voters: rp.Voters,
			Mean: formatNumDec(rp.Mean, 1), StdDev: formatNumDec(rp.StdDev, 1), Min: rp.Min, Max: rp.Max})
		bars = append(bars, mapsvg.Bar{Label: rp.Title, Value: float64(rp.Points)})
	}
	for _, v := range votes {
		if _, ok := d.Participant(v.OrgID); !ok {
			continue
		}
		row := spreadRow{Org: nm.org(v.OrgID)}
		for _, k := range data.Keys {
			row.Points = append(row.Points, v.Points[k])
			row.Total += v.Points[k]
		}
		data.Spread = append(data.Spread, row)
	}
	data.Voters = len(data.Spread)
	if data.Voters > 0 {
		data.Chart = template.HTML(mapsvg.BarChart(mapsvg.Chart{ID: "classement", Title: "Points reçus par priorité",
			Desc: "Total des points donnés par les organisations participantes à chaque priorité candidate ; le tableau du classement donne les mêmes valeurs.", Unit: "points"}, bars))
	}
	return data, nil
}

var reviewLabels = map[string]string{"decision": "Décision", "new_statement": "Nouvelle rédaction", "reason": "Motif", "stage": "Étape", "finding_id": "Constat"}

func (h *handler) restitutionReview(w http.ResponseWriter, r *http.Request) {
	svc, d, ok := h.loadDiagnostic(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	rid, ok := h.writeTarget(w, r, "rid", auth.Update, "Connectez-vous avec un compte qui peut arbitrer les constats de ce diagnostic.")
	if !ok {
		return
	}
	fid, _ := strconv.ParseInt(r.PostFormValue("constat"), 10, 64)
	ver, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	rv := domain.Review{FindingID: fid, Decision: r.PostFormValue("decision"), Reason: strings.TrimSpace(r.PostFormValue("motif")), NewStatement: strings.TrimSpace(r.PostFormValue("nouvelle_redaction"))}
	if rv.Decision != domain.ReviewAmended {
		rv.NewStatement = ""
	}
	var fe map[string]string
	var general string
	if rv.Decision == "" {
		fe = map[string]string{"decision": "choisissez une décision : validé, amendé ou rejeté"}
	} else if _, _, err := svc.Review(ctx, rid, rv, ver); err != nil {
		switch domain.ErrorCode(err) {
		case domain.EINVALID:
			fe, general = dgFieldErrors(err)
		case domain.ECONFLICT:
			general = "Ce constat a été modifié par quelqu’un d’autre depuis que vous l’avez ouvert : relisez-le ci-dessous et recommencez."
		default:
			h.fail(w, r, err)
			return
		}
	}
	if len(fe) == 0 && general == "" {
		http.Redirect(w, r, "/diagnostics/"+strconv.FormatInt(d.ID, 10)+"/restitution?ok=examen", http.StatusSeeOther)
		return
	}
	data, err := h.restitData(r, svc, d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if fe == nil {
		fe = map[string]string{}
	}
	data.RevErrors, data.RevGeneral = fe, general
	data.RevValues["decision"] = rv.Decision
	data.RevValues["reason"] = rv.Reason
	if rv.NewStatement != "" {
		data.RevValues["new_statement"] = rv.NewStatement
	}
	status := http.StatusUnprocessableEntity
	if general != "" && len(fe) == 0 {
		status = http.StatusConflict
	}
	h.renderRestit(w, r, status, d, data)
}

func (h *handler) restitutionVote(w http.ResponseWriter, r *http.Request) {
	svc, d, ok := h.loadDiagnostic(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	rid, ok := h.writeTarget(w, r, "rid", auth.Create, "Connectez-vous avec un compte qui peut voter pour son organisation.")
	if !ok {
		return
	}
	rest, err := svc.Diag.Restitution(ctx, rid)
	if err != nil || rest.DiagnosticID != d.ID {
		h.fail(w, r, domain.NotFound("Restitution", r.PathValue("rid")))
		return
	}
	org, _ := strconv.ParseInt(r.PostFormValue("organisation"), 10, 64)
	v := &domain.PriorityVote{RestitutionID: rid, OrgID: org, Points: map[string]int{}}
	inputErr := map[string]string{}
	raw := map[string]string{}
	given := 0
	for _, p := range rest.Priorities {
		s := strings.TrimSpace(r.PostFormValue("points-" + p.Key))
		raw[p.Key] = s
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			inputErr[p.Key] = "nombre entier positif ou nul attendu"
			continue
		}
		if n > 0 {
			v.Points[p.Key] = n
		}
		given += n
	}
	var general string
	if len(inputErr) == 0 {
		if err := svc.Vote(ctx, v); err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				h.fail(w, r, err)
				return
			}
			fe, g := dgFieldErrors(err)
			general = joinNonEmpty(" ; ", append(dgValues(fe), g)...)
		}
	}
	if len(inputErr) == 0 && general == "" {
		http.Redirect(w, r, "/diagnostics/"+strconv.FormatInt(d.ID, 10)+"/restitution?ok=points#priorites", http.StatusSeeOther)
		return
	}
	data, err := h.restitData(r, svc, d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data.Given = given
	data.Remaining = rest.Allowance - given
	for i := range data.Inputs {
		in := &data.Inputs[i]
		in.Value = raw[in.Key]
		in.Error = inputErr[in.Key]
		if in.Error != "" {
			data.VoteSummary = append(data.VoteSummary, dgFormError{Field: in.Title, Message: in.Error, Anchor: in.ID})
		}
	}
	data.VoteError = general
	for i := range data.OrgChoices {
		data.OrgChoices[i].Selected = data.OrgChoices[i].Value == strconv.FormatInt(org, 10)
	}
	h.renderRestit(w, r, http.StatusUnprocessableEntity, d, data)
}

// restitutionCreate creates the restitution-debate with its candidate
// priorities (one per line).
func (h *handler) restitutionCreate(w http.ResponseWriter, r *http.Request) {
	svc, d, ok := h.loadDiagnostic(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	if !h.mayWrite(ctx, auth.Update) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte qui peut organiser la restitution."))
		return
	}
	vals := map[string]string{}
	for _, k := range []string{"date", "place", "allowance", "priorities"} {
		vals[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	fe := map[string]string{}
	rest := &domain.Restitution{DiagnosticID: d.ID, Place: vals["place"]}
	if dt, err := domain.ParseDate(vals["date"]); err != nil {
		fe["date"] = "date obligatoire : AAAA-MM-JJ ou JJ/MM/AAAA"
	} else {
		rest.Date = dt
	}
	if n, err := strconv.Atoi(vals["allowance"]); err != nil || n <= 0 {
		fe["allowance"] = "nombre de points entier et positif attendu"
	} else {
		rest.Allowance = n
	}
	i := 0
	for _, line := range strings.Split(vals["priorities"], "\n") {
		if line = strings.TrimSpace(line); line != "" {
			i++
			rest.Priorities = append(rest.Priorities, domain.Priority{Key: "p" + strconv.Itoa(i), Title: line})
		}
	}
	if i == 0 {
		fe["priorities"] = "au moins une priorité candidate, une par ligne"
	}
	if len(fe) == 0 {
		if err := svc.CreateRestitution(ctx, rest); err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				h.fail(w, r, err)
				return
			}
			var g string
			fe, g = dgFieldErrors(err)
			if g != "" {
				fe["date"] = g
			}
		}
	}
	if len(fe) == 0 {
		http.Redirect(w, r, "/diagnostics/"+strconv.FormatInt(d.ID, 10)+"/restitution?ok=creee", http.StatusSeeOther)
		return
	}
	data, err := h.restitData(r, svc, d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data.NewErrors, data.NewValues = fe, vals
	h.renderRestit(w, r, http.StatusUnprocessableEntity, d, data)
}

var _ = url.PathEscape
