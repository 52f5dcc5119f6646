package web

// The actors directory (porteurs and financeurs: CAF, communes, EPCI,
// département, associations, centres sociaux, EVS...): the list with its
// filters, an actor's page (identity, the actions it operates, the actions
// it funds by year, its partners) and the create/edit form, on the patterns
// of the actions (actions.go). Reads go through the store with the request's
// principal, which filters them by visibility; writes go through the guarded
// store, which applies the policy again.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"maillage/internal/auth"
	"maillage/internal/domain"
)

// actorRoutes are the policy rules of the actor pages (auth.Routes is the
// route table of the accounts middleware, which refuses a form post whose
// route it does not know).
var actorRoutes = map[string]auth.Rule{
	"GET /acteurs":                {Class: auth.Data, Action: auth.Read},
	"GET /acteurs/nouveau":        {Class: auth.Data, Action: auth.Create},
	"POST /acteurs/nouveau":       {Class: auth.Data, Action: auth.Create},
	"GET /acteurs/{id}":           {Class: auth.Data, Action: auth.Read},
	"GET /acteurs/{id}/modifier":  {Class: auth.Data, Action: auth.Update},
	"POST /acteurs/{id}/modifier": {Class: auth.Data, Action: auth.Update},
}

func init() {
	for p, r := range actorRoutes {
		if _, ok := auth.Routes[p]; !ok {
			auth.Routes[p] = r
		}
	}
}

// Bounds of the actor page: it stays short, and its cost stays bounded for
// a national CAF funding thousands of actions.
const (
	actorOperatedShown = 20   // operated actions listed
	actorFundedShown   = 30   // funded actions detailed (the most funded)
	actorFundingsMax   = 5000 // fundings read for the yearly totals
	actorPartnerScan   = 100  // actions examined, each way, to find partners
	actorPartnersShown = 20   // partners listed
)

// ---- directory ----

type actorsData struct {
	F              actorFilterForm
	Types          []domain.RefEntry
	Groups         []domain.Territory // départements, EPCI, perimeters; empty: a code field
	Sorts          []option
	Items          []actorRow
	Pager          pager
	CanWrite       bool
	TerritoryError string
}

type actorFilterForm struct {
	Type, Territory, Text, Sort string
}

type actorRow struct {
	A        domain.Actor
	Type     string // label
	Commune  string // name, or the code when unknown
	Operated int    // actions it operates (visible to the visitor)
}

// actorSorts are the orders of the directory (keys of the store's sort).
var actorSorts = []struct{ Key, Label string }{
	{"name", "Nom, de A à Z"},
	{"-name", "Nom, de Z à A"},
	{"type", "Type, puis nom"},
	{"-updated_at", "Mis à jour récemment"},
}

func parseActorFilter(q url.Values) (actorFilterForm, domain.ActorFilter) {
	f := actorFilterForm{
		Type:      strings.TrimSpace(q.Get("type")),
		Territory: strings.TrimSpace(q.Get("territoire")),
		Text:      strings.TrimSpace(q.Get("texte")),
		Sort:      q.Get("tri"),
	}
	if !slices.ContainsFunc(actorSorts, func(s struct{ Key, Label string }) bool { return s.Key == f.Sort }) {
		f.Sort = "name"
	}
	return f, domain.ActorFilter{Type: f.Type, Territory: f.Territory, Text: f.Text, Sort: f.Sort}
}

