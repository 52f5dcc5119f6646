package web

// Governance screens: bodies (comité de pilotage, comité technique, groupe
// de travail, réseau local, instance de coordination locale) with their
// members, meetings (agenda, attendance, minutes) and decisions with owner,
// due date and follow-up; the overdue decisions.

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"maillage/internal/auth"
	"maillage/internal/diagnostic"
	"maillage/internal/domain"
)

// registerGovernance adds the governance and convention pages.
func (h *handler) registerGovernance(mux *http.ServeMux) {
	mux.HandleFunc("GET /instances", h.bodyList)
	mux.HandleFunc("GET /instances/{id}", h.bodyPage)
	mux.HandleFunc("POST /instances/{id}/decisions/{did}/suivi", h.decisionFollowUp)
	mux.HandleFunc("GET /conventions", h.conventionList)
	mux.HandleFunc("GET /conventions/{id}", h.conventionPage)
	mux.HandleFunc("POST /conventions/{id}/fiches/{fid}/mesures", h.conventionMeasure)
}

type bodyRow struct {
	ID                 int64
	Name, Kind, Terr   string
	Members, Meetings  int
	Decisions, Overdue int
	Diagnostic         int64
}

type decisionRow struct {
	ID               int64
	Version          int64
	StatusCode       string
	Body             string
	BodyID           int64
	Text, Owner, Due string
	Status           string
	Overdue          bool
	DaysLate         int
	FollowUps        []followRow
}

type followRow struct{ Date, Text, Status string }

type bodyListData struct {
	Bodies  []bodyRow
	Overdue []decisionRow
}

func (h *handler) decisionRow(d domain.Decision, body string, nm *dgNames, svc *diagnostic.Service) decisionRow {
	owner := d.OwnerName
	if d.OwnerOrgID != 0 {
		owner = nm.org(d.OwnerOrgID)
	}
	row := decisionRow{ID: d.ID, Version: d.Version, StatusCode: d.Status, Body: body, BodyID: d.BodyID, Text: d.Text, Owner: owner, Due: dateText(d.DueDate), Status: dgLabel(decisionLabels, d.Status)}
	today := svc.Today()
	if d.Overdue(today) {
		row.Overdue = true
		row.DaysLate = int(today.Sub(d.DueDate.Time).Hours() / 24)
	}
	for _, f := range d.FollowUps {
		row.FollowUps = append(row.FollowUps, followRow{Date: frenchDate(f.Date.Time), Text: f.Text, Status: dgLabel(decisionLabels, f.Status)})
	}
	return row
}

