package web

// Fundings of an action, managed from the action's page: the form "Ajouter
// un financement" under the fundings table, and per funding a page to edit
// it and a page to confirm its deletion. Every write goes through the
// store, which applies the policy (auth.Guard) and bumps the data version;
// the handlers only read the form and show the errors in French.

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"maillage/internal/auth"
	"maillage/internal/domain"
	"maillage/internal/tabular"
)

// fundingRoutes are the policy rules of the funding forms (auth.Routes is
// the one route table of the accounts middleware).
var fundingRoutes = map[string]auth.Rule{
	"POST /actions/{id}/financements":                 {Class: auth.Data, Action: auth.Create},
	"GET /actions/{id}/financements/{fid}/modifier":   {Class: auth.Data, Action: auth.Update},
	"POST /actions/{id}/financements/{fid}/modifier":  {Class: auth.Data, Action: auth.Update},
	"GET /actions/{id}/financements/{fid}/supprimer":  {Class: auth.Data, Action: auth.Delete},
	"POST /actions/{id}/financements/{fid}/supprimer": {Class: auth.Data, Action: auth.Delete},
}

func init() {
	for p, r := range fundingRoutes {
		if _, ok := auth.Routes[p]; !ok {
			auth.Routes[p] = r
		}
	}
}

// registerFundings adds the funding forms to the router.
func (h *handler) registerFundings(mux *http.ServeMux) {
	mux.HandleFunc("POST /actions/{id}/financements", h.fundingCreate)
	mux.HandleFunc("GET /actions/{id}/financements/{fid}/modifier", h.fundingEdit)
	mux.HandleFunc("POST /actions/{id}/financements/{fid}/modifier", h.fundingUpdate)
	mux.HandleFunc("GET /actions/{id}/financements/{fid}/supprimer", h.fundingDeleteConfirm)
	mux.HandleFunc("POST /actions/{id}/financements/{fid}/supprimer", h.fundingDelete)
}

// fundingForm is the add or edit form of a funding (template
// "funding-form" of funding_form.html, also drawn on the action's page).
type fundingForm struct {
	cForm
	Legend      string
	Conflict    bool   // the funding changed since the form was read
	ActionID    int64  // the action the funding belongs to
	ActionTitle string //
	FunderName  string // the current funder (edit), shown when the funder is typed
}

// fundingPage is what the funding_form and funding_delete pages get.
type fundingPage struct {
	F        *fundingForm
	Funding  *domain.Funding
	Funder   string
	Conflict bool
	Version  int64
}

// fundingFieldLabels name the form's fields in the error summary.
var fundingFieldLabels = map[string]string{"funder": "Financeur", "year": "Année", "amount": "Montant"}

// fundingAlias maps the domain's field names to the form's.
var fundingAlias = map[string]string{"funder_id": "funder"}

// AmountText is the amount in euros the French way, with cents when there
// are some ("2 000", "2 000,5").
func (f fundingRow) AmountText() string { return formatNumDec(f.Amount, 2) }

// canChangeFunding reports whether the request may update (or delete) this
// funding: the accounts policy on the funding's owner and visibility, or any
// write when AllowAnonymousWrite. The store checks it again.
func (h *handler) canChangeFunding(ctx context.Context, f *domain.Funding, a auth.Action) bool {
	if h.opts.AllowAnonymousWrite {
		return true
	}
	return auth.Can(domain.PrincipalFrom(ctx), a, auth.Resource{Class: auth.Data, OwnerOrg: f.OwnerOrg, Visibility: f.Visibility})
}