func (h *handler) actors(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	h.sync(ctx)
	q := r.URL.Query()
	var d actorsData
	var filter domain.ActorFilter
	d.F, filter = parseActorFilter(q)
	d.CanWrite = h.canWrite(ctx)
	ref, err := h.s.Referentials(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Types = ref.Entries(domain.RefActorType)
	opts, err := h.refOptions(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Groups = opts.Groups
	for _, s := range actorSorts {
		d.Sorts = append(d.Sorts, option{s.Key, s.Label, s.Key == d.F.Sort})
	}
	pageNo := max(atoi(q.Get("page"), 1), 1)
	const per = 25
	filter.Offset, filter.Limit = (pageNo-1)*per, per
	pg, err := h.s.Actors(ctx, filter)
	if err != nil {
		if domain.ErrorCode(err) != domain.ENOTFOUND || d.F.Territory == "" {
			h.fail(w, r, err)
			return
		}
		// a territory code typed in the filter that names nothing
		d.TerritoryError = fmt.Sprintf("Territoire inconnu « %s » : code INSEE de la commune ou du département, ou SIREN de l’intercommunalité.", d.F.Territory)
	}
	places := map[string]*domain.Territory{}
	for _, a := range pg.Items {
		row := actorRow{A: a, Type: refLabels(ref, domain.RefActorType, []string{a.Type})}
		if t := h.territoryOf(ctx, places, a.Commune); t != nil {
			row.Commune = t.Name
		}
		if ops, err := h.s.Actions(ctx, domain.ActionFilter{Operator: a.ID, Limit: 1}); err == nil {
			row.Operated = ops.Total
		}
		d.Items = append(d.Items, row)
	}
	d.Pager = newPager(r, pageNo, per, pg.Total)
	h.render(w, r, http.StatusOK, "actors", page{Title: "Acteurs", Section: "acteurs",
		Crumbs: []crumb{{"Accueil", "/"}, {"Acteurs", ""}}, Data: d})
}

// territoryOf resolves a territory code once per request (known: the codes
// already resolved); an unknown code comes back as its own name, "" as nil.
func (h *handler) territoryOf(ctx context.Context, known map[string]*domain.Territory, code string) *domain.Territory {
	if code == "" {
		return nil
	}
	if t, ok := known[code]; ok {
		return t
	}
	t, err := h.s.Territory(ctx, code)
	if err != nil {
		t = &domain.Territory{Code: code, Name: code}
	}
	known[code] = t
	return t
}

// ---- an actor's page ----

type actorData struct {
	A          *domain.Actor
	Type       string
	Commune    *domain.Territory
	Territory  *domain.Territory
	Owner      string
	Visibility string
	CanWrite   bool

	Operated      []actorActionRow
	OperatedTotal int
	Funded        fundedTable
	Partners      []partnerRow
	PartnersMore  int    // partners found beyond those listed
	PartnersNote  string // when the partners come from part of the actions
}

type actorActionRow struct {
	ID                    int64
	Title, Themes, Status string
}

// fundedTable is what an actor pays: one row per action, one column per
// year, and the total of each year over every funding read.
type fundedTable struct {
	Years    []int
	Rows     []fundedRow
	Totals   []float64 // per year, in the order of Years
	Grand    float64
	Actions  int  // distinct actions funded
	Fundings int  // fundings (action × year) found
	Read     int  // fundings read (at most actorFundingsMax)
	Partial  bool // Read < Fundings: the totals are partial
}

type fundedRow struct {
	ID    int64
	Title string
	Cells []fundedCell
	Total float64
}

type fundedCell struct {
	Amount float64
	Set    bool
}

type partnerRow struct {
	ID         int64
	Name, Type string
	Ties       []string
	weight     int
}

// partnerTies are the actions that link a partner to the actor.
type partnerTies struct {
	fundsIts, operatesFunded, cofunds map[int64]bool
}

func (h *handler) actorByPath(r *http.Request) (*domain.Actor, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, domain.NotFound("Acteur", r.PathValue("id"))
	}
	return h.s.Actor(r.Context(), id)
}

func (h *handler) actor(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := h.actorByPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ref, _ := h.s.Referentials(ctx)
	places := map[string]*domain.Territory{}
	d := actorData{A: a, Type: refLabels(ref, domain.RefActorType, []string{a.Type}), CanWrite: h.canEditMeta(ctx, a.Meta),
		Commune: h.territoryOf(ctx, places, a.Commune), Territory: h.territoryOf(ctx, places, a.Territory),
		Owner: h.dgNames(ctx).org(a.OwnerOrg), Visibility: visibilityLabel(a.Visibility)}
	ties := map[int64]*partnerTies{}
	tie := func(id int64) *partnerTies {
		t := ties[id]
		if t == nil {
			t = &partnerTies{map[int64]bool{}, map[int64]bool{}, map[int64]bool{}}
			ties[id] = t
		}
		return t
	}

	// actions it operates, and who funds them
	ops, err := h.s.Actions(ctx, domain.ActionFilter{Operator: a.ID, Sort: "title", Limit: actorPartnerScan})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.OperatedTotal = ops.Total
	for i, op := range ops.Items {
		if i < actorOperatedShown {
			d.Operated = append(d.Operated, actorActionRow{ID: op.ID, Title: op.Title,
				Themes: refLabels(ref, domain.RefTheme, op.Themes), Status: statusLabels[op.Status]})
		}
		fs, err := h.s.Fundings(ctx, domain.FundingFilter{Action: op.ID})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, f := range fs.Items {
			if f.FunderID != a.ID {
				tie(f.FunderID).fundsIts[op.ID] = true
			}
		}
	}

	// actions it funds: amounts per year, their operators and co-funders
	fpg, err := h.s.Fundings(ctx, domain.FundingFilter{Funder: a.ID, Limit: actorFundingsMax})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Funded.Fundings, d.Funded.Read = fpg.Total, len(fpg.Items)
	d.Funded.Partial = d.Funded.Read < d.Funded.Fundings
	byAction := map[int64]map[int]float64{}
	sums := map[int64]float64{}
	totals := map[int]float64{}
	for _, f := range fpg.Items {
		if byAction[f.ActionID] == nil {
			byAction[f.ActionID] = map[int]float64{}
		}
		byAction[f.ActionID][f.Year] += f.Amount
		sums[f.ActionID] += f.Amount
		totals[f.Year] += f.Amount
		d.Funded.Grand += f.Amount
	}
	d.Funded.Actions = len(byAction)
	d.Funded.Years = years(totals)
	for _, y := range d.Funded.Years {
		d.Funded.Totals = append(d.Funded.Totals, totals[y])
	}
	funded := make([]int64, 0, len(byAction))
	for id := range byAction {
		funded = append(funded, id)
	}
	sort.Slice(funded, func(i, j int) bool {
		if sums[funded[i]] != sums[funded[j]] {
			return sums[funded[i]] > sums[funded[j]]
		}
		return funded[i] < funded[j]
	})
	for i, aid := range funded {
		if i >= actorPartnerScan {
			break
		}
		act, err := h.s.Action(ctx, aid)
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			h.fail(w, r, err)
			return
		}
		if i < actorFundedShown {
			row := fundedRow{ID: aid, Title: fmt.Sprintf("Action n° %d", aid), Total: sums[aid]}
			if act != nil {
				row.Title = act.Title
			}
			for _, y := range d.Funded.Years {
				v, ok := byAction[aid][y]
				row.Cells = append(row.Cells, fundedCell{v, ok})
			}
			d.Funded.Rows = append(d.Funded.Rows, row)
		}
		if act == nil { // the funding is visible, the action is not
			continue
		}
		if act.OperatorID != a.ID && act.OperatorID != 0 {
			tie(act.OperatorID).operatesFunded[aid] = true
		}
		for _, f := range act.Fundings {
			if f.FunderID != a.ID {
				tie(f.FunderID).cofunds[aid] = true
			}
		}
	}
	if ops.Total > len(ops.Items) || len(funded) > actorPartnerScan {
		d.PartnersNote = fmt.Sprintf("Partenaires établis d’après les %d premières actions portées et les %d actions les plus financées.", actorPartnerScan, actorPartnerScan)
	}
	if err := h.actorPartners(ctx, &d, ref, ties); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "actor", page{Title: a.Name, Section: "acteurs",
		Crumbs: []crumb{{"Accueil", "/"}, {"Acteurs", "/acteurs"}, {a.Name, ""}}, Data: d, Flash: okMessage(r, actorMessages)})
}

