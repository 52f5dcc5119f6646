package web

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"maillage/internal/auth"
	"maillage/internal/domain"
	"maillage/internal/export"
	"maillage/internal/web/mapsvg"
)

// refOptions are the referential lists for filters and forms.
type refOptions struct {
	Themes, Publics, Labels []domain.RefEntry
	Actors                  []domain.Actor // empty when too many for a list
	ManyActors              bool
	Groups                  []domain.Territory // départements and EPCI for the territory filter
}

const maxActorList = 500

func (h *handler) refOptions(ctx context.Context) (refOptions, error) {
	key := "ref|" + principalKey(ctx)
	if v, ok := h.cacheGet(key); ok {
		return v.(refOptions), nil
	}
	o, err := h.loadRefOptions(ctx)
	if err == nil {
		h.cachePut(key, o)
	}
	return o, err
}

func (h *handler) loadRefOptions(ctx context.Context) (refOptions, error) {
	var o refOptions
	ref, err := h.s.Referentials(ctx)
	if err != nil {
		return o, err
	}
	o.Themes = ref.Entries(domain.RefTheme)
	o.Publics = ref.Entries(domain.RefPublic)
	o.Labels = ref.Entries(domain.RefLabel)
	actors, err := h.s.Actors(ctx, domain.ActorFilter{Limit: maxActorList, Sort: "name"})
	if err != nil {
		return o, err
	}
	if actors.Total > maxActorList {
		o.ManyActors = true
	} else {
		o.Actors = actors.Items
	}
	for _, ty := range []domain.TerritoryType{domain.TypeDepartement, domain.TypeEPCI, domain.TypePerimeter} {
		pg, err := h.s.Territories(ctx, domain.TerritoryFilter{Type: ty, Limit: 400})
		if err != nil {
			return o, err
		}
		if pg.Total <= 400 {
			o.Groups = append(o.Groups, pg.Items...)
		}
	}
	return o, nil
}

// actionsData is the directory page.
type actionsData struct {
	F         actionFilterForm
	Ref       refOptions
	Items     []actionRow
	Pager     pager
	Map       template.HTML
	MapNote   string
	Query     string
	CanWrite  bool
	Territory *domain.Territory
}

type actionFilterForm struct {
	Territory, Theme, Public, Label, Text string
	Operator, Funder                      int64
	Year                                  int
	YearText                              string
}

type actionRow struct {
	A        domain.Action
	Operator string
	Themes   string
}

func parseActionFilter(q url.Values) (actionFilterForm, domain.ActionFilter) {
	f := actionFilterForm{
		Territory: strings.TrimSpace(q.Get("territoire")),
		Theme:     q.Get("thematique"),
		Public:    q.Get("public"),
		Label:     q.Get("label"),
		Text:      strings.TrimSpace(q.Get("texte")),
		YearText:  strings.TrimSpace(q.Get("annee")),
	}
	f.Operator, _ = strconv.ParseInt(q.Get("porteur"), 10, 64)
	f.Funder, _ = strconv.ParseInt(q.Get("financeur"), 10, 64)
	f.Year = atoi(f.YearText, 0)
	return f, domain.ActionFilter{Territory: f.Territory, Theme: f.Theme, Public: f.Public, Label: f.Label,
		Text: f.Text, Operator: f.Operator, Funder: f.Funder, Year: f.Year, Sort: "title"}
}

