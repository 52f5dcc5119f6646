package api

import (
	"net/http"
	"strconv"

	"maillage/internal/domain"
)

var actionSorts = sortValues("id", "title", "start_date", "capacity", "updated_at")

func (s *Server) actionRoutes() {
	id := idParam("de l'action")
	s.add(&Route{
		Method: "GET", Path: "/actions", Tag: "actions", Kind: "action", OperationID: "listActions",
		Summary: "Lister les actions",
		Description: "Filtres combinables. territory : une commune, ou un EPCI, un département, une région, un périmètre — " +
			"toutes les actions dont la zone servie ou le lieu touche une de ses communes (une action à l'échelle d'un EPCI ou du département compte dans chacune). " +
			"year : actions dont la période recoupe l'année.",
		Params: append([]Param{
			{Name: "territory", Description: "Code de territoire (commune, EPCI, département, région, périmètre)."},
			{Name: "theme", Description: "Code de thématique (référentiel theme ; majuscules acceptées ; un code inconnu est une erreur 400)."},
			{Name: "public", Description: "Code de public (référentiel public ; majuscules acceptées ; un code inconnu est une erreur 400)."},
			{Name: "label", Description: "Code de label (référentiel label : laep, reaap, clas... ; LAEP accepté ; un code inconnu est une erreur 400)."},
			{Name: "year", Type: "integer", Description: "Année recoupant la période de l'action."},
			{Name: "operator", Type: "integer", Description: "Identifiant de l'acteur porteur."},
			{Name: "funder", Type: "integer", Description: "Identifiant d'un acteur financeur."},
			{Name: "q", Description: "Texte cherché dans le titre et la description, sans tenir compte des majuscules ni des accents."},
			{Name: "sort", Description: "Tri (préfixe - : décroissant ; défaut id).", Enum: actionSorts},
		}, pageParams()...),
		Response: List[domain.Action]{}, Handle: s.listActions,
	})
	s.add(&Route{
		Method: "POST", Path: "/actions", Tag: "actions", Kind: "action", OperationID: "createAction", Write: true,
		Summary:     "Créer une action",
		Description: "fundings est en lecture seule : les financements se créent par /fundings.",
		Body:        domain.Action{}, Response: domain.Action{}, Status: http.StatusCreated, Handle: s.createAction,
	})
	s.add(&Route{
		Method: "GET", Path: "/actions/{id}", Tag: "actions", Kind: "action", OperationID: "getAction", ETag: true,
		Summary: "Lire une action, avec ses financements et les rôles des acteurs",
		Params:  []Param{id}, Response: domain.Action{}, Handle: s.getAction,
	})
	s.add(&Route{
		Method: "PUT", Path: "/actions/{id}", Tag: "actions", Kind: "action", OperationID: "updateAction", Write: true, Conditional: true,
		Summary:     "Modifier une action",
		Description: "Remplace l'action (tous ses champs) ; fundings est ignoré (voir /fundings).",
		Params:      []Param{id}, Body: domain.Action{}, Response: domain.Action{}, Handle: s.updateAction,
	})
	s.add(&Route{
		Method: "DELETE", Path: "/actions/{id}", Tag: "actions", Kind: "action", OperationID: "deleteAction", Write: true,
		Summary: "Supprimer une action et ses financements", Params: []Param{id}, Handle: s.deleteAction,
	})
}

func (s *Server) listActions(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := domain.ActionFilter{
		Territory: q.str("territory"),
		Theme:     q.str("theme"),
		Public:    q.str("public"),
		Label:     q.str("label"),
		Year:      q.int("year", 1800, 2200),
		Operator:  q.id("operator"),
		Funder:    q.id("funder"),
		Text:      q.str("q"),
		Sort:      q.oneOf("sort", actionSorts),
	}
	f.Offset, f.Limit = q.page()
	if f.Theme != "" || f.Public != "" || f.Label != "" {
		ref, err := s.store.Referentials(r.Context())
		if err != nil {
			return err
		}
		f.Theme = q.refCode(ref, "theme", domain.RefTheme, f.Theme)
		f.Public = q.refCode(ref, "public", domain.RefPublic, f.Public)
		f.Label = q.refCode(ref, "label", domain.RefLabel, f.Label)
	}
	if err := q.err(); err != nil {
		return err
	}
	p, err := s.store.Actions(r.Context(), f)
	if err != nil {
		return fieldedNotFound(err, "territory")
	}
	return writeList(w, r, p, f.Offset, f.Limit)
}

func (s *Server) getAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.store.Action(r.Context(), id)
	if err != nil {
		return err
	}
	if a.Fundings == nil {
		a.Fundings = []domain.Funding{}
	}
	if a.Roles == nil {
		a.Roles = []domain.ActionRole{}
	}
	if notModified(w, r, a.Version) {
		return nil
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) createAction(w http.ResponseWriter, r *http.Request) error {
	var a domain.Action
	if err := decodeBody(r, &a); err != nil {
		return err
	}
	a.ID, a.Fundings = 0, nil
	a.OwnerOrg = principalOrg(r.Context())
	if err := s.store.CreateAction(r.Context(), &a); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/actions/"+strconv.FormatInt(a.ID, 10))
	setETag(w, a.Version)
	return writeJSON(w, http.StatusCreated, a)
}

func (s *Server) updateAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var a domain.Action
	if err := decodeBody(r, &a); err != nil {
		return err
	}
	want, err := expectedVersion(r, a.Version)
	if err != nil {
		return err
	}
	cur, err := s.store.Action(r.Context(), id)
	if err != nil {
		return err
	}
	a.ID, a.Version, a.OwnerOrg, a.CreatedAt, a.Fundings = id, want, cur.OwnerOrg, cur.CreatedAt, nil
	if a.Source == "" {
		a.Source = cur.Source
	}
	if a.ExternalID == "" {
		a.ExternalID = cur.ExternalID
	}
	if err := s.store.UpdateAction(r.Context(), &a); err != nil {
		return err
	}
	a.Fundings = cur.Fundings
	setETag(w, a.Version)
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) deleteAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteAction(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
