package demo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"maillage/internal/domain"
)

// FundingSpec is a demo funding named by the external ids of its action and
// funder (ids are known only once written).
type FundingSpec struct {
	Action string
	Funder string
	Year   int
	Amount float64
}

// ActionSpec is a demo action with its operator and role holders named by
// external id.
type ActionSpec struct {
	domain.Action
	Operator string
	Roles    map[string]string // actor external id → role
}

// familyThemes are the themes whose services the rural corner lacks.
var familyThemes = map[string]bool{
	"parentalite": true, "petite_enfance": true, "enfance": true,
	"jeunesse": true, "rythmes_scolaires": true,
}

// maxFamilyX is the easternmost x (km) of a family service's place: the
// rural corner starts at cornerX, more than Radius km further east.
const maxFamilyX = cornerX - Radius - 1.5

func (d *Dataset) addActor(a domain.Actor) *domain.Actor {
	a.Source = Source
	a.OwnerOrg = domain.InstanceOrganisation
	if a.Visibility == "" {
		a.Visibility = domain.VisibilityPublic
	}
	d.Actors = append(d.Actors, a)
	return &d.Actors[len(d.Actors)-1]
}

func (d *Dataset) town(rank int) *Commune {
	for _, c := range d.Communes {
		if c.rank == rank {
			return c
		}
	}
	return nil
}

func (d *Dataset) commune(code string) *Commune {
	i, ok := slices.BinarySearchFunc(d.Communes, code, func(c *Commune, code string) int { return cmp.Compare(c.Code, code) })
	if !ok {
		return nil
	}
	return d.Communes[i]
}

func (d *Dataset) epciOf(code string) *EPCI {
	c := d.commune(code)
	for _, e := range d.EPCIs {
		if e.Code == c.Parent {
			return e
		}
	}
	return nil
}

// randSIREN draws a valid SIREN with the given first digit (associations
// and companies: 7, 8, 4, 5...).
func randSIREN(r *rand.Rand, first byte) string {
	b := []byte{first}
	for range 7 {
		b = append(b, byte('0'+r.IntN(10)))
	}
	return luhnKey(string(b))
}

