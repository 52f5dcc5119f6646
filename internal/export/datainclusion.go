package export

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"time"

	"maillage/internal/domain"
)

// DataInclusionSource is the data·inclusion "source" of records created in
// Maillage (records imported from data·inclusion keep their own source and id).
const DataInclusionSource = "maillage"

// Structure is a data·inclusion v1 structure (the fields Maillage knows).
type Structure struct {
	Source          string   `json:"source"`
	ID              string   `json:"id"`
	Nom             string   `json:"nom"`
	DateMaj         string   `json:"date_maj"`
	Siret           *string  `json:"siret"`
	CodeInsee       *string  `json:"code_insee"`
	Commune         *string  `json:"commune"`
	Latitude        *float64 `json:"latitude"`
	Longitude       *float64 `json:"longitude"`
	ReseauxPorteurs []string `json:"reseaux_porteurs"`
	Description     *string  `json:"description"`
}

// Service is a data·inclusion v1 service (the fields Maillage knows).
type Service struct {
	Source          string   `json:"source"`
	StructureID     string   `json:"structure_id"`
	ID              string   `json:"id"`
	Nom             string   `json:"nom"`
	Description     string   `json:"description"`
	DateMaj         string   `json:"date_maj"`
	Thematiques     []string `json:"thematiques"`
	Publics         []string `json:"publics"`
	ZoneEligibilite []string `json:"zone_eligibilite"`
	CodeInsee       *string  `json:"code_insee"`
	Commune         *string  `json:"commune"`
	Latitude        *float64 `json:"latitude"`
	Longitude       *float64 `json:"longitude"`
}

// diID returns the data·inclusion source and id of a Maillage record: the
// original ones for records imported from data·inclusion (source
// "data-inclusion:<source>"), else source "maillage" and id
// "maillage--<template id>".
func diID(source, externalID string, id int64) (string, string) {
	if src, ok := strings.CutPrefix(source, "data-inclusion:"); ok && externalID != "" {
		return src, externalID
	}
	return DataInclusionSource, DataInclusionSource + "--" + ID(source, externalID, id)
}

// themeToV1 and publicToV1 complete the referentials' data·inclusion lists
// (written for the older v0 codes) with the v1 codes of each Maillage code.
var themeToV1 = map[string][]string{
	"parentalite":           {"famille--soutien-a-la-parentalite-et-a-leducation"},
	"petite_enfance":        {"famille--garde-denfants"},
	"enfance":               {"famille--garde-denfants"},
	"rythmes_scolaires":     {"famille--garde-denfants"},
	"jeunesse":              {"remobilisation--activites-sportives-et-culturelles"},
	"animation_vie_sociale": {"remobilisation--lien-social"},
	"acces_aux_droits":      {"difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"},
	"logement":              {"logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement"},
	"handicap":              {"famille--prise-en-charge-personne-dependante"},
	"insertion":             {"preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi"},
	"numerique":             {"numerique--maitriser-les-fondamentaux-du-numerique"},
	"vacances_loisirs":      {"remobilisation--activites-sportives-et-culturelles"},
	"sante":                 {"sante--acces-aux-soins"},
	"mobilite":              {"mobilite--etre-accompagne-dans-son-parcours-mobilite"},
}

var publicToV1 = map[string][]string{
	"enfants_0_3":                  {"familles"},
	"enfants_3_11":                 {"familles"},
	"adolescents_12_17":            {"jeunes"},
	"jeunes_18_25":                 {"jeunes"},
	"parents":                      {"familles"},
	"familles":                     {"familles"},
	"familles_monoparentales":      {"familles"},
	"seniors":                      {"seniors"},
	"personnes_handicapees":        {"personnes-en-situation-de-handicap"},
	"beneficiaires_minima_sociaux": {"beneficiaires-des-minimas-sociaux"},
	"tous_publics":                 {"tous-publics"},
}

// toV1 maps Maillage codes to data·inclusion v1 codes: the referential's
// own data·inclusion codes that are valid v1 codes, else the built-in v1
// mapping; sorted, without duplicates; nil when nothing maps.
func toV1(ref *domain.Referentials, kind string, codes []string, valid map[string]bool, fallback map[string][]string) []string {
	var out []string
	for _, c := range codes {
		found := false
		if e, ok := ref.Get(kind, c); ok {
			for _, d := range e.DataInclusion {
				if valid[d] {
					out = append(out, d)
					found = true
				}
			}
		}
		if !found {
			out = append(out, fallback[c]...)
		}
	}
	if len(out) == 0 {
		return nil
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// reseaux maps actor types to data·inclusion "réseaux porteurs".
var reseaux = map[string]string{"caf": "caf", "commune": "communes", "departement": "departements", "region": "regions"}

type place struct {
	name     string
	typ      domain.TerritoryType
	region   string
	lat, lon *float64
}

func loadPlaces(ctx context.Context, s domain.Store) (map[string]place, error) {
	m := map[string]place{}
	err := pages(func(offset int) (domain.Page[domain.Territory], error) {
		return s.Territories(ctx, domain.TerritoryFilter{Offset: offset, Limit: pageSize})
	}, func(t domain.Territory) error {
		m[t.Code] = place{name: t.Name, typ: t.Type, region: t.Region, lat: t.Lat, lon: t.Lon}
		return nil
	})
	return m, err
}

func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func dateMaj(t time.Time) string {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC().Format("2006-01-02")
}

// clip cuts a name to data·inclusion's 150 characters, without a final
// period, and pads names shorter than 3.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 150 {
		s = strings.TrimSpace(string(r[:150]))
	}
	s = strings.TrimRight(s, ".")
	for len([]rune(s)) < 3 {
		s += "_"
	}
	return s
}