func (h *handler) bodyList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	svc, err := h.diagService()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pg, err := svc.Bodies(ctx, domain.BodyFilter{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	nm := h.dgNames(ctx)
	data := &bodyListData{}
	for _, b := range pg.Items {
		row := bodyRow{ID: b.ID, Name: b.Name, Kind: dgLabel(bodyLabels, b.Kind), Terr: h.territoryName(ctx, b.Territory), Members: len(b.Members), Diagnostic: b.DiagnosticID}
		if ms, err := svc.Gov.Meetings(ctx, b.ID); err == nil {
			row.Meetings = len(ms)
		}
		if ds, err := svc.Gov.Decisions(ctx, domain.DecisionFilter{Body: b.ID}); err == nil {
			row.Decisions = len(ds)
			for _, d := range diagnostic.Overdue(ds, svc.Today()) {
				row.Overdue++
				data.Overdue = append(data.Overdue, h.decisionRow(d, b.Name, nm, svc))
			}
		}
		data.Bodies = append(data.Bodies, row)
	}
	h.render(w, r, http.StatusOK, "gov_list", page{Title: "Instances de gouvernance", Section: "conventions",
		Crumbs: []crumb{{"Accueil", "/"}, {"Instances de gouvernance", ""}}, Data: data})
}

type memberRow struct{ Name, Role, Since string }

type meetingView struct {
	ID        int64
	Date      string
	Place     string
	Agenda    []domain.AgendaItem
	Present   []string
	Absent    []string
	Minutes   string
	Decisions []decisionRow
}

type bodyPageData struct {
	CanFollow bool
	Statuses  []dgOption
	FollowID  int64
	Errors    map[string]string
	Values    map[string]string
	General   string
	Flash     string
	B         *domain.Body
	Kind      string
	Territory string
	Themes    string
	Members   []memberRow
	Meetings  []meetingView
	Decisions []decisionRow
	Overdue   int
	Parent    string
}

func (h *handler) bodyPage(w http.ResponseWriter, r *http.Request) {
	data, ok := h.bodyPageData(w, r)
	if !ok {
		return
	}
	data.Flash = okMessage(r, map[string]string{"suivi": "Le suivi de la décision est enregistré."}, createdMessages)
	h.renderBody(w, r, http.StatusOK, data)
}

func (h *handler) renderBody(w http.ResponseWriter, r *http.Request, status int, data *bodyPageData) {
	h.render(w, r, status, "gov_body", page{Title: data.B.Name, Section: "conventions", Flash: data.Flash,
		Crumbs: []crumb{{"Accueil", "/"}, {"Instances de gouvernance", "/instances"}, {data.B.Name, ""}}, Data: data})
}

func (h *handler) bodyPageData(w http.ResponseWriter, r *http.Request) (*bodyPageData, bool) {
	ctx := r.Context()
	id, err := dgPathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	svc, err := h.diagService()
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	b, err := svc.Body(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	ref, _ := h.s.Referentials(ctx)
	nm := h.dgNames(ctx)
	data := &bodyPageData{B: b, Kind: dgLabel(bodyLabels, b.Kind), Territory: h.territoryName(ctx, b.Territory), Themes: refLabels(ref, domain.RefTheme, b.Themes)}
	for _, m := range b.Members {
		n := m.Name
		if m.OrgID != 0 {
			n = nm.org(m.OrgID)
		}
		data.Members = append(data.Members, memberRow{Name: joinNonEmpty(" — ", n, m.Person), Role: m.Role, Since: dateText(m.Since)})
	}
	ds, err := svc.Decisions(ctx, domain.DecisionFilter{Body: b.ID})
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	byMeeting := map[int64][]decisionRow{}
	for _, d := range ds {
		row := h.decisionRow(d, b.Name, nm, svc)
		if row.Overdue {
			data.Overdue++
		}
		data.Decisions = append(data.Decisions, row)
		byMeeting[d.MeetingID] = append(byMeeting[d.MeetingID], row)
	}
	ms, err := svc.Meetings(ctx, b.ID)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	for _, m := range ms {
		mv := meetingView{ID: m.ID, Date: frenchDate(m.Date.Time), Place: m.Place, Agenda: m.Agenda, Minutes: m.Minutes, Decisions: byMeeting[m.ID]}
		for _, a := range m.Attendance {
			n := a.Name
			if a.OrgID != 0 {
				n = nm.org(a.OrgID)
			}
			n = joinNonEmpty(" — ", n, a.Person)
			if a.Present {
				mv.Present = append(mv.Present, n)
			} else {
				mv.Absent = append(mv.Absent, n)
			}
		}
		data.Meetings = append(data.Meetings, mv)
	}
	if b.ParentID != 0 {
		if p, err := svc.Body(ctx, b.ParentID); err == nil {
			data.Parent = p.Name
		}
	}
	data.CanFollow = h.mayWrite(ctx, auth.Update)
	data.Errors, data.Values = map[string]string{}, map[string]string{}
	for _, st := range domain.DecisionStatuses {
		data.Statuses = append(data.Statuses, dgOption{Value: st, Label: decisionLabels[st]})
	}
	return data, true
}

// progressBar draws a share 0..1 as a small bar with its text alternative.
func progressBar(id string, p float64, what string) template.HTML {
	p = max(0, min(1, p))
	alt := what + " : " + dgPercent(p)
	return template.HTML(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" class="progression" viewBox="0 0 160 12" width="160" height="12" role="img" aria-labelledby="%s-t"><title id="%s-t">%s</title><rect x="0" y="0" width="160" height="12" fill="#eeeeee" stroke="#929292"/><rect x="0" y="0" width="%.1f" height="12" fill="#000091"/></svg>`,
		id, id, template.HTMLEscapeString(alt), 160*p))
}

var _ = strconv.Itoa

// decisionFollowUp adds a dated follow-up note to a decision, and may change
// its status (the version read guards against a concurrent change).
func (h *handler) decisionFollowUp(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !h.mayWrite(ctx, auth.Update) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte qui peut suivre les décisions de cette instance."))
		return
	}
	did, err := dgPathID(r, "did")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	svc, err := h.diagService()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	bid, _ := dgPathID(r, "id")
	d, err := svc.Gov.Decision(ctx, did)
	if err != nil || d.BodyID != bid {
		h.fail(w, r, domain.NotFound("Décision", r.PathValue("did")))
		return
	}
	vals := map[string]string{"date": strings.TrimSpace(r.PostFormValue("date")), "text": strings.TrimSpace(r.PostFormValue("texte")), "status": r.PostFormValue("statut")}
	fe := map[string]string{}
	var general string
	fu := domain.FollowUp{Text: vals["text"], Status: vals["status"]}
	if vals["date"] == "" {
		fu.Date = domain.Date{Time: svc.Today()}
	} else if dt, err := domain.ParseDate(vals["date"]); err != nil {
		fe["date"] = "date invalide : AAAA-MM-JJ ou JJ/MM/AAAA"
	} else {
		fu.Date = dt
	}
	if fu.Text == "" {
		fe["text"] = "obligatoire : ce qui a été fait ou décidé"
	}
	if len(fe) == 0 {
		d.FollowUps = append(d.FollowUps, fu)
		if fu.Status != "" {
			d.Status = fu.Status
		}
		d.Version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		if err := svc.UpdateDecision(ctx, d); err != nil {
			switch domain.ErrorCode(err) {
			case domain.EINVALID:
				var g string
				fe, g = dgFieldErrors(err)
				general = joinNonEmpty(" ; ", append(dgValues(fe), g)...)
				fe = map[string]string{}
			case domain.ECONFLICT:
				general = "Cette décision a été modifiée par quelqu’un d’autre depuis que vous avez ouvert la page : relisez son suivi et recommencez."
			default:
				h.fail(w, r, err)
				return
			}
		}
	}
	if len(fe) == 0 && general == "" {
		http.Redirect(w, r, fmt.Sprintf("/instances/%d?ok=suivi#decision-%d", bid, did), http.StatusSeeOther)
		return
	}
	data, ok := h.bodyPageData(w, r)
	if !ok {
		return
	}
	data.FollowID, data.Errors, data.Values, data.General = did, fe, vals, general
	status := http.StatusUnprocessableEntity
	if len(fe) == 0 {
		status = http.StatusConflict
	}
	h.renderBody(w, r, status, data)
}
