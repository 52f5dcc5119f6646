package analysis

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"maillage/internal/domain"
)

func TestWeight(t *testing.T) {
	// W(d) = (exp(-½(d/d0)²) − exp(-½)) / (1 − exp(-½)); d0 = 15 km.
	near(t, "W(0)", Weight(0, 15), 1)
	near(t, "W(15)", Weight(15, 15), 0)
	// W(10) = (exp(-2/9) − exp(-1/2)) / (1 − exp(-1/2)) = (0.800737 − 0.606531) / 0.393469 = 0.493575
	near(t, "W(10)", Weight(10, 15), 0.4935752886421534)
	near(t, "W(5)", Weight(5, 15), 0.8626563100093985)
	if Weight(15.01, 15) != 0 {
		t.Error("W beyond d0 must be 0")
	}
	near(t, "haversine 10 km", Haversine(47, 2, 47+dLat10, 2), 10)
}

// TestE2SFCALine is the worked example of docs/analysis.md.
//
// One parentalité action of capacity 30 placed in Alpha (A). d0 = 15 km.
// Distances: d(A,B) = d(B,C) = 10 km, d(A,C) = 20 km > d0; D and E are far.
// W(0) = 1, W(10) = 0.493575.
//
//	S_A = 30, every other S = 0.
//	D_A = W(0)·P_A + W(10)·P_B = 100 + 0.493575·200 = 198.715058
//	R_A = 30 / 198.715058 = 0.150970
//	A_A = W(0)·R_A = 0.150970  (151.0 per 1,000 families)
//	A_B = W(10)·R_A = 0.074515
//	A_C = 0 (A is 20 km away): white zone, 100 families uncovered
//	A_D = 0: white zone, 50 uncovered; E: need unknown
//	Σ A_i·P_i = 0.150970·100 + 0.074515·200 = 30 = Σ S_j.
//	Scope ratio = Σ S / Σ P = 30 / 450 = 0.0667; under-served below 0.0333: C, D.
func TestE2SFCALine(t *testing.T) {
	d := lineData()
	d.actions = []domain.Action{{ID: 10, Title: "LAEP Alpha", OperatorID: 4, Themes: []string{"parentalite"},
		Places: []string{"18001"}, Zone: []string{"18001"}, Capacity: 30}}
	s := d.build(t)
	r, err := Analyse(s, Params{Scope: "18", Themes: []string{"parentalite"}, Year: 2024})
	if err != nil {
		t.Fatal(err)
	}
	if r.Params.NeedIndicator != "familles_enfants" || r.Params.Radius != 15 {
		t.Fatalf("resolved need %q radius %v", r.Params.NeedIndicator, r.Params.Radius)
	}
	a, b, c := figure(t, r, "18001"), figure(t, r, "18002"), figure(t, r, "18003")
	near(t, "S_A", a.Supply, 30)
	near(t, "A_A", a.Accessibility, 0.15096993827714256)
	near(t, "A_A per 1000", a.AccessibilityPer1000, 150.96993827714256)
	near(t, "A_B", b.Accessibility, 0.07451503086142872)
	near(t, "A_C", c.Accessibility, 0)
	if a.NeedYear != 2023 || a.Need != 100 {
		t.Errorf("need of A = %v (%d)", a.Need, a.NeedYear)
	}
	if len(r.WhiteZones) != 2 || r.WhiteZones[0].Code != "18003" || r.WhiteZones[0].Uncovered != 100 || r.WhiteZones[1].Code != "18004" || r.WhiteZones[1].Uncovered != 50 {
		t.Errorf("white zones = %+v", r.WhiteZones)
	}
	if len(r.NeedUnknown) != 1 || r.NeedUnknown[0].Code != "18005" || !figure(t, r, "18005").NeedUnknown {
		t.Errorf("need unknown = %+v", r.NeedUnknown)
	}
	near(t, "ratio", r.Summary.Ratio, 30.0/450)
	if len(r.UnderServed) != 2 || r.UnderServed[0].Code != "18003" || r.UnderServed[1].Code != "18004" {
		t.Errorf("under-served = %+v", r.UnderServed)
	}
	sum := 0.0
	for _, cf := range r.Communes {
		sum += cf.Accessibility * cf.Need
	}
	near(t, "Σ A·P", sum, 30)
	near(t, "uncovered", r.Summary.Uncovered, 150)

	// The whole database ("FR") gives the same figures.
	rf, err := Analyse(s, Params{Scope: "fr", Themes: []string{"parentalite"}, Year: 2024})
	if err != nil || len(rf.Communes) != 5 || rf.Scope.Code != "FR" {
		t.Fatalf("FR: %v %+v", err, rf.Scope)
	}
	near(t, "A_B (FR)", figure(t, rf, "18002").Accessibility, 0.07451503086142872)

	// Reported for the EPCI only, the figures are the same (supply and need
	// beyond the border count).
	r2, err := Analyse(s, Params{Scope: "200000172", Themes: []string{"parentalite"}, Year: 2024})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "A_B (EPCI scope)", figure(t, r2, "18002").Accessibility, 0.07451503086142872)
	if len(r2.Communes) != 3 {
		t.Errorf("EPCI scope has %d communes", len(r2.Communes))
	}

	// A smaller radius: with d0 = 5 km, B is out of reach of A.
	r3, _ := Analyse(s, Params{Scope: "18", Themes: []string{"parentalite"}, Year: 2024, RadiusKm: 5})
	near(t, "A_A (d0=5)", figure(t, r3, "18001").Accessibility, 0.3)
	near(t, "A_B (d0=5)", figure(t, r3, "18002").Accessibility, 0)

	// A year outside the action's period: no supply.
	d.actions[0].StartDate = date("2025-01-01")
	s = d.build(t)
	r4, _ := Analyse(s, Params{Scope: "18", Themes: []string{"parentalite"}, Year: 2024})
	near(t, "S_A before start", figure(t, r4, "18001").Supply, 0)
	// A theme filter: the action is not petite enfance.
	r5, _ := Analyse(s, Params{Scope: "18", Themes: []string{"petite_enfance"}, Year: 2026})
	near(t, "S_A petite enfance", figure(t, r5, "18001").Supply, 0)
}