func (h *handler) actions(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	h.sync(ctx)
	q := r.URL.Query()
	var d actionsData
	var filter domain.ActionFilter
	d.F, filter = parseActionFilter(q)
	d.CanWrite = h.canWrite(ctx)
	var err error
	if d.Ref, err = h.refOptions(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	pageNo := atoi(q.Get("page"), 1)
	const per = 25
	filter.Offset, filter.Limit = (pageNo-1)*per, per
	pg, err := h.s.Actions(ctx, filter)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ref, _ := h.s.Referentials(ctx)
	names := h.actorNames(ctx, pg.Items, d.Ref.Actors)
	for _, a := range pg.Items {
		d.Items = append(d.Items, actionRow{A: a, Operator: names[a.OperatorID], Themes: refLabels(ref, domain.RefTheme, a.Themes)})
	}
	d.Pager = newPager(r, pageNo, per, pg.Total)
	qq := cloneQuery(q)
	qq.Del("page")
	d.Query = qq.Encode()
	if d.F.Territory != "" {
		if td, err := h.loadShape(ctx, d.F.Territory); err == nil {
			d.Territory = td.T
			d.Map, d.MapNote = h.actionsMap(ctx, td, filter)
		}
	} else {
		d.MapNote = "Choisissez un territoire pour afficher la carte des actions."
	}
	h.render(w, r, http.StatusOK, "actions", page{Title: "Actions", Section: "actions",
		Crumbs: []crumb{{"Accueil", "/"}, {"Actions", ""}}, Data: d})
}

// actionsMap draws the communes of the territory with a dot per action
// (at its place, or at the commune it serves when it serves only one).
func (h *handler) actionsMap(ctx context.Context, td *territoryData, filter domain.ActionFilter) (template.HTML, string) {
	filter.Offset, filter.Limit = 0, 500
	key := fmt.Sprintf("carte|%+v|%s", filter, principalKey(ctx))
	if v, ok := h.cacheGet(key); ok {
		m := v.([2]string)
		return template.HTML(m[0]), m[1]
	}
	pg, err := h.s.Actions(ctx, filter)
	if err != nil {
		return "", ""
	}
	svg, note := h.drawActionsMap(ctx, td, pg.Items, pg.Total)
	h.cachePut(key, [2]string{string(svg), note})
	return svg, note
}

// drawActionsMap draws actions as dots over the communes of a territory.
func (h *handler) drawActionsMap(ctx context.Context, td *territoryData, actions []domain.Action, total int) (template.HTML, string) {
	bm := h.basemap(ctx, td, 560)
	if bm.Len() == 0 {
		return "", "Les contours des communes ne sont pas chargés : pas de carte."
	}
	pos := map[string][2]float64{}
	names := map[string]string{}
	for _, c := range td.Communes {
		names[c.Code] = c.Name
		if c.Lat != nil && c.Lon != nil {
			pos[c.Code] = [2]float64{*c.Lon, *c.Lat}
		}
	}
	count := map[string]int{}
	titles := map[string][]string{}
	var order []string
	placed := 0
	for _, a := range actions {
		where := ""
		for _, p := range a.Places {
			if _, ok := pos[p]; ok {
				where = p
				break
			}
		}
		if where == "" && len(a.Zone) == 1 {
			if _, ok := pos[a.Zone[0]]; ok {
				where = a.Zone[0]
			}
		}
		if where == "" {
			continue
		}
		if count[where] == 0 {
			order = append(order, where)
		}
		count[where]++
		if len(titles[where]) < 5 {
			titles[where] = append(titles[where], a.Title)
		}
		placed++
	}
	var pts []mapsvg.Point
	for _, c := range order {
		n := count[c]
		label := fmt.Sprintf("%s : %d action(s) — %s", names[c], n, strings.Join(titles[c], " ; "))
		if n > 5 {
			label += "…"
		}
		r := 3.0 + 1.5*float64(min(n, 8))
		pts = append(pts, mapsvg.Point{Lon: pos[c][0], Lat: pos[c][1], Label: label, R: r})
	}
	svg := bm.Render(mapsvg.Choropleth{ID: "carte-actions", Title: "Actions de " + td.T.Name + " par commune d’implantation",
		Desc:   fmt.Sprintf("%d actions situées sur %d communes ; la taille du point croît avec le nombre d’actions. La liste qui suit donne le détail.", placed, len(order)),
		Values: map[string]float64{}, Points: pts, Classes: 1})
	note := fmt.Sprintf("%d action(s) situées sur la carte sur %d trouvées ; les actions qui servent un territoire entier sans lieu précis n’y figurent pas.", placed, total)
	return template.HTML(svg), note
}

func refLabels(ref *domain.Referentials, kind string, codes []string) string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		if ref != nil {
			if e, ok := ref.Get(kind, c); ok {
				out = append(out, e.Label)
				continue
			}
		}
		out = append(out, c)
	}
	return strings.Join(out, ", ")
}

func (h *handler) actorNames(ctx context.Context, as []domain.Action, known []domain.Actor) map[int64]string {
	names := make(map[int64]string, len(known))
	for _, a := range known {
		names[a.ID] = a.Name
	}
	for _, a := range as {
		if _, ok := names[a.OperatorID]; ok || a.OperatorID == 0 {
			continue
		}
		if ac, err := h.s.Actor(ctx, a.OperatorID); err == nil {
			names[a.OperatorID] = ac.Name
		} else {
			names[a.OperatorID] = fmt.Sprintf("acteur n° %d", a.OperatorID)
		}
	}
	return names
}