// buildActors creates about forty actors of every type.
func (d *Dataset) buildActors(r *rand.Rand) {
	p := d.town(1)
	d.addActor(domain.Actor{ExternalID: "caf-96", Name: "Caisse d'allocations familiales du " + DeptName, Type: "caf",
		SIREN: luhnKey("77896000"), Commune: p.Code})
	d.addActor(domain.Actor{ExternalID: "cd-96", Name: "Conseil départemental du " + DeptName, Type: "departement",
		SIREN: d.Departement.SIREN, Commune: p.Code, Territory: DeptCode})
	d.addActor(domain.Actor{ExternalID: "region-96", Name: "Région " + RegionName, Type: "region",
		SIREN: luhnKey("23960000"), Commune: p.Code, Territory: RegionCode})
	d.addActor(domain.Actor{ExternalID: "ddets-96", Name: "DDETS du " + DeptName + " (services de l'État)", Type: "etat",
		SIREN: luhnKey("13009600"), Commune: p.Code})
	d.addActor(domain.Actor{ExternalID: "dsden-96", Name: "Services de l'Éducation nationale du " + DeptName, Type: "etat",
		SIREN: luhnKey("19096000"), Commune: p.Code})
	for i, e := range d.EPCIs {
		d.addActor(domain.Actor{ExternalID: fmt.Sprintf("epci-%d", i+1), Name: e.Name, Type: "epci",
			SIREN: e.Code, Commune: e.Seat, Territory: e.Code})
	}
	// Commune actors: the eight largest communes and the eastern seat.
	var towns []*Commune
	for rank := 1; rank <= 8; rank++ {
		towns = append(towns, d.town(rank))
	}
	if e := d.commune(d.EPCIs[3].Seat); !slices.Contains(towns, e) {
		towns = append(towns, e)
	}
	for _, c := range towns {
		d.addActor(domain.Actor{ExternalID: "com-" + c.Code, Name: "Commune " + elision(c.Name), Type: "commune",
			SIREN: c.SIREN, Commune: c.Code, Territory: c.Code})
	}
	p2, p3 := d.town(2), d.town(3)
	east := d.commune(d.EPCIs[3].Seat)
	assocs := []struct {
		name string
		seat *Commune
	}{
		{"UDAF du " + DeptName, p},
		{"Familles rurales – fédération du " + DeptName, p3},
		{"Association Parenthèse", p},
		{"Les Petits Pas " + elision(p2.Name), p2},
		{"Maison des familles " + elision(p.Name), p},
		{"Ligue de l'enseignement du " + DeptName, p},
		{"Mission locale du " + DeptName, p},
		{"Association de médiation familiale du " + DeptName, p},
		{"Léo-Loisirs " + elision(p3.Name), p3},
		{"Solidarité Numérique Maille", p2},
		{"Le Fil d'Ariane – accompagnement logement", p},
		{"Parents Ensemble " + elision(d.town(4).Name), d.town(4)},
	}
	for i, a := range assocs {
		d.addActor(domain.Actor{ExternalID: fmt.Sprintf("asso-%02d", i+1), Name: a.name, Type: "association",
			SIREN: randSIREN(r, '7'), Commune: a.seat.Code})
	}
	cs := []struct {
		name string
		seat *Commune
	}{
		{"Centre social Les Tilleuls", p},
		{"Centre social du Moulin", p},
		{"Centre social " + elision(p2.Name), p2},
		{"Centre social intercommunal " + elision(p3.Name), p3},
	}
	for i, a := range cs {
		d.addActor(domain.Actor{ExternalID: fmt.Sprintf("cs-%02d", i+1), Name: a.name, Type: "centre_social",
			SIREN: randSIREN(r, '7'), Commune: a.seat.Code})
	}
	evs := []struct {
		name string
		seat *Commune
	}{
		{"Espace de vie sociale La Passerelle", d.town(5)},
		{"Espace de vie sociale Le Lien", d.town(6)},
		{"Espace de vie sociale Les Confins", east},
	}
	for i, a := range evs {
		d.addActor(domain.Actor{ExternalID: fmt.Sprintf("evs-%02d", i+1), Name: a.name, Type: "evs",
			SIREN: randSIREN(r, '8'), Commune: a.seat.Code})
	}
	schools := []struct {
		name string
		seat *Commune
	}{
		{"Collège Jean-Moulin " + elision(p.Name), p},
		{"Collège Marie-Curie " + elision(p2.Name), p2},
		{"Lycée professionnel " + elision(p3.Name), p3},
	}
	for i, a := range schools {
		d.addActor(domain.Actor{ExternalID: fmt.Sprintf("ecole-%02d", i+1), Name: a.name, Type: "etablissement_scolaire",
			SIREN: randSIREN(r, '1'), Commune: a.seat.Code})
	}
	d.addActor(domain.Actor{ExternalID: "ent-01", Name: "Les P'tits Lutins SAS (micro-crèches)", Type: "entreprise",
		SIREN: randSIREN(r, '8'), Commune: p.Code})
	d.addActor(domain.Actor{ExternalID: "msa-01", Name: "Mutualité sociale agricole Berry-Maille", Type: "autre",
		SIREN: randSIREN(r, '7'), Commune: p2.Code})
}

// actionTemplate describes a family of similar actions.
type actionTemplate struct {
	n       int
	title   string // %s: name of the place commune (or of the EPCI)
	themes  []string
	publics []string
	labels  []string
	ops     []string // operator actor types, in order of preference
	cap     [2]int
	zone    string  // commune, epci, dept, epci-noplace
	unit    float64 // euros per unit of capacity and year
	caf     float64 // CAF share of the funding
	funders []string
	desc    string
}

