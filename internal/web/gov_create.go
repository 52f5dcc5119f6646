package web

// Creation forms of the governance: a body with its members, a meeting
// (agenda, attendance, minutes) and a decision (owner, due date) of a body.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"maillage/internal/diagnostic"
	"maillage/internal/domain"
)

// createdMessages are the messages shown on a body's or a convention's page
// after a creation form (the ok parameter of the redirect).
var createdMessages = map[string]string{
	"creee":    "La création est enregistrée.",
	"reunion":  "La réunion est enregistrée.",
	"decision": "La décision est enregistrée : elle apparaît dans le suivi, avec son porteur et son échéance.",
	"fiche":    "La fiche action est ajoutée au plan d’action.",
}

// splitLine cuts a line of a multi-line field at " ; " (or ";").
func splitLine(line string) []string {
	parts := strings.Split(line, ";")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// lines returns the non-blank lines of a multi-line field.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// orgByName resolves an organisation by its name (case-insensitive).
func orgByName(byID map[int64]domain.Organisation, name string) int64 {
	for id, o := range byID {
		if strings.EqualFold(strings.TrimSpace(o.Name), name) {
			return id
		}
	}
	return 0
}

func kindOptions(kinds []string, labels map[string]string) []dgOption {
	out := []dgOption{{Value: "", Label: "Choisir"}}
	for _, k := range kinds {
		out = append(out, dgOption{Value: k, Label: dgLabel(labels, k)})
	}
	return out
}

// ---- new body ----

var bodyNewCrumbs = []crumb{{"Accueil", "/"}, {"Instances de gouvernance", "/instances"}, {"Nouvelle instance", ""}}

func (h *handler) bodyForm(ctx context.Context, v url.Values) *cForm {
	ref, _ := h.s.Referentials(ctx)
	f := &cForm{Action: "/instances/nouvelle", Submit: "Créer l’instance", Cancel: "/instances",
		Fields: []*cField{
			{Name: "name", Label: "Nom", Kind: "text", Required: true},
			{Name: "kind", Label: "Type d’instance", Kind: "select", Required: true, Options: kindOptions(domain.BodyKinds, bodyLabels)},
			{Name: "territory", Label: "Territoire", Hint: "code du territoire, facultatif", Kind: "text"},
			{Name: "themes", Label: "Thématiques", Kind: "checks", Options: h.themeOptions(ref)},
			{Name: "members", Label: "Membres", Hint: "un par ligne : organisation ou nom ; rôle ; personne (facultatif). Une organisation du compte est reconnue par son nom.", Kind: "textarea", Rows: 5},
			{Name: "diagnostic_id", Label: "Diagnostic suivi (facultatif)", Kind: "select", Options: withNone("Aucun", h.diagnosticOptions(ctx))},
			{Name: "parent_id", Label: "Instance de rattachement (facultatif)", Kind: "select", Options: withNone("Aucune", h.bodyOptions(ctx))},
		}}
	f.fill(v)
	return f
}

func (h *handler) bodyNew(w http.ResponseWriter, r *http.Request) {
	if !h.mayCreate(w, r, "créer une instance") {
		return
	}
	h.renderCreate(w, r, http.StatusOK, "Nouvelle instance", "conventions", bodyNewCrumbs, h.bodyForm(r.Context(), r.URL.Query()))
}

func (h *handler) bodyCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !h.mayCreate(w, r, "créer une instance") {
		return
	}
	svc, err := h.diagService()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	_ = r.ParseForm()
	v := r.PostForm
	f := h.bodyForm(ctx, v)
	_, byID := h.orgOptions(ctx)
	b := &domain.Body{Name: v.Get("name"), Kind: v.Get("kind"), Territory: strings.TrimSpace(v.Get("territory")), Themes: v["themes"],
		DiagnosticID: formID(v.Get("diagnostic_id")), ParentID: formID(v.Get("parent_id"))}
	fe := map[string]string{}
	for i, l := range lines(v.Get("members")) {
		p := splitLine(l)
		m := domain.Member{}
		if id := orgByName(byID, p[0]); id != 0 {
			m.OrgID = id
		} else {
			m.Name = p[0]
		}
		if len(p) > 1 {
			m.Role = p[1]
		}
		if len(p) > 2 {
			m.Person = p[2]
		}
		if m.Role == "" {
			fe["members"] = joinNonEmpty(" ; ", fe["members"], fmt.Sprintf("ligne %d : rôle manquant (organisation ; rôle)", i+1))
		}
		b.Members = append(b.Members, m)
	}
	if len(fe) == 0 {
		if err := svc.CreateBody(ctx, b); err != nil && !h.serviceError(w, r, f, err, nil) {
			return
		}
	} else {
		mergeInvalid(fe, b.Validate(h.ref(ctx)))
		f.setErrors(fe, "", nil)
	}
	if len(f.Summary) > 0 || f.General != "" {
		h.renderCreate(w, r, http.StatusUnprocessableEntity, "Nouvelle instance", "conventions", bodyNewCrumbs, f)
		return
	}
	http.Redirect(w, r, "/instances/"+strconv.FormatInt(b.ID, 10)+"?ok=creee", http.StatusSeeOther)
}