// actionData is an action's page.
type actionData struct {
	A         *domain.Action
	Operator  *domain.Actor
	Themes    string
	Publics   string
	Labels    string
	Zone      []domain.Territory
	Places    []domain.Territory
	Fundings  []fundingRow
	Total     []yearTotal
	Roles     []roleRow
	CanWrite  bool
	Chart     template.HTML
	StatusTxt string
	// FundingForm is the form "Ajouter un financement" (fundings.go),
	// empty when the visitor may not declare fundings.
	FundingForm template.HTML
}

type fundingRow struct {
	Funder   string
	FunderID int64 // the funder's page is /acteurs/{FunderID} (actors.go)
	Type     string
	Year     int
	Amount   float64
	// ID and CanChange: links to edit and delete the funding (fundings.go).
	ID        int64
	CanChange bool
}

type yearTotal struct {
	Year   int
	Amount float64
}

type roleRow struct {
	Actor, Role string
	ActorID     int64 // the actor's page is /acteurs/{ActorID} (actors.go)
}

var roleLabels = map[string]string{
	domain.RoleFinance: "finance", domain.RoleOperate: "porte", domain.RoleCoordinate: "coordonne",
	domain.RoleAnimate: "anime le réseau", domain.RoleInform: "informe et oriente",
}

var statusLabels = map[string]string{domain.StatusActive: "En cours", domain.StatusPlanned: "Prévue", domain.StatusEnded: "Terminée"}

func (h *handler) actionByPath(r *http.Request) (*domain.Action, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, domain.NotFound("Action", r.PathValue("id"))
	}
	return h.s.Action(r.Context(), id)
}

func (h *handler) action(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := h.actionByPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ref, _ := h.s.Referentials(ctx)
	d := actionData{A: a, CanWrite: h.canEdit(ctx, a), StatusTxt: statusLabels[a.Status],
		Themes: refLabels(ref, domain.RefTheme, a.Themes), Publics: refLabels(ref, domain.RefPublic, a.Publics),
		Labels: refLabels(ref, domain.RefLabel, a.Labels)}
	if op, err := h.s.Actor(ctx, a.OperatorID); err == nil {
		d.Operator = op
	}
	for i, c := range a.Zone {
		if i >= 60 {
			break
		}
		if t, err := h.s.Territory(ctx, c); err == nil {
			d.Zone = append(d.Zone, *t)
		} else {
			d.Zone = append(d.Zone, domain.Territory{Code: c, Name: c})
		}
	}
	for _, c := range a.Places {
		if t, err := h.s.Territory(ctx, c); err == nil {
			d.Places = append(d.Places, *t)
		}
	}
	actorCache := map[int64]*domain.Actor{}
	actor := func(id int64) *domain.Actor {
		if ac, ok := actorCache[id]; ok {
			return ac
		}
		ac, err := h.s.Actor(ctx, id)
		if err != nil {
			ac = &domain.Actor{ID: id, Name: fmt.Sprintf("acteur n° %d", id)}
		}
		actorCache[id] = ac
		return ac
	}
	totals := map[int]float64{}
	byFunder := map[string]float64{}
	var funderOrder []string
	for _, f := range a.Fundings {
		ac := actor(f.FunderID)
		typ := ac.Type
		if e, ok := ref.Get(domain.RefActorType, typ); ok {
			typ = e.Label
		}
		d.Fundings = append(d.Fundings, fundingRow{Funder: ac.Name, FunderID: f.FunderID, Type: typ, Year: f.Year, Amount: f.Amount,
			ID: f.ID, CanChange: h.canChangeFunding(ctx, &f, auth.Update)})
		totals[f.Year] += f.Amount
		if _, ok := byFunder[ac.Name]; !ok {
			funderOrder = append(funderOrder, ac.Name)
		}
		byFunder[ac.Name] += f.Amount
	}
	for _, y := range years(totals) {
		d.Total = append(d.Total, yearTotal{y, totals[y]})
	}
	if len(funderOrder) > 0 {
		bars := make([]mapsvg.Bar, len(funderOrder))
		for i, n := range funderOrder {
			bars[i] = mapsvg.Bar{Label: n, Value: byFunder[n]}
		}
		d.Chart = template.HTML(mapsvg.BarChart(mapsvg.Chart{ID: "financeurs", Title: "Financements par financeur, toutes années",
			Unit: "€", Desc: "Montants cumulés ; le détail par année est dans le tableau."}, bars))
	}
	for _, ro := range a.Roles {
		d.Roles = append(d.Roles, roleRow{Actor: actor(ro.ActorID).Name, Role: roleLabels[ro.Role], ActorID: ro.ActorID})
	}
	h.addFundingForm(ctx, &d)
	h.render(w, r, http.StatusOK, "action", page{Title: a.Title, Section: "actions",
		Crumbs: []crumb{{"Accueil", "/"}, {"Actions", "/actions"}, {a.Title, ""}}, Data: d, Flash: okMessage(r, actionMessages)})
}