// TestSupplyZoneSpread: an action without a place spreads its capacity over
// its zone in proportion to population. Zone = the EPCI (A 1000, B 2000,
// C 1000 inhabitants), capacity 40 → S_A = 10, S_B = 20, S_C = 10.
// An action with two places puts half of its capacity in each.
func TestSupplyZoneSpread(t *testing.T) {
	d := lineData()
	d.actions = []domain.Action{
		{ID: 1, Title: "Réseau parents", OperatorID: 4, Themes: []string{"parentalite"}, Zone: []string{"200000172"}, Capacity: 40},
		{ID: 2, Title: "Permanence", OperatorID: 5, Themes: []string{"parentalite"}, Places: []string{"18004", "18005"}, Zone: []string{"18"}, Capacity: 8},
		{ID: 3, Title: "Ateliers jeunes", OperatorID: 5, Themes: []string{"jeunesse"}, Places: []string{"18004"}, Capacity: 100},
		{ID: 4, Title: "Seniors", OperatorID: 5, Themes: []string{"parentalite"}, Publics: []string{"seniors"}, Places: []string{"18004"}, Capacity: 1000},
	}
	s := d.build(t)
	r, err := Analyse(s, Params{Scope: "18", Themes: []string{"parentalite"}, Publics: []string{"parents"}, Year: 2024})
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]float64{"18001": 10, "18002": 20, "18003": 10, "18004": 4, "18005": 4} {
		near(t, "S_"+code, figure(t, r, code).Supply, want)
	}
	near(t, "Σ S", r.Summary.Supply, 48)
	// Tous publics: the seniors action counts.
	r2, _ := Analyse(s, Params{Scope: "18004", Themes: []string{"parentalite"}, Year: 2024})
	near(t, "S_D all publics", figure(t, r2, "18004").Supply, 1004)
}