// ---- meetings and decisions of a body ----

func (h *handler) loadBody(w http.ResponseWriter, r *http.Request) (*diagnostic.Service, *domain.Body, bool) {
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
	b, err := svc.Body(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	return svc, b, true
}

func bodyCrumbs(b *domain.Body, last string) []crumb {
	return []crumb{{"Accueil", "/"}, {"Instances de gouvernance", "/instances"}, {b.Name, "/instances/" + strconv.FormatInt(b.ID, 10)}, {last, ""}}
}

func meetingForm(b *domain.Body, v url.Values) *cForm {
	f := &cForm{Action: fmt.Sprintf("/instances/%d/reunions/nouvelle", b.ID), Submit: "Enregistrer la réunion", Cancel: fmt.Sprintf("/instances/%d", b.ID),
		Fields: []*cField{
			{Name: "date", Label: "Date", Hint: "JJ/MM/AAAA ou AAAA-MM-JJ", Kind: "date", Required: true},
			{Name: "place", Label: "Lieu", Kind: "text"},
			{Name: "agenda", Label: "Ordre du jour", Hint: "un point par ligne : intitulé ; durée en minutes (facultative)", Kind: "textarea", Rows: 4},
			{Name: "attendance", Label: "Présences", Hint: "une ligne par membre : organisation ou nom ; présent ou absent ; personne (facultatif)", Kind: "textarea", Rows: 4},
			{Name: "minutes", Label: "Compte rendu", Hint: "texte libre (Markdown)", Kind: "textarea", Rows: 6},
		}}
	f.fill(v)
	return f
}

func (h *handler) meetingNew(w http.ResponseWriter, r *http.Request) {
	if !h.mayCreate(w, r, "enregistrer une réunion") {
		return
	}
	_, b, ok := h.loadBody(w, r)
	if !ok {
		return
	}
	v := url.Values{}
	var att []string
	nm := h.dgNames(r.Context())
	for _, m := range b.Members {
		n := m.Name
		if m.OrgID != 0 {
			n = nm.org(m.OrgID)
		}
		att = append(att, n+" ; présent")
	}
	v.Set("attendance", strings.Join(att, "\n"))
	h.renderCreate(w, r, http.StatusOK, "Nouvelle réunion", "conventions", bodyCrumbs(b, "Nouvelle réunion"), meetingForm(b, v))
}

func (h *handler) meetingCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !h.mayCreate(w, r, "enregistrer une réunion") {
		return
	}
	svc, b, ok := h.loadBody(w, r)
	if !ok {
		return
	}
	_ = r.ParseForm()
	v := r.PostForm
	f := meetingForm(b, v)
	_, byID := h.orgOptions(ctx)
	fe := map[string]string{}
	m := &domain.Meeting{BodyID: b.ID, Place: v.Get("place"), Minutes: strings.TrimSpace(v.Get("minutes")), Agenda: []domain.AgendaItem{}, Attendance: []domain.Attendance{}}
	if d := parseDate(strings.TrimSpace(v.Get("date")), "date", fe); d != nil {
		m.Date = *d
	}
	for i, l := range lines(v.Get("agenda")) {
		p := splitLine(l)
		it := domain.AgendaItem{Title: p[0]}
		if len(p) > 1 && p[1] != "" {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(p[1], "min")), " "))
			if err != nil || n < 0 {
				fe["agenda"] = joinNonEmpty(" ; ", fe["agenda"], fmt.Sprintf("point %d : durée invalide %q (un nombre de minutes)", i+1, p[1]))
			}
			it.Duration = n
		}
		m.Agenda = append(m.Agenda, it)
	}
	for i, l := range lines(v.Get("attendance")) {
		p := splitLine(l)
		a := domain.Attendance{Present: true}
		if id := orgByName(byID, p[0]); id != 0 {
			a.OrgID = id
		} else {
			a.Name = p[0]
		}
		if len(p) > 1 {
			switch strings.ToLower(p[1]) {
			case "", "présent", "présente", "present", "oui":
			case "absent", "absente", "excusé", "excusée", "excuse", "non":
				a.Present = false
			default:
				fe["attendance"] = joinNonEmpty(" ; ", fe["attendance"], fmt.Sprintf("ligne %d : « %s » : écrivez présent ou absent", i+1, p[1]))
			}
		}
		if len(p) > 2 {
			a.Person = p[2]
		}
		m.Attendance = append(m.Attendance, a)
	}
	if len(fe) == 0 {
		if err := svc.AddMeeting(ctx, m); err != nil && !h.serviceError(w, r, f, err, nil) {
			return
		}
	} else {
		mergeInvalid(fe, m.Validate())
		f.setErrors(fe, "", nil)
	}
	if len(f.Summary) > 0 || f.General != "" {
		h.renderCreate(w, r, http.StatusUnprocessableEntity, "Nouvelle réunion", "conventions", bodyCrumbs(b, "Nouvelle réunion"), f)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/instances/%d?ok=reunion#reunion-%d", b.ID, m.ID), http.StatusSeeOther)
}