// newFundingForm builds the form of a funding of action a: a list of actors
// for the funder when there are few, a text field otherwise (resolved by
// resolveFunder).
func (h *handler) newFundingForm(ctx context.Context, a *domain.Action, f *domain.Funding) (*fundingForm, error) {
	h.sync(ctx)
	ref, err := h.refOptions(ctx)
	if err != nil {
		return nil, err
	}
	id := strconv.FormatInt(a.ID, 10)
	ff := &fundingForm{ActionID: a.ID, ActionTitle: a.Title}
	funder := &cField{Name: "funder", Label: "Financeur", Required: true}
	if ref.ManyActors {
		funder.Kind = "text"
		funder.Hint = "numéro, SIREN ou nom de l’acteur qui finance"
	} else {
		funder.Kind = "select"
		funder.Options = []dgOption{{Value: "", Label: "Choisir l’acteur qui finance"}}
		for _, ac := range ref.Actors {
			funder.Options = append(funder.Options, dgOption{Value: strconv.FormatInt(ac.ID, 10), Label: ac.Name})
		}
	}
	year := &cField{Name: "year", Label: "Année", Kind: "number", Required: true, Hint: "sur quatre chiffres, par exemple 2025"}
	amount := &cField{Name: "amount", Label: "Montant en euros", Kind: "number", Required: true, Hint: "par exemple 2 000 ou 2 000,50"}
	ff.Fields = []*cField{funder, year, amount}
	ff.Cancel = "/actions/" + id
	if f == nil || f.ID == 0 {
		ff.Action, ff.Submit, ff.Legend = "/actions/"+id+"/financements", "Ajouter le financement", "Nouveau financement"
		ff.fill(url.Values{"year": {strconv.Itoa(time.Now().Year())}})
		return ff, nil
	}
	fid := strconv.FormatInt(f.ID, 10)
	ff.Action, ff.Submit, ff.Legend = "/actions/"+id+"/financements/"+fid+"/modifier", "Enregistrer", "Financement"
	ff.Hidden = []dgOption{{Value: "version", Label: strconv.FormatInt(f.Version, 10)}}
	ff.FunderName = fmt.Sprintf("acteur n° %d", f.FunderID)
	if ac, err := h.s.Actor(ctx, f.FunderID); err == nil {
		ff.FunderName = ac.Name
	}
	if funder.Kind == "select" {
		// the current funder stays choosable even when the list lacks it
		cur := strconv.FormatInt(f.FunderID, 10)
		found := false
		for _, o := range funder.Options {
			found = found || o.Value == cur
		}
		if !found {
			funder.Options = append(funder.Options, dgOption{Value: cur, Label: ff.FunderName})
		}
	}
	ff.fill(url.Values{"funder": {strconv.FormatInt(f.FunderID, 10)}, "year": {strconv.Itoa(f.Year)},
		"amount": {strings.ReplaceAll(strconv.FormatFloat(f.Amount, 'f', -1, 64), ".", ",")}})
	return ff, nil
}

// addFundingForm puts the add form on the action's page when the visitor
// may declare fundings (nothing when the form cannot be built: the page
// still shows).
func (h *handler) addFundingForm(ctx context.Context, d *actionData) {
	if !h.canWrite(ctx) {
		return
	}
	ff, err := h.newFundingForm(ctx, d.A, nil)
	if err != nil {
		h.log.Error("formulaire de financement", "action", d.A.ID, "err", err)
		return
	}
	html, err := h.fundingFormHTML(ctx, ff)
	if err != nil {
		h.log.Error("formulaire de financement", "action", d.A.ID, "err", err)
		return
	}
	d.FundingForm = html
}

// fundingFormHTML draws the form alone (template "funding-form"), for the
// action's page.
func (h *handler) fundingFormHTML(ctx context.Context, ff *fundingForm) (template.HTML, error) {
	t := h.pages["funding_form"]
	if t == nil {
		return "", domain.Errorf(domain.EINTERNAL, "gabarit funding_form absent")
	}
	buf := getBuf()
	defer putBuf(buf)
	if err := t.ExecuteTemplate(buf, "funding-form", map[string]any{"F": ff, "CSRF": auth.CSRFToken(ctx)}); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil
}