// TestOverlaps, in 2024, scope = the département:
//
//	X op 4, parentalité, {parents, familles}, zone EPCI {A,B,C} (4000 inh.)
//	Y op 5, parentalité, {parents}, zone {A,B} (3000): Jaccard 1/2 = 0.5,
//	  shared 3000 ≥ ½·3000 → overlap, 3000 shared
//	Y2 op 6, parentalité, {parents}, zone {C,D} (1500): with X Jaccard 0.5,
//	  shared C = 1000 ≥ ½·1500 → overlap, 1000 shared; with Y nothing shared
//	Z op 5, {seniors}, zone {A}: Jaccard 0 with X → no
//	W op 4 (X's operator), {parents}, zone {A} → same operator as X; with Y
//	  Jaccard 1 and shared A → overlap (Y, W) shared 1000
//	V op 6, no public (all 11), zone {A}: Jaccard 2/11 with X → no; with Y and W 1/11 → no
//	U op 6, {parents}, zone {B}, 2020–2021 → not running in 2024
//	T op 6, jeunesse, {parents}, zone {A} → no shared theme
//	Q op 5, {parents}, zone {A}, 2024-09-01..; P op 6, {parents}, zone {A},
//	  ..2024-06-30 → same year but the periods do not meet; each overlaps W
//	  (Q–W, P–W, shared 1000) and Q with X? X zone 4000, Q zone 1000: shared
//	  1000 ≥ 500, Jaccard 1/2 → overlap; P with X likewise; P with Y: Jaccard 1, shared 1000 ≥ 500 → overlap.
func TestOverlaps(t *testing.T) {
	d := lineData()
	pa := []string{"parentalite"}
	d.actions = []domain.Action{
		{ID: 1, Title: "X", OperatorID: 4, Themes: pa, Publics: []string{"parents", "familles"}, Zone: []string{"200000172"}},
		{ID: 2, Title: "Y", OperatorID: 5, Themes: pa, Publics: []string{"parents"}, Zone: []string{"18001", "18002"}},
		{ID: 3, Title: "Y2", OperatorID: 6, Themes: pa, Publics: []string{"parents"}, Zone: []string{"18003", "18004"}},
		{ID: 4, Title: "Z", OperatorID: 5, Themes: pa, Publics: []string{"seniors"}, Zone: []string{"18001"}},
		{ID: 5, Title: "W", OperatorID: 4, Themes: pa, Publics: []string{"parents"}, Zone: []string{"18001"}},
		{ID: 6, Title: "V", OperatorID: 6, Themes: pa, Zone: []string{"18001"}},
		{ID: 7, Title: "U", OperatorID: 6, Themes: pa, Publics: []string{"parents"}, Zone: []string{"18002"}, StartDate: date("2020-01-01"), EndDate: date("2021-12-31")},
		{ID: 8, Title: "T", OperatorID: 6, Themes: []string{"jeunesse"}, Publics: []string{"parents"}, Zone: []string{"18001"}},
		{ID: 9, Title: "Q", OperatorID: 5, Themes: pa, Publics: []string{"parents"}, Zone: []string{"18001"}, StartDate: date("2024-09-01")},
		{ID: 11, Title: "P", OperatorID: 6, Themes: pa, Publics: []string{"parents"}, Zone: []string{"18001"}, EndDate: date("2024-06-30")},
	}
	s := d.build(t)
	r, err := Analyse(s, Params{Scope: "18", Themes: pa, Year: 2024})
	if err != nil {
		t.Fatal(err)
	}
	got := map[[2]int64]float64{}
	for _, o := range r.Overlaps {
		got[[2]int64{o.A.ID, o.B.ID}] = o.SharedPopulation
		if len(o.Reasons) != 5 || o.Themes[0] != "parentalite" {
			t.Errorf("overlap %d-%d: %+v", o.A.ID, o.B.ID, o)
		}
	}
	want := map[[2]int64]float64{
		{1, 2}: 3000, {1, 3}: 1000, {2, 5}: 1000,
		{5, 9}: 1000, {5, 11}: 1000, {1, 9}: 1000, {1, 11}: 1000, {2, 11}: 1000,
	}
	// Y–Q: same operator (5) → no. Q–P: periods do not meet → no.
	if len(got) != len(want) || r.OverlapsTotal != len(want) {
		t.Errorf("overlaps = %v (total %d), want %v", got, r.OverlapsTotal, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("overlap %v shared = %v, want %v", k, got[k], v)
		}
	}
	if r.Overlaps[0].A.ID != 1 || r.Overlaps[0].B.ID != 2 {
		t.Errorf("largest overlap first, got %d-%d", r.Overlaps[0].A.ID, r.Overlaps[0].B.ID)
	}
}