// actorPartners names the partners found (those the visitor may see), the
// most linked first.
func (h *handler) actorPartners(ctx context.Context, d *actorData, ref *domain.Referentials, ties map[int64]*partnerTies) error {
	var rows []partnerRow
	for id, t := range ties {
		p, err := h.s.Actor(ctx, id)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		row := partnerRow{ID: id, Name: p.Name, Type: refLabels(ref, domain.RefActorType, []string{p.Type})}
		if n := len(t.fundsIts); n > 0 {
			row.Ties = append(row.Ties, fmt.Sprintf("finance %d action(s) portée(s) par cet acteur", n))
		}
		if n := len(t.operatesFunded); n > 0 {
			row.Ties = append(row.Ties, fmt.Sprintf("porte %d action(s) financée(s) par cet acteur", n))
		}
		if n := len(t.cofunds); n > 0 {
			row.Ties = append(row.Ties, fmt.Sprintf("cofinance %d action(s) avec lui", n))
		}
		row.weight = len(t.fundsIts) + len(t.operatesFunded) + len(t.cofunds)
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].weight != rows[j].weight {
			return rows[i].weight > rows[j].weight
		}
		return rows[i].Name < rows[j].Name
	})
	if len(rows) > actorPartnersShown {
		d.PartnersMore = len(rows) - actorPartnersShown
		rows = rows[:actorPartnersShown]
	}
	d.Partners = rows
	return nil
}

// actorMessages are the confirmations of the actor page (?ok=).
var actorMessages = map[string]string{
	"cree":    "L’acteur a été créé.",
	"modifie": "Les modifications ont été enregistrées.",
}

// ---- create and edit form ----

type actorFormData struct {
	A        domain.Actor
	New      bool
	Types    []domain.RefEntry
	Errors   map[string]string
	Summary  []domain.FieldError
	Conflict bool
	Vis      []option
}

var actorFieldLabels = map[string]string{
	"name": "Nom", "type": "Type d’acteur", "siren": "SIREN", "siret": "SIRET", "commune": "Commune du siège",
	"territory": "Territoire représenté", "visibility": "Visibilité", "external_id": "Identifiant externe", "source": "Source",
}

var actorFieldOrder = []string{"name", "type", "siren", "siret", "commune", "territory", "visibility"}