var actionTemplates = []actionTemplate{
	// Parentalité
	{5, "Lieu d'accueil enfants-parents « Les Premiers Pas » – %s", l("parentalite", "petite_enfance"), l("enfants_0_3", "parents"), l("laep"), l("centre_social", "association", "commune"), [2]int{40, 90}, "commune", 350, 0.6, l("commune", "departement"), "Accueil libre et gratuit des enfants de moins de six ans avec un parent, par deux accueillants formés."},
	{10, "Café des parents de %s", l("parentalite"), l("parents", "familles"), l("reaap"), l("association", "centre_social", "evs"), [2]int{15, 40}, "commune", 120, 0.5, l("commune"), "Rencontres mensuelles entre parents autour d'un thème éducatif, animées par un professionnel."},
	{10, "Ateliers parents-enfants – %s", l("parentalite"), l("parents", "enfants_3_11"), l("reaap"), l("centre_social", "evs", "association"), [2]int{20, 60}, "commune", 150, 0.5, l("commune", "departement"), "Ateliers partagés (cuisine, jeux, lecture) pour renforcer le lien parent-enfant."},
	{4, "Groupe de parole « Être parent d'ado » – %s", l("parentalite", "jeunesse"), l("parents", "adolescents_12_17"), l("reaap"), l("association", "etablissement_scolaire"), [2]int{10, 25}, "commune", 200, 0.5, l("departement"), "Groupe de parole pour les parents d'adolescents, en lien avec le collège."},
	{2, "Médiation familiale – antenne %s", l("parentalite"), l("familles", "parents"), l("mediation_familiale"), l("association"), [2]int{60, 150}, "dept", 900, 0.7, l("departement", "etat"), "Entretiens de médiation pour les familles en situation de séparation ou de conflit."},
	{3, "Conférences-débats parentalité – %s", l("parentalite"), l("parents"), l("reaap"), l("association", "epci"), [2]int{80, 200}, "epci", 25, 0.4, l("epci"), "Cycle de conférences ouvertes à tous les parents du territoire."},
	// Petite enfance
	{12, "Multi-accueil de %s", l("petite_enfance"), l("enfants_0_3", "parents"), l("eaje"), l("commune", "epci", "association"), [2]int{12, 60}, "commune", 9000, 0.45, l("commune"), "Établissement d'accueil du jeune enfant (crèche collective et halte-garderie)."},
	{3, "Relais petite enfance – %s", l("petite_enfance"), l("enfants_0_3", "parents"), l("ram_rpe"), l("epci"), [2]int{80, 200}, "epci", 450, 0.55, l("epci"), "Information des familles et accompagnement des assistantes maternelles."},
	{1, "Micro-crèche d'entreprise « Les P'tits Lutins »", l("petite_enfance"), l("enfants_0_3"), l("eaje"), l("entreprise"), [2]int{10, 12}, "commune", 11000, 0.3, nil, "Micro-crèche privée réservant des places aux salariés des entreprises voisines."},
	{2, "Crèche familiale de %s", l("petite_enfance"), l("enfants_0_3"), l("eaje"), l("commune", "epci"), [2]int{20, 40}, "commune", 8000, 0.45, l("commune"), "Accueil au domicile d'assistantes maternelles salariées de la collectivité."},
	// Enfance et rythmes scolaires
	{14, "Accueil de loisirs de %s", l("enfance", "vacances_loisirs"), l("enfants_3_11"), l("alsh"), l("commune", "association", "centre_social", "epci"), [2]int{30, 120}, "commune", 700, 0.35, l("commune"), "Accueil de loisirs sans hébergement les mercredis et pendant les vacances scolaires."},
	{12, "Accueil périscolaire de %s", l("rythmes_scolaires", "enfance"), l("enfants_3_11"), l("pedt"), l("commune", "epci"), [2]int{40, 150}, "commune", 400, 0.25, l("commune"), "Accueil du matin, du soir et de la pause méridienne dans les écoles."},
	{5, "Projet éducatif territorial de %s", l("rythmes_scolaires"), l("enfants_3_11"), l("pedt"), l("commune", "epci"), [2]int{100, 600}, "commune", 60, 0.2, l("commune", "etat"), "Activités éducatives organisées dans le cadre du PEDT et du Plan mercredi."},
	{8, "CLAS élémentaire – %s", l("enfance", "parentalite"), l("enfants_3_11", "parents"), l("clas"), l("association", "centre_social", "evs"), [2]int{12, 30}, "commune", 300, 0.55, l("commune", "departement"), "Accompagnement à la scolarité des enfants et soutien aux parents dans le suivi scolaire."},
	// Jeunesse
	{5, "CLAS collège – %s", l("jeunesse", "parentalite"), l("adolescents_12_17", "parents"), l("clas"), l("association", "etablissement_scolaire", "centre_social"), [2]int{12, 30}, "commune", 300, 0.55, l("departement"), "Aide aux devoirs, méthodologie et ouverture culturelle pour les collégiens."},
	{5, "Promeneurs du Net – %s", l("jeunesse", "numerique"), l("adolescents_12_17", "jeunes_18_25"), l("promeneurs_du_net"), l("centre_social", "association", "epci"), [2]int{50, 200}, "epci", 80, 0.6, l("epci"), "Présence éducative des animateurs jeunesse sur les réseaux sociaux."},
	{8, "Point accueil jeunes de %s", l("jeunesse"), l("adolescents_12_17"), nil, l("commune", "association", "centre_social"), [2]int{20, 60}, "commune", 500, 0.35, l("commune"), "Local d'accueil et projets de jeunes encadrés par un animateur."},
	{4, "Séjours jeunes d'été – %s", l("jeunesse", "vacances_loisirs"), l("adolescents_12_17"), nil, l("association", "epci"), [2]int{16, 40}, "epci", 600, 0.3, l("epci", "region"), "Séjours courts construits avec les jeunes."},
	{3, "Conseil local des jeunes de %s", l("jeunesse"), l("adolescents_12_17", "jeunes_18_25"), nil, l("commune"), [2]int{15, 30}, "commune", 100, 0, l("commune"), "Instance de participation des jeunes à la vie locale."},
	// Animation de la vie sociale
	{4, "Projet social du centre social – %s", l("animation_vie_sociale"), l("tous_publics", "familles"), l("centre_social"), l("centre_social"), [2]int{300, 900}, "commune", 90, 0.5, l("commune", "epci"), "Animation globale et coordination du centre social agréé par la CAF."},
	{3, "Espace de vie sociale – %s", l("animation_vie_sociale"), l("tous_publics"), l("evs"), l("evs"), [2]int{100, 300}, "commune", 80, 0.5, l("commune"), "Lieu de proximité porté par les habitants, agréé espace de vie sociale."},
	{4, "Animation collective familles – %s", l("animation_vie_sociale", "parentalite"), l("familles"), nil, l("centre_social"), [2]int{40, 120}, "commune", 150, 0.6, l("commune"), "Projet familles du centre social : sorties, ateliers et départs en vacances."},
	{4, "Jardins partagés et fête de quartier – %s", l("animation_vie_sociale"), l("tous_publics"), nil, l("association", "evs"), [2]int{50, 200}, "commune", 30, 0.2, l("commune"), "Actions de convivialité entre habitants."},
	// Accès aux droits
	{4, "France services – %s", l("acces_aux_droits", "numerique"), l("tous_publics"), l("france_services"), l("commune", "epci", "association"), [2]int{1500, 5000}, "epci", 20, 0.1, l("etat", "epci"), "Guichet unique d'accompagnement aux démarches administratives."},
	{4, "Permanence CAF – %s", l("acces_aux_droits"), l("familles", "beneficiaires_minima_sociaux"), nil, l("caf"), [2]int{300, 1200}, "commune", 30, 1, nil, "Rendez-vous avec un conseiller CAF pour l'ouverture des droits."},
	{2, "Point conseil budget – %s", l("acces_aux_droits", "logement"), l("tous_publics"), nil, l("association"), [2]int{80, 200}, "dept", 150, 0, l("etat"), "Conseils budgétaires et prévention du surendettement."},
	{1, "Bus France services itinérant des Confins", l("acces_aux_droits"), l("tous_publics"), l("france_services"), l("epci"), [2]int{400, 800}, "epci-east", 60, 0.1, l("etat", "epci"), "Bus itinérant passant chaque semaine dans les communes rurales de l'est."},
	// Logement, handicap, insertion
	{3, "Accompagnement social lié au logement – %s", l("logement"), l("familles", "beneficiaires_minima_sociaux"), nil, l("association"), [2]int{30, 80}, "dept", 1200, 0, l("departement", "etat"), "Accompagnement des ménages pour l'accès et le maintien dans le logement."},
	{2, "Logement des jeunes – %s", l("logement", "jeunesse"), l("jeunes_18_25"), nil, l("association"), [2]int{20, 50}, "epci", 800, 0.2, l("epci", "region"), "Aide à l'installation et à la recherche de logement des jeunes."},
	{3, "Accueil inclusif des enfants en situation de handicap – %s", l("handicap", "enfance"), l("personnes_handicapees", "enfants_3_11"), l("alsh"), l("association", "commune"), [2]int{8, 20}, "commune", 1500, 0.6, l("departement"), "Renfort d'animation pour accueillir en loisirs les enfants en situation de handicap."},
	{1, "Pôle ressources handicap du " + DeptName, l("handicap"), l("personnes_handicapees", "familles"), nil, l("association"), [2]int{100, 200}, "dept", 600, 0.7, l("departement"), "Appui aux familles et aux structures pour l'inclusion des enfants en situation de handicap."},
	{2, "Répit des aidants – %s", l("handicap", "sante"), l("personnes_handicapees", "familles"), nil, l("association"), [2]int{20, 50}, "epci", 500, 0, l("departement"), "Séjours et temps de répit pour les familles aidantes."},
	{3, "Chantier d'insertion – %s", l("insertion"), l("beneficiaires_minima_sociaux", "jeunes_18_25"), nil, l("association"), [2]int{12, 30}, "commune", 4000, 0, l("etat", "departement"), "Chantier d'insertion par l'activité économique (espaces verts, bâtiment)."},
	{3, "Accompagnement des jeunes vers l'emploi – %s", l("insertion", "jeunesse"), l("jeunes_18_25"), nil, l("association"), [2]int{60, 200}, "epci", 700, 0, l("etat", "region"), "Accompagnement intensif des jeunes par la mission locale."},
	{5, "Ateliers CV et entretien – %s", l("insertion"), l("beneficiaires_minima_sociaux", "tous_publics"), nil, l("association", "centre_social"), [2]int{20, 60}, "commune", 120, 0, l("departement"), "Ateliers collectifs de préparation à la recherche d'emploi."},
	// Numérique, vacances, santé, mobilité
	{7, "Atelier numérique de %s", l("numerique"), l("seniors", "tous_publics"), nil, l("association", "centre_social", "commune"), [2]int{15, 60}, "commune", 90, 0.1, l("commune", "etat"), "Initiation au numérique et accompagnement aux démarches en ligne."},
	{3, "Conseiller numérique – %s", l("numerique", "acces_aux_droits"), l("tous_publics"), nil, l("epci", "commune"), [2]int{200, 600}, "epci", 40, 0, l("etat", "epci"), "Permanences d'un conseiller numérique dans les communes."},
	{2, "Départs en vacances des familles (VACAF) – %s", l("vacances_loisirs", "parentalite"), l("familles"), l("vacaf"), l("caf", "centre_social"), [2]int{40, 120}, "dept", 400, 0.9, nil, "Aide aux vacances familiales et accompagnement des premiers départs."},
	{2, "Colonies apprenantes – %s", l("vacances_loisirs", "enfance"), l("enfants_3_11", "adolescents_12_17"), nil, l("association"), [2]int{30, 80}, "dept", 500, 0.3, l("etat"), "Séjours de vacances avec un volet éducatif."},
	{5, "Sorties familiales – %s", l("vacances_loisirs", "animation_vie_sociale"), l("familles"), nil, l("centre_social", "evs"), [2]int{30, 100}, "commune", 60, 0.5, l("commune"), "Sorties à la journée construites avec les familles."},
	{3, "Consultations de PMI – %s", l("sante", "petite_enfance"), l("enfants_0_3", "parents"), nil, l("departement"), [2]int{200, 600}, "commune", 150, 0, l("departement"), "Consultations de protection maternelle et infantile."},
	{3, "Prévention santé des jeunes – %s", l("sante", "jeunesse"), l("adolescents_12_17", "jeunes_18_25"), nil, l("association", "etablissement_scolaire"), [2]int{50, 200}, "epci", 60, 0, l("region", "etat"), "Actions de prévention (addictions, vie affective) dans les établissements."},
	{2, "Maison de santé – ateliers prévention – %s", l("sante"), l("tous_publics", "seniors"), nil, l("commune", "association"), [2]int{50, 150}, "commune", 80, 0, l("commune"), "Ateliers de prévention animés par les professionnels de la maison de santé."},
	{2, "Transport solidaire – %s", l("mobilite"), l("seniors", "beneficiaires_minima_sociaux"), nil, l("epci", "association"), [2]int{100, 300}, "epci", 50, 0, l("epci", "departement"), "Transport à la demande pour les personnes sans véhicule."},
	{1, "Garage solidaire – %s", l("mobilite", "insertion"), l("beneficiaires_minima_sociaux"), nil, l("association"), [2]int{50, 120}, "dept", 300, 0, l("departement", "etat"), "Réparation à prix solidaire et location de véhicules."},
	{2, "Aide au permis de conduire – %s", l("mobilite", "jeunesse"), l("jeunes_18_25"), nil, l("association", "commune"), [2]int{10, 40}, "commune", 600, 0, l("commune", "region"), "Aide financière et accompagnement au permis en échange d'heures de bénévolat."},
}