// fundingData: X (op 4, zone EPCI A,B,C: shares ¼ ½ ¼) funded in 2024 by the
// CAF 600, the commune 300, the département 100; Y (op 5, zone {A,B}: shares
// ⅓ ⅔) funded by the CAF alone 500; W (op 6, place A) not funded.
func fundingData() *data {
	d := lineData()
	pa := []string{"parentalite"}
	d.actions = []domain.Action{
		{ID: 1, Title: "X", OperatorID: 4, Themes: pa, Zone: []string{"200000172"}, Capacity: 10},
		{ID: 2, Title: "Y", OperatorID: 5, Themes: pa, Zone: []string{"18001", "18002"}, Capacity: 10},
		{ID: 3, Title: "W", OperatorID: 6, Themes: pa, Places: []string{"18001"}, Capacity: 10},
	}
	d.fundings = []domain.Funding{
		{ActionID: 1, FunderID: 1, Year: 2024, Amount: 600},
		{ActionID: 1, FunderID: 2, Year: 2024, Amount: 300},
		{ActionID: 1, FunderID: 3, Year: 2024, Amount: 100},
		{ActionID: 2, FunderID: 1, Year: 2024, Amount: 500},
		{ActionID: 2, FunderID: 1, Year: 2023, Amount: 400},
	}
	return d
}

// TestFunding, scope = commune A, 2024:
//
//	X in A: ¼ → CAF 150, commune 75, département 25
//	Y in A: ⅓ → CAF 166.667
//	total 416.667; CAF 316.667; CAF share 0.76
//	HHI = 0.76² + 0.18² + 0.06² = 0.5776 + 0.0324 + 0.0036 = 0.6136
//	partner € per CAF € = 100 / 316.667 = 0.315789
//	single-funder actions: Y
func TestFunding(t *testing.T) {
	d := fundingData()
	s := d.build(t)
	r, err := Analyse(s, Params{Scope: "18001", Themes: []string{"parentalite"}, Year: 2024})
	if err != nil {
		t.Fatal(err)
	}
	f := r.Funding
	near(t, "total", f.Total, 250+500.0/3)
	near(t, "caf share", f.CAFShare, 0.76)
	near(t, "hhi", f.HHI, 0.6136)
	if f.PartnerPerCAFEuro == nil {
		t.Fatal("partner per CAF euro missing")
	}
	near(t, "partner per caf", *f.PartnerPerCAFEuro, 100/(150+500.0/3))
	if len(f.SingleFunderActions) != 1 || f.SingleFunderActions[0].ID != 2 || f.SingleFunderActions[0].FunderID != 1 {
		t.Errorf("single funder = %+v", f.SingleFunderActions)
	}
	if len(f.ByFunder) != 3 || f.ByFunder[0].ID != 1 || f.ByFunderType[0].Type != "caf" {
		t.Errorf("by funder = %+v / %+v", f.ByFunder, f.ByFunderType)
	}
	// Splitting a funding row in two changes nothing.
	d.fundings[0].Amount = 400
	d.fundings = append(d.fundings, domain.Funding{ActionID: 1, FunderID: 1, Year: 2024, Amount: 200})
	d.fundings[3].Amount = 250
	d.fundings = append(d.fundings, domain.Funding{ActionID: 2, FunderID: 1, Year: 2024, Amount: 250})
	r2, _ := Analyse(d.build(t), Params{Scope: "18001", Themes: []string{"parentalite"}, Year: 2024})
	a, _ := json.Marshal(r.Funding)
	b, _ := json.Marshal(r2.Funding)
	if string(a) != string(b) {
		t.Errorf("split funding changed the result:\n%s\n%s", a, b)
	}
}

