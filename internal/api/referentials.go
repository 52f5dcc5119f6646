package api

import (
	"net/http"
	"strings"

	"maillage/internal/domain"
)

// ReferentialSet is every referential, by kind, entries in their declared order.
type ReferentialSet struct {
	Themes     []domain.RefEntry `json:"themes"`
	Publics    []domain.RefEntry `json:"publics"`
	ActorTypes []domain.RefEntry `json:"actor_types"`
	Labels     []domain.RefEntry `json:"labels"`
}

func (s *Server) referentialRoutes() {
	s.add(&Route{
		Method: "GET", Path: "/referentials", Tag: "référentiels", Kind: "referential", OperationID: "getReferentials",
		Summary:  "Référentiels : thématiques, publics, types d'acteurs, labels",
		Response: ReferentialSet{}, Handle: s.getReferentials,
	})
	s.add(&Route{
		Method: "POST", Path: "/referentials", Tag: "référentiels", Kind: "referential", OperationID: "addReferentialEntry", Write: true,
		Summary: "Ajouter une entrée à un référentiel",
		Description: "kind : theme, public, actor_type ou label ; code en minuscules, chiffres et _ ; pour une thématique, need désigne " +
			"l'indicateur qui mesure son public cible (population par défaut). 409 si le code existe déjà.",
		Body: domain.RefEntry{}, Response: domain.RefEntry{}, Status: http.StatusCreated, Handle: s.addReferentialEntry,
	})
}

func (s *Server) getReferentials(w http.ResponseWriter, r *http.Request) error {
	ref, err := s.store.Referentials(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ReferentialSet{
		Themes:     ref.Entries(domain.RefTheme),
		Publics:    ref.Entries(domain.RefPublic),
		ActorTypes: ref.Entries(domain.RefActorType),
		Labels:     ref.Entries(domain.RefLabel),
	})
}

func (s *Server) addReferentialEntry(w http.ResponseWriter, r *http.Request) error {
	var e domain.RefEntry
	if err := decodeBody(r, &e); err != nil {
		return err
	}
	e.Code = strings.TrimSpace(e.Code)
	e.Label = strings.TrimSpace(e.Label)
	ctx := r.Context()
	ref, err := s.store.Referentials(ctx)
	if err != nil {
		return err
	}
	var v domain.Validation
	if e.Need != "" {
		if e.Kind != domain.RefTheme {
			v.Add("need", "seules les thématiques ont un indicateur de besoin")
		} else if _, err := s.store.Indicator(ctx, e.Need); err != nil {
			if domain.ErrorCode(err) != domain.ENOTFOUND {
				return err
			}
			v.Add("need", "indicateur inconnu %q", e.Need)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if ref.Has(e.Kind, e.Code) {
		return domain.Errorf(domain.ECONFLICT, "Le code %s existe déjà dans le référentiel %s.", e.Code, e.Kind)
	}
	if err := s.store.PutRefEntry(ctx, e); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, e)
}