// readFundingForm fills f's funder, year and amount from the posted form;
// the fields it cannot read are returned as French messages.
func (h *handler) readFundingForm(ctx context.Context, v url.Values, f *domain.Funding) (map[string]string, error) {
	fe := map[string]string{}
	id, reason, err := h.resolveFunder(ctx, v.Get("funder"))
	if err != nil {
		return nil, err
	}
	f.FunderID = id
	if reason != "" {
		fe["funder"] = reason
	}
	f.Year = 0
	if y := strings.TrimSpace(v.Get("year")); y == "" {
		fe["year"] = "obligatoire"
	} else if n, err := strconv.Atoi(y); err != nil {
		fe["year"] = "année attendue sur quatre chiffres, par exemple 2025"
	} else {
		f.Year = n
	}
	f.Amount = 0
	n, err := tabular.ParseNumber(v.Get("amount"))
	switch {
	case errors.Is(err, tabular.ErrEmpty):
		fe["amount"] = "obligatoire"
	case err != nil:
		fe["amount"] = "montant illisible : écrivez un nombre d’euros en chiffres, par exemple 2 000 ou 2 000,50"
	default:
		f.Amount = n
	}
	return fe, nil
}

// resolveFunder finds the actor the funder field names: a number is an
// actor's id; otherwise, or when no actor has that id, the text is looked
// for in names, SIREN and external ids. A name wins when it is the exact
// name of one actor or matches only one. The reason says in French why no
// actor was chosen (empty: chosen, or the field is empty and Validate says
// it is required).
func (h *handler) resolveFunder(ctx context.Context, raw string) (int64, string, error) {
	raw = strings.Join(strings.Fields(raw), " ")
	if raw == "" {
		return 0, "", nil
	}
	if id, err := strconv.ParseInt(raw, 10, 64); err == nil && id > 0 {
		_, err := h.s.Actor(ctx, id)
		if err == nil {
			return id, "", nil
		}
		if domain.ErrorCode(err) != domain.ENOTFOUND {
			return 0, "", err
		}
	}
	text := strings.ReplaceAll(raw, "’", "'")
	pg, err := h.s.Actors(ctx, domain.ActorFilter{Text: text, Limit: 50, Sort: "name"})
	if err != nil {
		return 0, "", err
	}
	var exact []domain.Actor
	for _, ac := range pg.Items {
		if strings.EqualFold(strings.ReplaceAll(ac.Name, "’", "'"), text) || ac.SIREN == raw || ac.ExternalID == raw {
			exact = append(exact, ac)
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0].ID, "", nil
	case len(exact) == 0 && pg.Total == 1:
		return pg.Items[0].ID, "", nil
	case pg.Total == 0:
		return 0, fmt.Sprintf("aucun acteur ne correspond à « %s » : vérifiez le nom ou saisissez le numéro de l’acteur", raw), nil
	}
	cands := exact
	if len(cands) == 0 {
		cands = pg.Items
	}
	total := len(cands)
	if len(exact) == 0 {
		total = pg.Total
	}
	var names []string
	for i, ac := range cands {
		if i == 5 {
			names = append(names, "…")
			break
		}
		names = append(names, fmt.Sprintf("%s (n° %d)", ac.Name, ac.ID))
	}
	return 0, fmt.Sprintf("« %s » désigne %d acteurs : %s. Saisissez le numéro de l’acteur voulu", raw, total, strings.Join(names, ", ")), nil
}

// duplicateFunding reports the message for a second funding of the same
// funder and year on the action (the store refuses it), among the
// fundings the visitor sees.
func duplicateFunding(a *domain.Action, f *domain.Funding) string {
	for _, x := range a.Fundings {
		if x.ID != f.ID && x.FunderID == f.FunderID && x.Year == f.Year && f.FunderID != 0 {
			return fmt.Sprintf("ce financeur finance déjà cette action en %d : modifiez la ligne existante du tableau", f.Year)
		}
	}
	return ""
}