// TestNetwork, 2024, département scope. X op 4 funded by 1 (CAF), 2, 3;
// Y op 5 funded by 1; W op 6 unfunded.
//
//	edges: 1–4, 2–4, 3–4 (funder–operator), 1–2, 1–3, 2–3 (co-funding), 1–5 → 7
//	nodes 1..6 → density 2·7 / (6·5) = 0.466667; components {1,2,3,4,5} and {6};
//	isolated: 6. Every path from 5 to 2, 3, 4 goes through the CAF (1): its
//	betweenness is 3 pairs / ((6−1)(6−2)/2 = 10) = 0.3; the others have 0.
func TestNetwork(t *testing.T) {
	s := fundingData().build(t)
	r, err := Analyse(s, Params{Scope: "18", Themes: []string{"parentalite"}, Year: 2024})
	if err != nil {
		t.Fatal(err)
	}
	n := r.Network
	if n.Nodes != 6 || n.Edges != 7 || n.Components != 2 || n.LargestComponent != 5 {
		t.Fatalf("network = %+v", n)
	}
	near(t, "density", n.Density, 14.0/30)
	if len(n.Isolated) != 1 || n.Isolated[0].ID != 6 {
		t.Errorf("isolated = %+v", n.Isolated)
	}
	if !n.CAF.Present || n.CAF.BetweennessRank != 1 || n.CAF.DegreeRank != 1 {
		t.Errorf("caf = %+v", n.CAF)
	}
	near(t, "caf betweenness", n.CAF.Nodes[0].Betweenness, 0.3)
	near(t, "caf component share", n.CAF.ComponentShare, 5.0/6)
	for _, nd := range n.NodeList {
		if nd.ID != 1 && nd.Betweenness != 0 {
			t.Errorf("node %d betweenness %v", nd.ID, nd.Betweenness)
		}
		if nd.ID == 1 && (nd.Degree != 4 || nd.WeightedDegree != 4) {
			t.Errorf("caf degree %d / %v", nd.Degree, nd.WeightedDegree)
		}
	}
	if n.EdgeList[0].Weight != 1 || len(n.EdgeList) != 7 {
		t.Errorf("edges = %+v", n.EdgeList)
	}
}

// TestEquity: x = (1, 2, 3), w = (1, 1, 2): W = 4, μ = 9/4.
// Σ_i Σ_j w_i w_j |x_i − x_j| = 2·(1·1·1 + 1·2·2 + 1·2·1) = 14,
// Gini = 14 / (2·16·2.25) = 0.194444.
// Theil = ¼ Σ w_i (x_i/μ) ln(x_i/μ) = 0.0755107.
// Spearman of x = (1, 2, 2, 4) and y = (10, 20, 30, 40): ranks (1, 2.5, 2.5, 4)
// and (1, 2, 3, 4) → 0.948683.
func TestEquity(t *testing.T) {
	near(t, "gini", *WeightedGini([]float64{1, 2, 3}, []float64{1, 1, 2}), 14.0/72)
	near(t, "gini = replicated", *WeightedGini([]float64{1, 2, 3, 3}, []float64{1, 1, 1, 1}), 14.0/72)
	near(t, "theil", *WeightedTheil([]float64{1, 2, 3}, []float64{1, 1, 2}), 0.07551068302017659)
	near(t, "spearman", *Spearman([]float64{1, 2, 2, 4}, []float64{10, 20, 30, 40}), 0.9486832980505138)
	near(t, "spearman reversed", *Spearman([]float64{1, 2, 3}, []float64{3, 2, 1}), -1)
	near(t, "equal gini", *WeightedGini([]float64{2, 2}, []float64{5, 1}), 0)
	if WeightedGini([]float64{0, 0}, []float64{1, 1}) != nil || Spearman([]float64{1, 2}, []float64{1, 2}) != nil {
		t.Error("undefined indices must be nil")
	}

	// On the line: A_A = 0.150970 (P 100), A_B = 0.074515 (P 200), A_C = 0 (P 100),
	// A_D = 0 (P 50); poverty rates A 10, B 15, C 20, D 25.
	d := lineData()
	d.actions = []domain.Action{{ID: 10, Title: "LAEP", OperatorID: 4, Themes: []string{"parentalite"}, Places: []string{"18001"}, Capacity: 30}}
	for i, c := range []string{"18001", "18002", "18003", "18004"} {
		d.values = append(d.values, domain.IndicatorValue{Territory: c, Indicator: "taux_pauvrete", Year: 2021, Value: float64(10 + 5*i)})
	}
	r, err := Analyse(d.build(t), Params{Scope: "18", Themes: []string{"parentalite"}, Year: 2024})
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{0.15096993827714256, 0.07451503086142872, 0, 0}
	w := []float64{100, 200, 100, 50}
	near(t, "gini line", *r.Equity.Gini, *WeightedGini(x, w))
	near(t, "theil line", *r.Equity.Theil, *WeightedTheil(x, w))
	// Ranks of rates (1, 2, 3, 4) against A (4, 3, 1.5, 1.5): ρ = −0.948683.
	near(t, "spearman line", *r.Equity.Spearman, -0.9486832980505138)
	if r.Equity.Communes != 4 || r.Equity.Ranked != 4 {
		t.Errorf("equity counts %+v", r.Equity)
	}
}

