package domain

import "sort"

// Referential kinds. Referentials are data: a default set ships with
// Maillage and an instance can add its own entries.
const (
	RefTheme     = "theme"
	RefPublic    = "public"
	RefActorType = "actor_type"
	RefLabel     = "label"
)

// RefEntry is one code of a referential.
type RefEntry struct {
	Kind  string `json:"kind"`
	Code  string `json:"code"`
	Label string `json:"label"`
	// DataInclusion lists the data·inclusion codes (thématiques, publics) that
	// map onto this entry, for import and export.
	DataInclusion []string `json:"data_inclusion,omitempty"`
	// Need is, for a theme, the indicator that measures its target population.
	Need string `json:"need,omitempty"`
}

// Referentials is an in-memory set of referential entries.
type Referentials struct {
	entries map[string]map[string]RefEntry
	order   map[string][]string
}

// NewReferentials builds a set from entries (later entries replace earlier
// ones with the same kind and code).
func NewReferentials(entries []RefEntry) *Referentials {
	r := &Referentials{entries: map[string]map[string]RefEntry{}, order: map[string][]string{}}
	for _, e := range entries {
		r.Add(e)
	}
	return r
}

// Add adds or replaces an entry.
func (r *Referentials) Add(e RefEntry) {
	m := r.entries[e.Kind]
	if m == nil {
		m = map[string]RefEntry{}
		r.entries[e.Kind] = m
	}
	if _, ok := m[e.Code]; !ok {
		r.order[e.Kind] = append(r.order[e.Kind], e.Code)
	}
	m[e.Code] = e
}

// Has reports whether code exists in the referential kind.
func (r *Referentials) Has(kind, code string) bool {
	_, ok := r.entries[kind][code]
	return ok
}

// Get returns an entry.
func (r *Referentials) Get(kind, code string) (RefEntry, bool) {
	e, ok := r.entries[kind][code]
	return e, ok
}

// Codes returns the codes of a kind in their declared order.
func (r *Referentials) Codes(kind string) []string {
	return append([]string(nil), r.order[kind]...)
}

// Entries returns the entries of a kind in their declared order.
func (r *Referentials) Entries(kind string) []RefEntry {
	out := make([]RefEntry, 0, len(r.order[kind]))
	for _, c := range r.order[kind] {
		out = append(out, r.entries[kind][c])
	}
	return out
}

// All returns every entry, kinds sorted, codes in declared order.
func (r *Referentials) All() []RefEntry {
	var out []RefEntry
	for _, k := range sortedKeys(r.entries) {
		out = append(out, r.Entries(k)...)
	}
	return out
}

// NeedIndicator returns the indicator measuring the need of a theme
// (population when the theme has none).
func (r *Referentials) NeedIndicator(theme string) string {
	if e, ok := r.Get(RefTheme, theme); ok && e.Need != "" {
		return e.Need
	}
	return IndicatorPopulation
}

// FromDataInclusion maps a data·inclusion code to Maillage codes of a kind.
// A data·inclusion thématique "famille--soutien-a-la-parentalite" maps to
// the themes that list it, or to those listing its prefix "famille".
func (r *Referentials) FromDataInclusion(kind, diCode string) []string {
	var exact, prefix []string
	cat := diCode
	for i := 0; i+1 < len(diCode); i++ {
		if diCode[i] == '-' && diCode[i+1] == '-' {
			cat = diCode[:i]
			break
		}
	}
	for _, c := range r.order[kind] {
		for _, d := range r.entries[kind][c].DataInclusion {
			if d == diCode {
				exact = append(exact, c)
			} else if d == cat {
				prefix = append(prefix, c)
			}
		}
	}
	if len(exact) > 0 {
		return exact
	}
	sort.Strings(prefix)
	return prefix
}

// Indicator codes that Maillage relies on.
const (
	IndicatorPopulation           = "population"
	IndicatorPop0to2              = "pop_0_2"
	IndicatorPop3to10             = "pop_3_10"
	IndicatorPop11to17            = "pop_11_17"
	IndicatorPop18to24            = "pop_18_24"
	IndicatorFamiliesWithChildren = "familles_enfants"
	IndicatorSingleParentFamilies = "familles_monoparentales"
	IndicatorPovertyRate          = "taux_pauvrete"
	IndicatorCAFBeneficiaries     = "allocataires_caf"
)