// fundingByPath reads the action and the funding of the path; a funding of
// another action is not found.
func (h *handler) fundingByPath(r *http.Request) (*domain.Action, *domain.Funding, error) {
	a, err := h.actionByPath(r)
	if err != nil {
		return nil, nil, err
	}
	fid, err := strconv.ParseInt(r.PathValue("fid"), 10, 64)
	if err != nil || fid <= 0 {
		return nil, nil, domain.NotFound("Financement", r.PathValue("fid"))
	}
	f, err := h.s.Funding(r.Context(), fid)
	if err != nil {
		return nil, nil, err
	}
	if f.ActionID != a.ID {
		return nil, nil, domain.NotFound("Financement", r.PathValue("fid"))
	}
	return a, f, nil
}

func actionName(a *domain.Action) string {
	if strings.TrimSpace(a.Title) != "" {
		return a.Title
	}
	return "Action n° " + strconv.FormatInt(a.ID, 10)
}

// renderFundingForm shows the add or edit form on its own page (after an
// error, or to edit a funding).
func (h *handler) renderFundingForm(w http.ResponseWriter, r *http.Request, status int, a *domain.Action, ff *fundingForm) {
	title := "Ajouter un financement"
	if len(ff.Hidden) > 0 {
		title = "Modifier un financement"
	}
	crumbs := []crumb{{"Accueil", "/"}, {"Actions", "/actions"}, {actionName(a), "/actions/" + strconv.FormatInt(a.ID, 10)}, {title, ""}}
	if len(ff.Summary) > 0 || ff.General != "" {
		title = "Erreur : " + title
	}
	h.render(w, r, status, "funding_form", page{Title: title, Section: "actions", Crumbs: crumbs, Data: fundingPage{F: ff}})
}

// fundingCreate adds a funding to the action (form of the action's page).
func (h *handler) fundingCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, err := h.actionByPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.canWrite(ctx) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte de contributeur pour déclarer un financement."))
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, domain.Errorf(domain.EINVALID, "Formulaire illisible."))
		return
	}
	f := &domain.Funding{ActionID: a.ID}
	f.Visibility = a.Visibility // a funding is shown like its action
	if p := domain.PrincipalFrom(ctx); p != nil && p.OrgID != 0 {
		f.OwnerOrg = p.OrgID // before Validate gives it the instance's
	}
	h.saveFunding(w, r, a, f, 0)
}

// fundingEdit shows the edit form of a funding.
func (h *handler) fundingEdit(w http.ResponseWriter, r *http.Request) {
	a, f, err := h.fundingByPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.canChangeFunding(r.Context(), f, auth.Update) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte qui peut modifier ce financement."))
		return
	}
	ff, err := h.newFundingForm(r.Context(), a, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderFundingForm(w, r, http.StatusOK, a, ff)
}

// fundingUpdate saves the edit form, checking the version it was read at.
func (h *handler) fundingUpdate(w http.ResponseWriter, r *http.Request) {
	a, f, err := h.fundingByPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.canChangeFunding(r.Context(), f, auth.Update) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte qui peut modifier ce financement."))
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, domain.Errorf(domain.EINVALID, "Formulaire illisible."))
		return
	}
	read, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	f.Version = read
	h.saveFunding(w, r, a, f, read)
}