// TestTrends: funding of Y is 400 in 2023 and 500 in 2024 (scope A: ⅓ of it),
// X is funded in 2024 only → the 2024 total 416.667, 2023 total 133.333,
// change +283.333.
func TestTrends(t *testing.T) {
	s := fundingData().build(t)
	r, err := Analyse(s, Params{Scope: "18001", Themes: []string{"parentalite"}, Year: 2024})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Trends.Years) != 2 || r.Trends.Years[0] != 2023 || r.Trends.Years[1] != 2024 {
		t.Fatalf("trend years %v", r.Trends.Years)
	}
	near(t, "2023 total", r.Trends.Points[0].Figures["funding_total"], 400.0/3)
	near(t, "2024 total", r.Trends.Points[1].Figures["funding_total"], 250+500.0/3)
	near(t, "change", r.Trends.Points[1].Change["funding_total"], 250+100.0/3)
	if r.Trends.Points[0].Change != nil {
		t.Error("first year has no change")
	}
	near(t, "caf share 2023", r.Trends.Points[0].Figures["caf_share"], 1)
}

// TestComparable on communes with the poverty rate only: rates A 10, B 11,
// C 13, D 20, E 9.5; mean 12.7, standard deviation 3.841875. Distances to A
// in z units: E 0.5/σ = 0.130145, B 1/σ = 0.260290, C 3/σ = 0.780869,
// D 10/σ = 2.602896. A commune with no value is not compared.
func TestComparable(t *testing.T) {
	d := lineData()
	d.communes = append(d.communes, commune("18006", "Foxtrot", 200, 100))
	for c, v := range map[string]float64{"18001": 10, "18002": 11, "18003": 13, "18004": 20, "18005": 9.5} {
		d.values = append(d.values, domain.IndicatorValue{Territory: c, Indicator: "taux_pauvrete", Year: 2022, Value: v})
	}
	s := d.build(t)
	r, err := Analyse(s, Params{Scope: "18001", Year: 2024, ComparableIndicators: []string{"taux_pauvrete"}, Comparable: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Comparable) != 3 {
		t.Fatalf("comparable = %+v", r.Comparable)
	}
	want := []struct {
		code string
		d    float64
	}{{"18005", 0.13014480157383837}, {"18002", 0.26028960314767674}, {"18003", 0.7808688094430303}}
	for i, w := range want {
		if r.Comparable[i].Code != w.code {
			t.Errorf("comparable[%d] = %s, want %s", i, r.Comparable[i].Code, w.code)
		}
		near(t, "distance "+w.code, r.Comparable[i].Distance, w.d)
	}
	// Default profile on EPCI: only one EPCI → nothing to compare with.
	r2, _ := Analyse(s, Params{Scope: "200000172", Year: 2024})
	if len(r2.Comparable) != 0 {
		t.Errorf("comparable EPCI = %+v", r2.Comparable)
	}
}

// TestExplain: commune B, parentalité. Its catchment holds A (10 km,
// W = 0.493575) where S_A = 30, D_A = 100·1 + 200·0.493575 = 198.715058,
// R_A = 0.150970, contribution 0.074515 = A_B.
func TestExplain(t *testing.T) {
	d := lineData()
	d.actions = []domain.Action{{ID: 10, Title: "LAEP Alpha", OperatorID: 4, Themes: []string{"parentalite"}, Places: []string{"18001"}, Capacity: 30}}
	s := d.build(t)
	e, err := Explain(s, "18002", "parentalite", Params{Year: 2024})
	if err != nil {
		t.Fatal(err)
	}
	if e.Need.Need != 200 || e.Need.NeedYear != 2023 || e.NeedIndicator != "familles_enfants" {
		t.Errorf("need = %+v", e.Need)
	}
	if e.Neighbours != 3 || len(e.Catchment) != 1 {
		t.Fatalf("catchment = %+v", e.Catchment)
	}
	c := e.Catchment[0]
	if c.Code != "18001" || len(c.Actions) != 1 || c.Actions[0].ID != 10 || c.Actions[0].How != "lieu" {
		t.Errorf("catchment = %+v", c)
	}
	near(t, "d", c.DistanceKm, 10)
	near(t, "W", c.Weight, 0.4935752886421534)
	near(t, "D_A", c.Demand, 198.71505772843068)
	near(t, "R_A", c.Ratio, 0.15096993827714256)
	near(t, "A_B", e.Accessibility, 0.07451503086142872)
	near(t, "contribution", c.Contribution, e.Accessibility)
	if len(c.DemandTerms) != 2 {
		t.Errorf("demand terms = %+v", c.DemandTerms)
	}
	if _, err := Explain(s, "99999", "parentalite", Params{}); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("unknown commune: %v", err)
	}
}

