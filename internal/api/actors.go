package api

import (
	"net/http"
	"strconv"

	"maillage/internal/domain"
)

var actorSorts = sortValues("id", "name", "type", "updated_at")

// sortValues lists each key and its descending form.
func sortValues(keys ...string) []string {
	out := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		out = append(out, k, "-"+k)
	}
	return out
}

func idParam(what string) Param {
	return Param{Name: "id", In: "path", Type: "integer", Description: "Identifiant " + what + "."}
}

func (s *Server) actorRoutes() {
	id := idParam("de l'acteur")
	s.add(&Route{
		Method: "GET", Path: "/actors", Tag: "acteurs", Kind: "actor", OperationID: "listActors",
		Summary: "Lister les acteurs",
		Params: append([]Param{
			{Name: "type", Description: "Type d'acteur (référentiel actor_type : caf, commune, association, centre_social...)."},
			{Name: "territory", Description: "Acteurs dont le siège est dans ce territoire (commune, EPCI, département...)."},
			{Name: "q", Description: "Texte cherché dans le nom, le SIREN, le SIRET ou l'identifiant externe, sans tenir compte des majuscules ni des accents (« creche » trouve « Crèche »)."},
			{Name: "sort", Description: "Tri (préfixe - : décroissant).", Enum: actorSorts},
		}, pageParams()...),
		Response: List[domain.Actor]{}, Handle: s.listActors,
	})
	s.add(&Route{
		Method: "POST", Path: "/actors", Tag: "acteurs", Kind: "actor", OperationID: "createActor", Write: true,
		Summary: "Créer un acteur", Body: domain.Actor{}, Response: domain.Actor{}, Status: http.StatusCreated, Handle: s.createActor,
	})
	s.add(&Route{
		Method: "GET", Path: "/actors/{id}", Tag: "acteurs", Kind: "actor", OperationID: "getActor", ETag: true,
		Summary: "Lire un acteur", Params: []Param{id}, Response: domain.Actor{}, Handle: s.getActor,
	})
	s.add(&Route{
		Method: "PUT", Path: "/actors/{id}", Tag: "acteurs", Kind: "actor", OperationID: "updateActor", Write: true, Conditional: true,
		Summary: "Modifier un acteur", Params: []Param{id}, Body: domain.Actor{}, Response: domain.Actor{}, Handle: s.updateActor,
	})
	s.add(&Route{
		Method: "DELETE", Path: "/actors/{id}", Tag: "acteurs", Kind: "actor", OperationID: "deleteActor", Write: true,
		Summary:     "Supprimer un acteur",
		Description: "Refusé (409) tant que l'acteur porte, finance ou intervient dans des actions.",
		Params:      []Param{id}, Handle: s.deleteActor,
	})
}

func (s *Server) listActors(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r)
	f := domain.ActorFilter{Type: q.str("type"), Territory: q.str("territory"), Text: q.str("q"), Sort: q.oneOf("sort", actorSorts)}
	f.Offset, f.Limit = q.page()
	if err := q.err(); err != nil {
		return err
	}
	p, err := s.store.Actors(r.Context(), f)
	if err != nil {
		return fieldedNotFound(err, "territory")
	}
	return writeList(w, r, p, f.Offset, f.Limit)
}

func (s *Server) getActor(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.store.Actor(r.Context(), id)
	if err != nil {
		return err
	}
	if notModified(w, r, a.Version) {
		return nil
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) createActor(w http.ResponseWriter, r *http.Request) error {
	var a domain.Actor
	if err := decodeBody(r, &a); err != nil {
		return err
	}
	a.ID = 0
	a.OwnerOrg = principalOrg(r.Context())
	if err := s.store.CreateActor(r.Context(), &a); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/actors/"+strconv.FormatInt(a.ID, 10))
	setETag(w, a.Version)
	return writeJSON(w, http.StatusCreated, a)
}

func (s *Server) updateActor(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var a domain.Actor
	if err := decodeBody(r, &a); err != nil {
		return err
	}
	want, err := expectedVersion(r, a.Version)
	if err != nil {
		return err
	}
	cur, err := s.store.Actor(r.Context(), id)
	if err != nil {
		return err
	}
	a.ID, a.Version, a.OwnerOrg, a.CreatedAt = id, want, cur.OwnerOrg, cur.CreatedAt
	// Where the record came from is not the caller's to change by omission.
	if a.Source == "" {
		a.Source = cur.Source
	}
	if a.ExternalID == "" {
		a.ExternalID = cur.ExternalID
	}
	if err := s.store.UpdateActor(r.Context(), &a); err != nil {
		return err
	}
	setETag(w, a.Version)
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) deleteActor(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteActor(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