// DefaultIndicators is the catalogue that ships with Maillage.
func DefaultIndicators() []Indicator {
	return []Indicator{
		{Code: IndicatorPopulation, Label: "Population municipale", Unit: "habitants", Source: "INSEE, recensement (COG)", Definition: "Population municipale au sens du recensement.", Publics: []string{"tous_publics"}},
		{Code: IndicatorPop0to2, Label: "Enfants de 0 à 2 ans", Unit: "enfants", Source: "INSEE, recensement", Definition: "Nombre d'enfants âgés de 0 à 2 ans révolus.", Publics: []string{"enfants_0_3"}},
		{Code: IndicatorPop3to10, Label: "Enfants de 3 à 10 ans", Unit: "enfants", Source: "INSEE, recensement", Definition: "Nombre d'enfants âgés de 3 à 10 ans révolus.", Publics: []string{"enfants_3_11"}},
		{Code: IndicatorPop11to17, Label: "Jeunes de 11 à 17 ans", Unit: "jeunes", Source: "INSEE, recensement", Definition: "Nombre de jeunes âgés de 11 à 17 ans révolus.", Publics: []string{"adolescents_12_17"}},
		{Code: IndicatorPop18to24, Label: "Jeunes de 18 à 24 ans", Unit: "jeunes", Source: "INSEE, recensement", Definition: "Nombre de jeunes âgés de 18 à 24 ans révolus.", Publics: []string{"jeunes_18_25"}},
		{Code: IndicatorFamiliesWithChildren, Label: "Familles avec enfants de moins de 25 ans", Unit: "familles", Source: "INSEE, recensement", Definition: "Familles comptant au moins un enfant de moins de 25 ans.", Publics: []string{"familles", "parents"}},
		{Code: IndicatorSingleParentFamilies, Label: "Familles monoparentales", Unit: "familles", Source: "INSEE, recensement", Definition: "Familles composées d'un parent et d'au moins un enfant de moins de 25 ans.", Publics: []string{"familles_monoparentales"}},
		{Code: IndicatorPovertyRate, Label: "Taux de pauvreté", Unit: "%", Source: "INSEE, Filosofi", Definition: "Part des personnes vivant sous le seuil de pauvreté (60 % du niveau de vie médian).", Publics: []string{"tous_publics"}},
		{Code: IndicatorCAFBeneficiaries, Label: "Allocataires CAF", Unit: "allocataires", Source: "CNAF", Definition: "Nombre de foyers allocataires d'une CAF au 31 décembre.", Publics: []string{"familles"}},
	}
}