func TestErrors(t *testing.T) {
	s := lineData().build(t)
	if _, err := Analyse(s, Params{Scope: "99"}); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("unknown scope: %v", err)
	}
	if _, err := Analyse(s, Params{Scope: "18", Themes: []string{"cuisine"}}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("unknown theme: %v", err)
	}
	if _, err := Analyse(s, Params{Scope: "18", Publics: []string{"chats"}}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("unknown public: %v", err)
	}
	if _, err := Analyse(s, Params{Scope: "18", RadiusKm: -3}); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("bad radius: %v", err)
	}
}

// randomData: n communes scattered over ~60×60 km, actions placed or zoned,
// every commune with a positive need.
func randomData(seed uint64, n, na int, zeroNeed bool) *data {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &data{}
	var codes []string
	for i := 0; i < n; i++ {
		code := "45" + string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
		codes = append(codes, code)
		c := commune(code, "C"+code, 0, float64(100+rng.IntN(5000)))
		*c.Lat = 47 + rng.Float64()*0.6
		*c.Lon = 2 + rng.Float64()*0.8
		d.communes = append(d.communes, c)
		need := float64(1 + rng.IntN(300))
		if zeroNeed && rng.IntN(4) == 0 {
			continue
		}
		d.values = append(d.values, domain.IndicatorValue{Territory: code, Indicator: "familles_enfants", Year: 2022, Value: need})
	}
	d.groups = []domain.Territory{{Code: "45", Type: domain.TypeDepartement, Name: "Loiret", Members: codes}}
	for i := 1; i <= 8; i++ {
		d.actors = append(d.actors, domain.Actor{ID: int64(i), Name: "A", Type: []string{"caf", "commune", "association"}[i%3]})
	}
	for j := 0; j < na; j++ {
		a := domain.Action{ID: int64(j + 1), Title: "act", OperatorID: int64(1 + rng.IntN(8)), Themes: []string{"parentalite"},
			Capacity: float64(1 + rng.IntN(50)), Publics: []string{[]string{"parents", "familles", "enfants_0_3"}[rng.IntN(3)]}}
		if rng.IntN(2) == 0 {
			a.Places = []string{codes[rng.IntN(n)]}
		}
		for k := 0; k < 1+rng.IntN(4); k++ {
			a.Zone = append(a.Zone, codes[rng.IntN(n)])
		}
		d.actions = append(d.actions, a)
		for k := 0; k < rng.IntN(3); k++ {
			d.fundings = append(d.fundings, domain.Funding{ActionID: a.ID, FunderID: int64(1 + rng.IntN(8)), Year: 2023 + rng.IntN(2), Amount: float64(rng.IntN(10000))})
		}
	}
	return d
}

// TestConservation: Σ_i A_i·P_i = Σ_j S_j when every supply has need within
// reach (every commune has need here), over the whole département.
func TestConservation(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		s := randomData(seed, 150, 300, false).build(t)
		for _, radius := range []float64{5, 15, 40} {
			r, err := Analyse(s, Params{Scope: "45", Themes: []string{"parentalite"}, Year: 2024, RadiusKm: radius})
			if err != nil {
				t.Fatal(err)
			}
			var ap, ss float64
			for _, c := range r.Communes {
				ap += c.Accessibility * c.Need
				ss += c.Supply
			}
			if math.Abs(ap-ss) > 1e-9*ss {
				t.Errorf("seed %d radius %v: Σ A·P = %v, Σ S = %v", seed, radius, ap, ss)
			}
		}
	}
}