func (h *handler) actorNew(w http.ResponseWriter, r *http.Request) {
	if !h.canWrite(r.Context()) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte de contributeur pour créer un acteur."))
		return
	}
	a := domain.Actor{}
	a.Visibility = domain.VisibilityNetwork
	h.renderActorForm(w, r, http.StatusOK, &a, true, nil, false)
}

func (h *handler) actorEdit(w http.ResponseWriter, r *http.Request) {
	a, err := h.actorByPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.canEditMeta(r.Context(), a.Meta) {
		h.fail(w, r, errMayNotEditActor(r.Context()))
		return
	}
	h.renderActorForm(w, r, http.StatusOK, a, false, nil, false)
}

// errMayNotEditActor is the refusal of an edit: sign in, or the record
// belongs to another organisation.
func errMayNotEditActor(ctx context.Context) error {
	if domain.PrincipalFrom(ctx) == nil {
		return domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte qui peut modifier cet acteur.")
	}
	return domain.Errorf(domain.EFORBIDDEN, "Votre compte ne peut pas modifier cet acteur : seuls son organisation propriétaire et les administrateurs le peuvent.")
}

func (h *handler) renderActorForm(w http.ResponseWriter, r *http.Request, status int, a *domain.Actor, isNew bool, fe []domain.FieldError, conflict bool) {
	ref, err := h.s.Referentials(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := actorFormData{A: *a, New: isNew, Types: ref.Entries(domain.RefActorType), Conflict: conflict, Vis: visibilityOptions(a.Visibility)}
	d.Errors, d.Summary = formErrors(fe, actorFieldLabels, actorFieldOrder, nil)
	title := "Nouvel acteur"
	crumbs := []crumb{{"Accueil", "/"}, {"Acteurs", "/acteurs"}, {title, ""}}
	if !isNew {
		name := a.Name
		if strings.TrimSpace(name) == "" {
			name = "Acteur n° " + strconv.FormatInt(a.ID, 10)
		}
		title = "Modifier : " + name
		crumbs = []crumb{{"Accueil", "/"}, {"Acteurs", "/acteurs"}, {name, "/acteurs/" + strconv.FormatInt(a.ID, 10)}, {"Modifier", ""}}
	}
	if len(fe) > 0 {
		title = "Erreur : " + title
	}
	h.render(w, r, status, "actor_form", page{Title: title, Section: "acteurs", Crumbs: crumbs, Data: d})
}

// compactID drops the spaces and dots people type inside a SIREN or SIRET
// ("130 005 481" → "130005481").
var compactID = strings.NewReplacer(" ", "", ".", "", "\u00a0", "", "\u202f", "", "\t", "")

// readActorForm fills a from the posted form; what the form itself can tell
// is returned as field errors (French).
func readActorForm(r *http.Request, a *domain.Actor) []domain.FieldError {
	f := r.PostForm
	a.Name = f.Get("name")
	a.Type = strings.TrimSpace(f.Get("type"))
	a.SIREN = compactID.Replace(f.Get("siren"))
	a.SIRET = compactID.Replace(f.Get("siret"))
	a.Commune = strings.TrimSpace(f.Get("commune"))
	a.Territory = strings.TrimSpace(f.Get("territory"))
	a.Visibility = domain.Visibility(f.Get("visibility"))
	var fe []domain.FieldError
	if a.Type == "" {
		fe = append(fe, domain.FieldError{Field: "type", Reason: "obligatoire : choisissez le type d’acteur"})
	}
	return fe
}

func (h *handler) actorCreate(w http.ResponseWriter, r *http.Request) {
	h.actorForm().save(h, w, r, true)
}

func (h *handler) actorUpdate(w http.ResponseWriter, r *http.Request) {
	h.actorForm().save(h, w, r, false)
}

// actorForm is the create/edit flow of the actor form.
func (h *handler) actorForm() recordForm[domain.Actor] {
	return recordForm[domain.Actor]{what: "un acteur", this: "cet acteur", firstField: "name", page: "/acteurs/",
		meta:    func(a *domain.Actor) *domain.Meta { return &a.Meta },
		id:      func(a *domain.Actor) int64 { return a.ID },
		current: h.actorByPath,
		read: func(r *http.Request, a *domain.Actor) ([]domain.FieldError, map[string]string) {
			return readActorForm(r, a), nil
		},
		validate: (*domain.Actor).Validate,
		create:   h.s.CreateActor,
		update:   h.s.UpdateActor,
		render: func(w http.ResponseWriter, r *http.Request, status int, a *domain.Actor, isNew bool, fe []domain.FieldError, conflict bool, _ map[string]string) {
			h.renderActorForm(w, r, status, a, isNew, fe, conflict)
		},
		mayNotEdit: errMayNotEditActor,
	}
}