// DefaultReferentials returns the referential set that ships with Maillage,
// aligned with data·inclusion's thématiques and publics where they exist.
func DefaultReferentials() *Referentials {
	var e []RefEntry
	theme := func(code, label, need string, di ...string) {
		e = append(e, RefEntry{Kind: RefTheme, Code: code, Label: label, Need: need, DataInclusion: di})
	}
	theme("parentalite", "Parentalité", IndicatorFamiliesWithChildren, "famille--soutien-a-la-parentalite-et-a-leducation", "famille--surmonter-conflits-separation-violence")
	theme("petite_enfance", "Petite enfance", IndicatorPop0to2, "famille--garde-denfants")
	theme("enfance", "Enfance", IndicatorPop3to10)
	theme("jeunesse", "Jeunesse", IndicatorPop11to17)
	theme("animation_vie_sociale", "Animation de la vie sociale", IndicatorPopulation, "remobilisation--lien-social", "remobilisation--benevolat-action-citoyenne", "remobilisation--bien-etre-confiance-en-soi")
	theme("rythmes_scolaires", "Rythmes scolaires et périscolaire", IndicatorPop3to10)
	theme("acces_aux_droits", "Accès aux droits", IndicatorCAFBeneficiaries, "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits", "difficultes-administratives-ou-juridiques", "difficultes-financieres")
	theme("logement", "Logement", IndicatorPopulation, "logement-hebergement--se-maintenir-dans-le-logement", "logement-hebergement")
	theme("handicap", "Handicap", IndicatorPopulation, "sante--constituer-un-dossier-mdph-invalidite", "famille--prise-en-charge-personne-dependante", "famille--soutien-aidants")
	theme("insertion", "Insertion professionnelle", IndicatorPopulation, "trouver-un-emploi--repondre-a-des-offres-demploi", "trouver-un-emploi", "preparer-sa-candidature", "choisir-un-metier", "creer-une-entreprise", "se-former", "lecture-ecriture-calcul", "souvrir-a-linternational")
	theme("numerique", "Numérique", IndicatorPopulation, "numerique--maitriser-les-fondamentaux-du-numerique", "numerique")
	theme("vacances_loisirs", "Vacances et loisirs", IndicatorPopulation, "remobilisation--activites-sportives-et-culturelles")
	theme("sante", "Santé", IndicatorPopulation, "sante--acces-aux-soins", "sante")
	theme("mobilite", "Mobilité", IndicatorPopulation, "mobilite--etre-accompagne-dans-son-parcours-mobilite", "mobilite")

	public := func(code, label string, di ...string) {
		e = append(e, RefEntry{Kind: RefPublic, Code: code, Label: label, DataInclusion: di})
	}
	public("enfants_0_3", "Enfants de 0 à 3 ans")
	public("enfants_3_11", "Enfants de 3 à 11 ans")
	public("adolescents_12_17", "Adolescents de 12 à 17 ans")
	public("jeunes_18_25", "Jeunes de 18 à 25 ans", "jeunes")
	public("parents", "Parents")
	public("familles", "Familles", "familles")
	public("familles_monoparentales", "Familles monoparentales")
	public("seniors", "Seniors", "seniors")
	public("personnes_handicapees", "Personnes en situation de handicap", "personnes-en-situation-de-handicap")
	public("beneficiaires_minima_sociaux", "Bénéficiaires des minima sociaux", "beneficiaires-des-minimas-sociaux")
	public("tous_publics", "Tous publics", "tous-publics")

	actor := func(code, label string) {
		e = append(e, RefEntry{Kind: RefActorType, Code: code, Label: label})
	}
	actor("caf", "Caisse d'allocations familiales")
	actor("commune", "Commune")
	actor("epci", "Intercommunalité (EPCI)")
	actor("departement", "Conseil départemental")
	actor("region", "Conseil régional")
	actor("etat", "Service de l'État")
	actor("association", "Association")
	actor("centre_social", "Centre social")
	actor("evs", "Espace de vie sociale (EVS)")
	actor("etablissement_scolaire", "Établissement scolaire")
	actor("entreprise", "Entreprise")
	actor("autre", "Autre")

	label := func(code, lbl string) {
		e = append(e, RefEntry{Kind: RefLabel, Code: code, Label: lbl})
	}
	label("laep", "Lieu d'accueil enfants-parents (LAEP)")
	label("reaap", "Réseau d'écoute, d'appui et d'accompagnement des parents (REAAP)")
	label("clas", "Contrat local d'accompagnement à la scolarité (CLAS)")
	label("centre_social", "Agrément centre social")
	label("evs", "Agrément espace de vie sociale")
	label("promeneurs_du_net", "Promeneurs du Net")
	label("mediation_familiale", "Médiation familiale")
	label("eaje", "Établissement d'accueil du jeune enfant (EAJE)")
	label("ram_rpe", "Relais petite enfance (RPE)")
	label("alsh", "Accueil de loisirs sans hébergement (ALSH)")
	label("pedt", "Projet éducatif territorial (PEDT)")
	label("france_services", "France services")
	label("vacaf", "VACAF (aide aux vacances)")
	return NewReferentials(e)
}

// ActorTypeOfTerritory maps a territory type to the actor type of the public
// body that governs it.
func ActorTypeOfTerritory(t TerritoryType) string {
	switch t {
	case TypeCommune, TypeArrondissement:
		return "commune"
	case TypeEPCI:
		return "epci"
	case TypeDepartement:
		return "departement"
	case TypeRegion:
		return "region"
	}
	return "autre"
}