// actionMessages are the confirmations of the action page (?ok=).
var actionMessages = map[string]string{
	"cree":                 "L’action a été créée.",
	"modifie":              "Les modifications ont été enregistrées.",
	"financement-ajoute":   "Le financement a été ajouté.",
	"financement-modifie":  "Le financement a été modifié.",
	"financement-supprime": "Le financement a été supprimé.",
}

// formData is the create/edit form.
type formData struct {
	A        domain.Action
	New      bool
	Ref      refOptions
	Errors   map[string]string
	Summary  []domain.FieldError
	Conflict bool
	Values   map[string]string // raw inputs echoed back
	Statuses []option
	Vis      []option
}

var fieldLabels = map[string]string{
	"title": "Titre", "description": "Description", "operator_id": "Porteur", "themes": "Thématiques",
	"publics": "Publics", "labels": "Labels", "zone": "Territoires servis", "commune": "Commune d’implantation",
	"places": "Commune d’implantation", "capacity": "Capacité", "start_date": "Date de début", "end_date": "Date de fin",
	"status": "Statut", "visibility": "Visibilité", "roles": "Rôles",
}

var fieldOrder = []string{"title", "description", "operator_id", "themes", "publics", "labels", "zone", "commune", "capacity", "start_date", "end_date", "status", "visibility"}

func (h *handler) actionNew(w http.ResponseWriter, r *http.Request) {
	if !h.canWrite(r.Context()) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte de contributeur pour créer une action."))
		return
	}
	a := domain.Action{Status: domain.StatusActive}
	a.Visibility = domain.VisibilityNetwork
	h.renderForm(w, r, http.StatusOK, &a, true, nil, false, nil)
}

func (h *handler) actionEdit(w http.ResponseWriter, r *http.Request) {
	a, err := h.actionByPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.canEdit(r.Context(), a) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte qui peut modifier cette action."))
		return
	}
	h.renderForm(w, r, http.StatusOK, a, false, nil, false, nil)
}