func l(s ...string) []string { return s }

// buildActions creates about 200 actions from the templates, plus the
// overlapping pairs the analysis should flag.
func (d *Dataset) buildActions(r *rand.Rand) {
	actorsOfType := map[string][]*domain.Actor{}
	for i := range d.Actors {
		a := &d.Actors[i]
		actorsOfType[a.Type] = append(actorsOfType[a.Type], a)
	}
	seq := 0
	add := func(a ActionSpec) {
		seq++
		a.ExternalID = fmt.Sprintf("act-%03d", seq)
		a.Source = Source
		a.OwnerOrg = domain.InstanceOrganisation
		if a.Visibility == "" {
			a.Visibility = domain.VisibilityPublic
		}
		for i := len(d.Fundings) - 1; i >= 0 && d.Fundings[i].Action == ""; i-- {
			d.Fundings[i].Action = a.ExternalID
		}
		d.Actions = append(d.Actions, a)
	}
	// pickPlace draws a commune weighted by population among the allowed ones,
	// avoiding those already used by the template when possible.
	pickPlace := func(family bool, used map[string]bool) *Commune {
		var cands []*Commune
		var total float64
		for pass := 0; pass < 2 && len(cands) == 0; pass++ {
			for _, c := range d.Communes {
				if c.Corner || (family && c.pos.X > maxFamilyX) {
					continue
				}
				if pass == 0 && used[c.Code] {
					continue
				}
				cands = append(cands, c)
				total += math.Sqrt(c.basePop)
			}
		}
		x := r.Float64() * total
		for _, c := range cands {
			x -= math.Sqrt(c.basePop)
			if x <= 0 {
				return c
			}
		}
		return cands[len(cands)-1]
	}
	// operator finds an actor of the preferred types close to the place.
	operator := func(types []string, place *Commune) *domain.Actor {
		for _, t := range types {
			switch t {
			case "commune":
				for _, a := range actorsOfType["commune"] {
					if a.Territory == place.Code {
						return a
					}
				}
				continue
			case "epci":
				for _, a := range actorsOfType["epci"] {
					if a.Territory == place.Parent {
						return a
					}
				}
				continue
			}
			cands := actorsOfType[t]
			if len(cands) == 0 {
				continue
			}
			// Nearest seat, ties broken by the random draw.
			best := cands[r.IntN(len(cands))]
			for _, a := range cands {
				if dist(d.commune(a.Commune).pos, place.pos) < dist(d.commune(best.Commune).pos, place.pos)-8 {
					best = a
				}
			}
			return best
		}
		return actorsOfType["association"][0]
	}
	for _, t := range actionTemplates {
		family := false
		for _, th := range t.themes {
			family = family || familyThemes[th]
		}
		used := map[string]bool{}
		epciUsed := map[string]bool{}
		for range t.n {
			place := pickPlace(family, used)
			if t.zone == "epci" {
				// One per EPCI as far as possible, at the EPCI's seat or a town.
				for tries := 0; tries < 8 && epciUsed[place.Parent]; tries++ {
					place = pickPlace(family, used)
				}
				epciUsed[place.Parent] = true
			}
			if t.zone == "dept" {
				place = d.town(1 + len(used)%3)
				if family && place.pos.X > maxFamilyX {
					place = d.town(1)
				}
			}
			if t.zone == "epci-east" {
				place = d.commune(d.EPCIs[3].Seat)
			}
			used[place.Code] = true
			op := operator(t.ops, place)
			a := ActionSpec{Operator: op.ExternalID}
			name := place.Name
			switch t.zone {
			case "commune":
				a.Zone, a.Places = []string{place.Code}, []string{place.Code}
			case "epci":
				e := d.epciOf(place.Code)
				a.Zone, a.Places = []string{e.Code}, []string{place.Code}
				name = e.Short
				name = strings.TrimPrefix(name, "du ")
			case "epci-east":
				a.Zone = []string{d.EPCIs[3].Code} // itinerant: no fixed place
			case "dept":
				a.Zone, a.Places = []string{DeptCode}, []string{place.Code}
			}
			if strings.Contains(t.title, "%s") {
				a.Title = fmt.Sprintf(t.title, name)
			} else {
				a.Title = t.title
			}
			a.Description = t.desc
			a.Themes, a.Publics, a.Labels = t.themes, t.publics, t.labels
			a.Capacity = float64(5 * ((t.cap[0] + r.IntN(t.cap[1]-t.cap[0]+1)) / 5))
			if a.Capacity == 0 {
				a.Capacity = float64(t.cap[0])
			}
			d.period(r, &a.Action)
			d.fund(r, t, &a, place)
			if slices.Contains(t.labels, "reaap") {
				a.Roles = map[string]string{"caf-96": domain.RoleCoordinate}
			}
			if slices.Contains(t.labels, "ram_rpe") {
				a.Roles = map[string]string{"caf-96": domain.RoleAnimate}
			}
			if r.IntN(6) == 0 {
				a.Visibility = domain.VisibilityNetwork
			}
			add(a)
		}
	}
	// Overlaps: two operators running similar parentalité actions over the
	// same EPCI, the same publics and overlapping periods.
	pairs := []struct {
		epci    *EPCI
		a, b    string // operators
		ta, tb  string
		publics []string
	}{
		{d.EPCIs[0], "asso-03", "cs-01", "Ateliers « Parents en chemin »", "Accompagnement à la parentalité « Grandir ensemble »", l("parents", "familles")},
		{d.EPCIs[0], "asso-05", "asso-12", "Soutien à la parentalité – permanences d'écoute", "Écoute parents – rendez-vous individuels", l("parents", "familles_monoparentales")},
		{d.EPCIs[2], "asso-02", "cs-04", "Parentalité en milieu rural – ateliers itinérants", "Rencontres parents du Val", l("parents", "familles", "enfants_3_11")},
	}
	for _, p := range pairs {
		for i, op := range []string{p.a, p.b} {
			title := p.ta
			if i == 1 {
				title = p.tb
			}
			seat := d.commune(p.epci.Seat)
			start := domain.Date{Time: time.Date(2020+i, 9, 1, 0, 0, 0, 0, time.UTC)}
			a := ActionSpec{Operator: op}
			a.Title = title
			a.Description = "Action de soutien à la parentalité ouverte aux parents de toute l'intercommunalité."
			a.Themes, a.Publics, a.Labels = l("parentalite"), p.publics, l("reaap")
			a.Zone, a.Places = []string{p.epci.Code}, []string{seat.Code}
			a.Capacity = float64(40 + 10*i)
			a.StartDate = &start
			a.Status = domain.StatusActive
			d.fund(r, actionTemplate{unit: 150, caf: 0.5, funders: l("epci")}, &a, seat)
			add(a)
		}
	}
}