// saveFunding reads the posted form into f, then creates (f.ID == 0) or
// updates it; errors go back to the form, success to the action's page.
func (h *handler) saveFunding(w http.ResponseWriter, r *http.Request, a *domain.Action, f *domain.Funding, read int64) {
	ctx := r.Context()
	ff, err := h.newFundingForm(ctx, a, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ff.fill(r.PostForm)
	fe, err := h.readFundingForm(ctx, r.PostForm, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if msg := duplicateFunding(a, f); msg != "" && fe["funder"] == "" {
		fe["funder"] = msg
	}
	// the domain's rules (year range, positive amount, funder required),
	// unless the field already has a message of ours
	vf, _ := dgFieldErrors(f.Validate())
	for k, msg := range vf {
		if a, ok := fundingAlias[k]; ok {
			k = a
		}
		if fe[k] == "" {
			fe[k] = msg
		}
	}
	if len(fe) > 0 {
		ff.setErrors(fe, "", fundingAlias)
		h.renderFundingForm(w, r, http.StatusUnprocessableEntity, a, ff)
		return
	}
	ok := "financement-modifie"
	if f.ID == 0 {
		ok = "financement-ajoute"
		err = h.s.CreateFunding(ctx, f)
	} else {
		err = h.s.UpdateFunding(ctx, f)
	}
	if err != nil {
		switch domain.ErrorCode(err) {
		case domain.EINVALID:
			fe, general := dgFieldErrors(err)
			ff.setErrors(fe, general, fundingAlias)
			h.renderFundingForm(w, r, http.StatusUnprocessableEntity, a, ff)
		case domain.ECONFLICT:
			if f.ID != 0 {
				if cur, err2 := h.s.Funding(ctx, f.ID); err2 == nil && cur.Version != read {
					// someone saved it meanwhile: keep the typed values,
					// take the stored version so that saving again
					// overwrites knowingly
					ff.Conflict = true
					ff.Hidden = []dgOption{{Value: "version", Label: strconv.FormatInt(cur.Version, 10)}}
					h.renderFundingForm(w, r, http.StatusConflict, a, ff)
					return
				}
			}
			// the same funder and year already exist (a record the
			// visitor may not see, or one added meanwhile)
			ff.setErrors(map[string]string{"funder": fmt.Sprintf("ce financeur finance déjà cette action en %d", f.Year)}, "", nil)
			h.renderFundingForm(w, r, http.StatusUnprocessableEntity, a, ff)
		default:
			h.fail(w, r, err)
		}
		return
	}
	h.dataChanged()
	http.Redirect(w, r, "/actions/"+strconv.FormatInt(a.ID, 10)+"?ok="+ok, http.StatusSeeOther)
}

// fundingDeleteConfirm asks to confirm the deletion of a funding.
func (h *handler) fundingDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	a, f, err := h.fundingByPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.canChangeFunding(r.Context(), f, auth.Delete) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte qui peut supprimer ce financement."))
		return
	}
	h.renderFundingDelete(w, r, http.StatusOK, a, f, false)
}

func (h *handler) renderFundingDelete(w http.ResponseWriter, r *http.Request, status int, a *domain.Action, f *domain.Funding, conflict bool) {
	name := fmt.Sprintf("acteur n° %d", f.FunderID)
	if ac, err := h.s.Actor(r.Context(), f.FunderID); err == nil {
		name = ac.Name
	}
	ff := &fundingForm{ActionID: a.ID, ActionTitle: a.Title}
	ff.Action = fmt.Sprintf("/actions/%d/financements/%d/supprimer", a.ID, f.ID)
	ff.Cancel = "/actions/" + strconv.FormatInt(a.ID, 10)
	title := "Supprimer un financement"
	crumbs := []crumb{{"Accueil", "/"}, {"Actions", "/actions"}, {actionName(a), ff.Cancel}, {title, ""}}
	h.render(w, r, status, "funding_delete", page{Title: title, Section: "actions", Crumbs: crumbs,
		Data: fundingPage{F: ff, Funding: f, Funder: name, Conflict: conflict, Version: f.Version}})
}

// fundingDelete deletes a funding once confirmed, unless it changed since
// the confirmation page was shown.
func (h *handler) fundingDelete(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, f, err := h.fundingByPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.canChangeFunding(ctx, f, auth.Delete) {
		h.fail(w, r, domain.Errorf(domain.EFORBIDDEN, "Connectez-vous avec un compte qui peut supprimer ce financement."))
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, domain.Errorf(domain.EINVALID, "Formulaire illisible."))
		return
	}
	if v, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64); v != f.Version {
		h.renderFundingDelete(w, r, http.StatusConflict, a, f, true)
		return
	}
	if err := h.s.DeleteFunding(ctx, f.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	h.dataChanged()
	http.Redirect(w, r, "/actions/"+strconv.FormatInt(a.ID, 10)+"?ok=financement-supprime", http.StatusSeeOther)
}