// TestNoNeedNeverWhite: a commune with no (or unknown) need is never a white zone.
func TestNoNeedNeverWhite(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		d := randomData(seed, 120, 40, true)
		s := d.build(t)
		r, err := Analyse(s, Params{Scope: "45", Themes: []string{"parentalite"}, Year: 2024, RadiusKm: 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.WhiteZones) == 0 || len(r.NeedUnknown) == 0 {
			t.Fatalf("seed %d: the test needs white zones and unknown needs", seed)
		}
		for _, w := range r.WhiteZones {
			c := figure(t, r, w.Code)
			if c.Need <= 0 || c.NeedUnknown || c.Accessibility != 0 {
				t.Errorf("white zone %s with need %v unknown %v A %v", w.Code, c.Need, c.NeedUnknown, c.Accessibility)
			}
		}
	}
}

// TestOrderIndependence: shuffling communes, groups' members, actors,
// actions, fundings and values gives the same result.
func TestOrderIndependence(t *testing.T) {
	d := randomData(3, 150, 400, false)
	p := Params{Scope: "45", Themes: []string{"parentalite"}, Year: 2024}
	r1, err := Analyse(d.build(t), p)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	shuffle := func(n int, swap func(i, j int)) { rng.Shuffle(n, swap) }
	shuffle(len(d.communes), func(i, j int) { d.communes[i], d.communes[j] = d.communes[j], d.communes[i] })
	shuffle(len(d.actors), func(i, j int) { d.actors[i], d.actors[j] = d.actors[j], d.actors[i] })
	shuffle(len(d.actions), func(i, j int) { d.actions[i], d.actions[j] = d.actions[j], d.actions[i] })
	shuffle(len(d.fundings), func(i, j int) { d.fundings[i], d.fundings[j] = d.fundings[j], d.fundings[i] })
	shuffle(len(d.values), func(i, j int) { d.values[i], d.values[j] = d.values[j], d.values[i] })
	m := d.groups[0].Members
	shuffle(len(m), func(i, j int) { m[i], m[j] = m[j], m[i] })
	r2, err := Analyse(d.build(t), p)
	if err != nil {
		t.Fatal(err)
	}
	// Communes come in scope order (index order), which follows the input;
	// compare them by code, the rest as a whole.
	byCode := map[string]CommuneFigure{}
	for _, c := range r1.Communes {
		byCode[c.Code] = c
	}
	for _, c := range r2.Communes {
		o := byCode[c.Code]
		if math.Abs(o.Accessibility-c.Accessibility) > 1e-12 || o.Supply != c.Supply && math.Abs(o.Supply-c.Supply) > 1e-9 {
			t.Errorf("commune %s: %+v vs %+v", c.Code, o, c)
		}
	}
	r1.Communes, r2.Communes = nil, nil
	// Sums run in commune order, which follows the input: compare numbers
	// up to rounding.
	var a, b any
	ja, _ := json.Marshal(r1)
	jb, _ := json.Marshal(r2)
	json.Unmarshal(ja, &a)
	json.Unmarshal(jb, &b)
	sameJSON(t, "result", a, b)
}

func sameJSON(t *testing.T, path string, a, b any) {
	t.Helper()
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			t.Errorf("%s: %v vs %v", path, a, b)
			return
		}
		for k := range x {
			sameJSON(t, path+"."+k, x[k], y[k])
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			t.Errorf("%s: %d vs %d items", path, len(x), len(y))
			return
		}
		for i := range x {
			sameJSON(t, path+"["+strconv.Itoa(i)+"]", x[i], y[i])
		}
	case float64:
		y, ok := b.(float64)
		if !ok || math.Abs(x-y) > 1e-9*math.Max(1, math.Abs(x)) {
			t.Errorf("%s: %v vs %v", path, a, b)
		}
	default:
		if a != b {
			t.Errorf("%s: %v vs %v", path, a, b)
		}
	}
}