func (h *handler) decisionForm(ctx context.Context, svc *diagnostic.Service, b *domain.Body, v url.Values) *cForm {
	orgs, _ := h.orgOptions(ctx)
	var meetings []dgOption
	if ms, err := svc.Meetings(ctx, b.ID); err == nil {
		for _, m := range ms {
			meetings = append(meetings, dgOption{Value: strconv.FormatInt(m.ID, 10), Label: "Réunion du " + frenchDate(m.Date.Time) + ifs(m.Place != "", ", "+m.Place)})
		}
	}
	f := &cForm{Action: fmt.Sprintf("/instances/%d/decisions/nouvelle", b.ID), Submit: "Enregistrer la décision", Cancel: fmt.Sprintf("/instances/%d", b.ID),
		Fields: []*cField{
			{Name: "text", Label: "Décision", Kind: "textarea", Rows: 3, Required: true},
			{Name: "owner_org_id", Label: "Porteur", Hint: "l’organisation qui porte la décision, ou un nom ci-dessous", Kind: "select", Options: withNone("Autre (nom ci-dessous)", orgs)},
			{Name: "owner_name", Label: "Porteur (nom)", Hint: "si le porteur n’est pas dans la liste", Kind: "text"},
			{Name: "due_date", Label: "Échéance", Hint: "JJ/MM/AAAA ou AAAA-MM-JJ", Kind: "date"},
			{Name: "meeting_id", Label: "Réunion où elle a été prise (facultatif)", Kind: "select", Options: withNone("Aucune", meetings)},
		}}
	f.fill(v)
	return f
}

func (h *handler) decisionNew(w http.ResponseWriter, r *http.Request) {
	if !h.mayCreate(w, r, "enregistrer une décision") {
		return
	}
	svc, b, ok := h.loadBody(w, r)
	if !ok {
		return
	}
	h.renderCreate(w, r, http.StatusOK, "Nouvelle décision", "conventions", bodyCrumbs(b, "Nouvelle décision"), h.decisionForm(r.Context(), svc, b, r.URL.Query()))
}

func (h *handler) decisionCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !h.mayCreate(w, r, "enregistrer une décision") {
		return
	}
	svc, b, ok := h.loadBody(w, r)
	if !ok {
		return
	}
	_ = r.ParseForm()
	v := r.PostForm
	f := h.decisionForm(ctx, svc, b, v)
	fe := map[string]string{}
	d := &domain.Decision{BodyID: b.ID, MeetingID: formID(v.Get("meeting_id")), Text: v.Get("text"), OwnerOrgID: formID(v.Get("owner_org_id")),
		OwnerName: strings.TrimSpace(v.Get("owner_name")), Status: domain.DecisionOpen, FollowUps: []domain.FollowUp{}}
	d.DueDate = parseDate(strings.TrimSpace(v.Get("due_date")), "due_date", fe)
	if d.OwnerOrgID != 0 && d.OwnerName == "" {
		d.OwnerName = h.dgNames(ctx).org(d.OwnerOrgID)
	}
	if len(fe) == 0 {
		if err := svc.AddDecision(ctx, d); err != nil && !h.serviceError(w, r, f, err, nil) {
			return
		}
	} else {
		mergeInvalid(fe, d.Validate())
		f.setErrors(fe, "", nil)
	}
	if len(f.Summary) > 0 || f.General != "" {
		h.renderCreate(w, r, http.StatusUnprocessableEntity, "Nouvelle décision", "conventions", bodyCrumbs(b, "Nouvelle décision"), f)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/instances/%d?ok=decision#decision-%d", b.ID, d.ID), http.StatusSeeOther)
}