// DataInclusionExport is the exported document: structures and services.
type DataInclusionExport struct {
	Structures []Structure `json:"structures"`
	Services   []Service   `json:"services"`
}

// DataInclusion writes the actors (structures) and actions (services)
// selected by the filter in data·inclusion schema v1, as one JSON object
// {"structures": [...], "services": [...]}. Without a filter every actor is
// a structure; with one, the operators of the selected actions.
func DataInclusion(ctx context.Context, s domain.Store, f Filter, w io.Writer) error {
	ref, err := s.Referentials(ctx)
	if err != nil {
		return err
	}
	places, err := loadPlaces(ctx, s)
	if err != nil {
		return err
	}
	actors, err := actorIndex(ctx, s)
	if err != nil {
		return err
	}
	filtered := f != (Filter{})
	operators := map[int64]bool{}
	if filtered {
		if err := eachAction(ctx, s, f, func(a domain.Action) error {
			operators[a.OperatorID] = true
			return nil
		}); err != nil {
			return err
		}
	}
	ids := make([]int64, 0, len(actors))
	for id := range actors {
		if !filtered || operators[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)

	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	bw.WriteString("{\"structures\":[")
	for i, id := range ids {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
		if err := enc.Encode(structureOf(actors[id].a, places)); err != nil {
			return err
		}
	}
	bw.WriteString("],\n\"services\":[")
	n := 0
	regions := map[string][]string{} // région code → its départements
	for code, p := range places {
		if p.typ == domain.TypeDepartement && p.region != "" {
			regions[p.region] = append(regions[p.region], code)
		}
	}
	for _, ds := range regions {
		slices.Sort(ds)
	}
	err = eachAction(ctx, s, f, func(a domain.Action) error {
		svc, err := serviceOf(ctx, s, ref, a, actors[a.OperatorID].a, places, regions)
		if err != nil {
			return err
		}
		if n > 0 {
			bw.WriteByte(',')
		}
		n++
		bw.WriteByte('\n')
		return enc.Encode(svc)
	})
	if err != nil {
		return err
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

func structureOf(a domain.Actor, places map[string]place) Structure {
	src, id := diID(a.Source, a.ExternalID, a.ID)
	st := Structure{Source: src, ID: id, Nom: clip(a.Name), DateMaj: dateMaj(a.UpdatedAt)}
	if domain.IsSIRET(a.SIRET) {
		st.Siret = strp(a.SIRET)
	}
	if a.Commune != "" {
		st.CodeInsee = strp(a.Commune)
		if p, ok := places[a.Commune]; ok {
			st.Commune = strp(p.name)
			st.Latitude, st.Longitude = p.lat, p.lon
		}
	}
	if r, ok := reseaux[a.Type]; ok {
		st.ReseauxPorteurs = []string{r}
	}
	return st
}

func serviceOf(ctx context.Context, s domain.Store, ref *domain.Referentials, a domain.Action, op domain.Actor, places map[string]place, regions map[string][]string) (Service, error) {
	src, id := diID(a.Source, a.ExternalID, a.ID)
	_, sid := diID(op.Source, op.ExternalID, op.ID)
	desc := strings.TrimSpace(a.Description)
	if len([]rune(desc)) < 5 {
		desc = strings.TrimSpace(a.Title + ". " + desc)
	}
	for len([]rune(desc)) < 5 {
		desc += "."
	}
	if r := []rune(desc); len(r) > 10000 {
		desc = string(r[:10000])
	}
	svc := Service{
		Source: src, StructureID: sid, ID: id, Nom: clip(a.Title), Description: desc, DateMaj: dateMaj(a.UpdatedAt),
		Thematiques: toV1(ref, domain.RefTheme, a.Themes, v1Thematiques, themeToV1),
		Publics:     toV1(ref, domain.RefPublic, a.Publics, v1Publics, publicToV1),
	}
	var zone []string
	for _, z := range a.Zone {
		p := places[z]
		switch {
		case p.typ == domain.TypeRegion:
			zone = append(zone, regions[z]...)
		case p.typ == domain.TypePerimeter:
			cs, err := s.CommunesOf(ctx, z)
			if err != nil {
				return svc, err
			}
			zone = append(zone, cs...)
		case domain.IsCommuneCode(z) || domain.IsSIREN(z) || (len(z) >= 2 && len(z) <= 3):
			zone = append(zone, z)
		}
	}
	if len(zone) > 0 {
		svc.ZoneEligibilite = slices.Compact(zone)
	}
	if len(a.Places) > 0 {
		svc.CodeInsee = strp(a.Places[0])
		if p, ok := places[a.Places[0]]; ok {
			svc.Commune = strp(p.name)
			svc.Latitude, svc.Longitude = p.lat, p.lon
		}
	}
	return svc, nil
}

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// v1Thematiques and v1Publics are the value lists of data·inclusion schema v1
// (gip-inclusion/data-inclusion-schema, schemas/v1/service.json, v1.0.8, Licence Ouverte 2.0).
var v1Thematiques = setOf(
	"choisir-un-metier--confirmer-son-choix-de-metier",
	"choisir-un-metier--connaitre-les-opportunites-demploi",
	"choisir-un-metier--decouvrir-un-metier-ou-un-secteur-dactivite",
	"choisir-un-metier--identifier-ses-points-forts-et-ses-competences",
	"creer-une-entreprise--definir-son-projet-de-creation-dentreprise",
	"creer-une-entreprise--developper-son-entreprise",
	"creer-une-entreprise--structurer-son-projet-de-creation-dentreprise",
	"difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
	"difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-a-la-citoyennete",
	"difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits",
	"difficultes-administratives-ou-juridiques--beneficier-dune-mesure-daccompagnement-adapte",
	"difficultes-administratives-ou-juridiques--connaitre-ses-droits-face-a-une-discrimination",
	"difficultes-administratives-ou-juridiques--prendre-en-compte-une-problematique-judiciaire",
	"difficultes-financieres--acquerir-une-autonomie-budgetaire",
	"difficultes-financieres--ameliorer-sa-gestion-budgetaire",
	"difficultes-financieres--mettre-en-place-une-mesure-de-protection-financiere",
	"difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere",
	"difficultes-financieres--situation-dendettement-surendettement",
	"equipement-et-alimentation--aide-menagere",
	"equipement-et-alimentation--alimentation",
	"equipement-et-alimentation--electromenager",
	"equipement-et-alimentation--habillement",
	"famille--garde-denfants",
	"famille--prise-en-charge-personne-dependante",
	"famille--soutien-a-la-parentalite-et-a-leducation",
	"famille--soutien-aidants",
	"famille--surmonter-conflits-separation-violence",
	"lecture-ecriture-calcul--maitriser-le-calcul",
	"lecture-ecriture-calcul--maitriser-le-francais",
	"logement-hebergement--acheter-un-logement",
	"logement-hebergement--changer-de-logement",
	"logement-hebergement--louer-un-logement",
	"logement-hebergement--rechercher-une-solution-dhebergement-temporaire",
	"logement-hebergement--reduire-les-impayes-de-loyer",
	"logement-hebergement--se-maintenir-dans-le-logement",
	"logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement",
	"mobilite--acceder-a-un-vehicule",
	"mobilite--entretenir-reparer-son-vehicule",
	"mobilite--etre-accompagne-dans-son-parcours-mobilite",
	"mobilite--financer-ma-mobilite",
	"mobilite--preparer-un-permis",
	"mobilite--mobilite-douce-partagee-collective",
	"numerique--acceder-a-des-services-en-ligne",
	"numerique--acceder-a-une-connexion-internet",
	"numerique--acquerir-un-equipement",
	"numerique--maitriser-les-fondamentaux-du-numerique",
	"preparer-sa-candidature--developper-son-reseau",
	"preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi",
	"preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation",
	"preparer-sa-candidature--valoriser-ses-competences",
	"remobilisation--activites-sportives-et-culturelles",
	"remobilisation--benevolat-action-citoyenne",
	"remobilisation--bien-etre-confiance-en-soi",
	"remobilisation--lien-social",
	"sante--acces-aux-soins",
	"sante--addictions",
	"sante--constituer-un-dossier-mdph-invalidite",
	"sante--sante-mentale",
	"sante--sante-sexuelle",
	"se-former--monter-son-dossier-de-formation",
	"se-former--trouver-sa-formation",
	"souvrir-a-linternational--connaitre-les-opportunites-demploi-a-letranger",
	"souvrir-a-linternational--sinformer-sur-les-aides-pour-travailler-a-letranger",
	"souvrir-a-linternational--sorganiser-suite-a-son-retour-en-france",
	"trouver-un-emploi--convaincre-un-recruteur-en-entretien",
	"trouver-un-emploi--faire-des-candidatures-spontanees",
	"trouver-un-emploi--maintien-dans-lemploi",
	"trouver-un-emploi--repondre-a-des-offres-demploi",
	"trouver-un-emploi--suivre-ses-candidatures-et-relancer-les-employeurs",
)

var v1Publics = setOf(
	"tous-publics",
	"actifs",
	"beneficiaires-des-minimas-sociaux",
	"demandeurs-emploi",
	"etudiants",
	"familles",
	"femmes",
	"jeunes",
	"personnes-en-situation-de-handicap",
	"personnes-en-situation-durgence",
	"personnes-en-situation-juridique-specifique",
	"personnes-exilees",
	"residents-qpv-frr",
	"seniors",
)