// refDate is the demo's "today", fixed so the demo does not change with the
// calendar: it decides the status (active, planned, ended) of actions.
var refDate = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func (d *Dataset) period(r *rand.Rand, a *domain.Action) {
	y := 2012 + r.IntN(12)
	m := time.September
	if r.IntN(3) == 0 {
		m = time.January
	}
	start := domain.Date{Time: time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)}
	a.StartDate = &start
	switch k := r.IntN(20); {
	case k < 3: // ended
		end := domain.Date{Time: time.Date(max(y+1, 2022)+r.IntN(2), 12, 31, 0, 0, 0, 0, time.UTC)}
		a.EndDate = &end
	case k < 4: // planned
		s := domain.Date{Time: time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)}
		end := domain.Date{Time: time.Date(2028, 12, 31, 0, 0, 0, 0, time.UTC)}
		a.StartDate, a.EndDate = &s, &end
	case k < 7: // fixed-term, still running
		end := domain.Date{Time: time.Date(2026+r.IntN(3), 12, 31, 0, 0, 0, 0, time.UTC)}
		a.EndDate = &end
	}
	switch {
	case a.StartDate.After(refDate):
		a.Status = domain.StatusPlanned
	case a.EndDate != nil && a.EndDate.Before(refDate):
		a.Status = domain.StatusEnded
	default:
		a.Status = domain.StatusActive
	}
}