func (h *handler) renderForm(w http.ResponseWriter, r *http.Request, status int, a *domain.Action, isNew bool, fe []domain.FieldError, conflict bool, raw map[string]string) {
	ref, err := h.refOptions(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := formData{A: *a, New: isNew, Ref: ref, Conflict: conflict, Values: raw}
	if d.Values == nil {
		d.Values = map[string]string{
			"zone":     strings.Join(a.Zone, " "),
			"commune":  strings.Join(a.Places, " "),
			"capacity": strconv.FormatFloat(a.Capacity, 'f', -1, 64),
		}
		if a.OperatorID != 0 {
			d.Values["operator_id"] = strconv.FormatInt(a.OperatorID, 10)
		}
		if a.StartDate != nil {
			d.Values["start_date"] = a.StartDate.Format("02/01/2006")
		}
		if a.EndDate != nil {
			d.Values["end_date"] = a.EndDate.Format("02/01/2006")
		}
	}
	d.Errors, d.Summary = formErrors(fe, fieldLabels, fieldOrder, map[string]string{"places": "commune"})
	for _, s := range []string{domain.StatusActive, domain.StatusPlanned, domain.StatusEnded} {
		d.Statuses = append(d.Statuses, option{s, statusLabels[s], s == a.Status})
	}
	d.Vis = visibilityOptions(a.Visibility)
	title := "Nouvelle action"
	crumbs := []crumb{{"Accueil", "/"}, {"Actions", "/actions"}, {title, ""}}
	if !isNew {
		name := a.Title
		if strings.TrimSpace(name) == "" {
			name = "Action n° " + strconv.FormatInt(a.ID, 10)
		}
		title = "Modifier : " + name
		crumbs = []crumb{{"Accueil", "/"}, {"Actions", "/actions"}, {name, "/actions/" + strconv.FormatInt(a.ID, 10)}, {"Modifier", ""}}
	}
	if len(fe) > 0 {
		title = "Erreur : " + title
	}
	h.render(w, r, status, "action_form", page{Title: title, Section: "actions", Crumbs: crumbs, Data: d})
}

// readActionForm fills a from the posted form; parse errors are returned as
// field errors (French).
func readActionForm(r *http.Request, a *domain.Action) ([]domain.FieldError, map[string]string) {
	var fe []domain.FieldError
	raw := map[string]string{}
	f := r.PostForm
	a.Title = f.Get("title")
	a.Description = f.Get("description")
	a.Themes = f["themes"]
	a.Publics = f["publics"]
	a.Labels = f["labels"]
	a.Status = f.Get("status")
	a.Visibility = domain.Visibility(f.Get("visibility"))
	raw["operator_id"] = strings.TrimSpace(f.Get("operator_id"))
	a.OperatorID = 0
	if raw["operator_id"] != "" {
		id, err := strconv.ParseInt(raw["operator_id"], 10, 64)
		if err != nil {
			fe = append(fe, domain.FieldError{Field: "operator_id", Reason: "identifiant d’acteur invalide"})
		}
		a.OperatorID = id
	}
	raw["zone"] = f.Get("zone")
	a.Zone = splitCodes(raw["zone"])
	raw["commune"] = f.Get("commune")
	a.Places = splitCodes(raw["commune"])
	raw["capacity"] = strings.TrimSpace(f.Get("capacity"))
	a.Capacity = 0
	if raw["capacity"] != "" {
		v, err := strconv.ParseFloat(strings.ReplaceAll(strings.ReplaceAll(raw["capacity"], " ", ""), ",", "."), 64)
		if err != nil {
			fe = append(fe, domain.FieldError{Field: "capacity", Reason: "nombre attendu (places ou participants par an)"})
		}
		a.Capacity = v
	}
	for _, k := range []string{"start_date", "end_date"} {
		raw[k] = strings.TrimSpace(f.Get(k))
		var dp *domain.Date
		if raw[k] != "" {
			d, err := domain.ParseDate(raw[k])
			if err != nil {
				fe = append(fe, domain.FieldError{Field: k, Reason: "date invalide (attendu JJ/MM/AAAA)"})
			} else {
				dp = &d
			}
		}
		if k == "start_date" {
			a.StartDate = dp
		} else {
			a.EndDate = dp
		}
	}
	return fe, raw
}

func splitCodes(s string) []string {
	fs := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '|' || r == '\n' || r == '\t' })
	if len(fs) == 0 {
		return nil
	}
	return fs
}

func (h *handler) actionCreate(w http.ResponseWriter, r *http.Request) {
	h.actionForm().save(h, w, r, true)
}

func (h *handler) actionUpdate(w http.ResponseWriter, r *http.Request) {
	h.actionForm().save(h, w, r, false)
}

// actionForm is the create/edit flow of the action form.
func (h *handler) actionForm() recordForm[domain.Action] {
	return recordForm[domain.Action]{what: "une action", this: "cette action", firstField: "title", page: "/actions/",
		meta:     func(a *domain.Action) *domain.Meta { return &a.Meta },
		id:       func(a *domain.Action) int64 { return a.ID },
		current:  h.actionByPath,
		read:     readActionForm,
		validate: (*domain.Action).Validate,
		create:   h.s.CreateAction,
		update:   h.s.UpdateAction,
		render:   h.renderForm,
	}
}

// actionsExport writes the actions matching the directory's territory,
// theme and year filters as CSV, XLSX or GeoJSON (internal/export).
func (h *handler) actionsExport(w http.ResponseWriter, r *http.Request) {
	format := r.PathValue("format")
	if format != "csv" && format != "xlsx" && format != "geojson" {
		h.fail(w, r, domain.Errorf(domain.ENOTFOUND, "Format d’export inconnu %q : csv, xlsx ou geojson.", format))
		return
	}
	if err := export.Check("actions", format); err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := export.Filter{Territory: strings.TrimSpace(q.Get("territoire")), Theme: q.Get("thematique"), Year: atoi(q.Get("annee"), 0)}
	var buf bytes.Buffer
	if err := export.Export(r.Context(), h.s, "actions", format, f, &buf); err != nil {
		h.fail(w, r, err)
		return
	}
	name := "actions"
	if f.Territory != "" {
		name += "-" + f.Territory
	}
	w.Header().Set("Content-Type", export.ContentType(format))
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+"."+format+`"`)
	w.Write(buf.Bytes())
}