// fund adds the yearly fundings of an action: the CAF's share, the rest
// split between the template's other funders, a little growth every year.
func (d *Dataset) fund(r *rand.Rand, t actionTemplate, a *ActionSpec, place *Commune) {
	funderID := func(kind string) string {
		switch kind {
		case "commune":
			id := "com-" + place.Code
			if slices.ContainsFunc(d.Actors, func(x domain.Actor) bool { return x.ExternalID == id }) {
				return id
			}
			fallthrough
		case "epci":
			for i, e := range d.EPCIs {
				if e.Code == place.Parent {
					return fmt.Sprintf("epci-%d", i+1)
				}
			}
		case "departement":
			return "cd-96"
		case "etat":
			return "ddets-96"
		case "region":
			return "region-96"
		}
		return ""
	}
	base := a.Capacity * t.unit * (0.85 + 0.3*r.Float64())
	cafShare := t.caf
	if cafShare > 0 && cafShare < 1 {
		cafShare = math.Max(0.05, cafShare+0.1*(r.Float64()-0.5))
	}
	others := t.funders
	if len(others) == 0 && cafShare == 0 {
		return
	}
	for y := FirstYear; y <= LastYear; y++ {
		if !a.ActiveIn(y) {
			continue
		}
		total := base * (1 + 0.025*float64(y-FirstYear))
		amounts := map[string]float64{}
		if cafShare > 0 {
			amounts["caf-96"] += total * cafShare
		}
		rest := total * (1 - cafShare)
		if len(others) > 0 && rest > 0 {
			for i, k := range others {
				share := 1.0 / float64(len(others))
				if len(others) > 1 {
					share *= 0.8 + 0.4*float64(i%2)
				}
				amounts[funderID(k)] += rest * share
			}
		}
		keys := make([]string, 0, len(amounts))
		for k := range amounts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := math.Round(amounts[k]/10) * 10
			if v <= 0 {
				continue
			}
			d.Fundings = append(d.Fundings, FundingSpec{Action: "", Funder: k, Year: y, Amount: v})
		}
	}
}
