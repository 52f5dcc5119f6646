package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"maillage/internal/domain"
)

// Synthetic national snapshot, built in memory and deterministically:
// 96 départements of 365 communes (35,040) laid out over metropolitan
// France's bounding box, 25 EPCI per département, 1,000,000 actions (88 %
// placed in one commune, 10 % serving an EPCI, 2 % a département),
// ≈ 1.5 fundings per action over 2019–2024, 30 indicators × 10 years of
// values for every commune (10,512,000 values), 60,000 actors.
const (
	benchDepts        = 96
	benchCommunesDept = 365
	benchEPCIDept     = 25
	benchActions      = 1_000_000
	benchActors       = 60_000
	benchIndicators   = 30
	benchYears        = 10
)

var (
	benchOnce  sync.Once
	benchSnap  *Snapshot
	benchHeap  uint64
	benchBuild float64
)

func benchDeptCode(d int) string { return fmt.Sprintf("%02d", d+1) }

// buildNational builds the synthetic national snapshot.
func buildNational(tb testing.TB) *Snapshot {
	rng := rand.New(rand.NewPCG(42, 42))
	b := NewBuilder(nil)
	b.DataVersion = 1
	// Départements on a 12 × 8 grid over lat 42.5–51, lon −4.5–8.
	var all []string
	type dept struct {
		lat, lon float64
		codes    []string
	}
	depts := make([]dept, benchDepts)
	for d := 0; d < benchDepts; d++ {
		depts[d].lat = 42.5 + (float64(d/12)+0.5)*(8.5/8)
		depts[d].lon = -4.5 + (float64(d%12)+0.5)*(12.5/12)
		for c := 0; c < benchCommunesDept; c++ {
			code := fmt.Sprintf("%s%03d", benchDeptCode(d), c+1)
			// Population: log-normal, a few towns.
			pop := math.Round(math.Exp(6.3 + 1.3*rng.NormFloat64()))
			lat := depts[d].lat + (rng.Float64()-0.5)*(8.5/8)
			lon := depts[d].lon + (rng.Float64()-0.5)*(12.5/12)
			t := domain.Territory{Code: code, Type: domain.TypeCommune, Name: "Commune " + code, Population: &pop, Lat: &lat, Lon: &lon, PopYear: 2021}
			b.AddTerritory(&t)
			depts[d].codes = append(depts[d].codes, code)
			all = append(all, code)
		}
	}
	var epcis [][]string
	for d := range depts {
		g := domain.Territory{Code: benchDeptCode(d), Type: domain.TypeDepartement, Name: "Département " + benchDeptCode(d), Members: depts[d].codes}
		b.AddTerritory(&g)
		for e := 0; e < benchEPCIDept; e++ {
			var m []string
			for c := e; c < benchCommunesDept; c += benchEPCIDept {
				m = append(m, depts[d].codes[c])
			}
			code := fmt.Sprintf("2%02d%06d", d, e)
			g := domain.Territory{Code: code, Type: domain.TypeEPCI, Name: "EPCI " + code, Members: m}
			b.AddTerritory(&g)
			epcis = append(epcis, m)
		}
	}
	fr := domain.Territory{Code: "R99", Type: domain.TypeRegion, Name: "Toute la France (synthétique)", Members: all}
	b.AddTerritory(&fr)
	types := []string{"caf", "commune", "epci", "departement", "association", "association", "association", "centre_social", "evs", "etat"}
	for i := 1; i <= benchActors; i++ {
		t := types[i%len(types)]
		if i <= benchDepts {
			t = "caf"
		}
		b.AddActor(&domain.Actor{ID: int64(i), Name: fmt.Sprintf("Acteur %d", i), Type: t})
	}
	themes := domain.DefaultReferentials().Codes(domain.RefTheme)
	publics := domain.DefaultReferentials().Codes(domain.RefPublic)
	nf := 0
	for i := 1; i <= benchActions; i++ {
		d := rng.IntN(benchDepts)
		a := domain.Action{ID: int64(i), Title: "Action", OperatorID: int64(benchDepts + 1 + rng.IntN(benchActors-benchDepts)),
			Themes: []string{themes[rng.IntN(len(themes))]}, Capacity: float64(5 + rng.IntN(60))}
		if rng.IntN(4) == 0 {
			a.Themes = append(a.Themes, themes[rng.IntN(len(themes))])
		}
		if rng.IntN(3) > 0 {
			a.Publics = []string{publics[rng.IntN(len(publics))]}
		}
		switch r := rng.IntN(100); {
		case r < 88:
			a.Places = []string{depts[d].codes[rng.IntN(benchCommunesDept)]}
		case r < 98:
			m := epcis[d*benchEPCIDept+rng.IntN(benchEPCIDept)]
			a.Zone = m
		default:
			a.Zone = []string{benchDeptCode(d)}
		}
		sy := 2015 + rng.IntN(10)
		a.StartDate = date(fmt.Sprintf("%d-01-01", sy))
		if rng.IntN(2) == 0 {
			a.EndDate = date(fmt.Sprintf("%d-12-31", sy+rng.IntN(6)))
		}
		b.AddAction(&a)
		for k := 0; k < rng.IntN(3)+rng.IntN(2); k++ {
			f := int64(1 + rng.IntN(benchActors))
			if k == 0 {
				f = int64(d + 1) // the CAF of the département
			}
			b.AddFunding(&domain.Funding{ActionID: a.ID, FunderID: f, Year: 2019 + rng.IntN(6), Amount: float64(500 + rng.IntN(20000))})
			nf++
		}
	}
	inds := append([]string{}, DefaultComparableIndicators...)
	for len(inds) < benchIndicators {
		inds = append(inds, fmt.Sprintf("indicateur_%02d", len(inds)))
	}
	for _, ind := range inds {
		for y := 2015; y < 2015+benchYears; y++ {
			for _, code := range all {
				v := float64(rng.IntN(1000))
				if ind == domain.IndicatorPovertyRate {
					v = 5 + 25*rng.Float64()
				}
				b.AddIndicatorValue(code, ind, y, v)
			}
		}
	}
	s, err := b.Build()
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func national(b *testing.B) *Snapshot {
	benchOnce.Do(func() {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		t0 := testingNow()
		benchSnap = buildNational(b)
		benchBuild = testingSince(t0)
		runtime.GC()
		runtime.ReadMemStats(&m1)
		benchHeap = m1.HeapAlloc - m0.HeapAlloc
	})
	return benchSnap
}

func benchAnalyse(b *testing.B, p Params) {
	s := national(b)
	if _, err := Analyse(s, p); err != nil { // warm the neighbour and need caches
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Analyse(s, p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(benchHeap)/(1<<20), "snapshot-MiB")
	b.ReportMetric(benchBuild, "build-s")
}

// go test ./internal/analysis -run '^$' -bench . -benchtime 5x -benchmem
func BenchmarkAnalyseDepartement(b *testing.B) {
	benchAnalyse(b, Params{Scope: "18", Themes: []string{"parentalite"}, Year: 2024})
}

func BenchmarkAnalyseDepartementAllThemes(b *testing.B) {
	benchAnalyse(b, Params{Scope: "18", Year: 2024})
}

func BenchmarkAnalyseEPCI(b *testing.B) {
	benchAnalyse(b, Params{Scope: "217000003", Themes: []string{"parentalite"}, Year: 2024})
}

func BenchmarkAnalyseFrance(b *testing.B) {
	benchAnalyse(b, Params{Scope: "FR", Themes: []string{"parentalite"}, Year: 2024})
}

func BenchmarkAnalyseFranceNoTrends(b *testing.B) {
	benchAnalyse(b, Params{Scope: "FR", Themes: []string{"parentalite"}, Year: 2024, TrendYears: -1})
}

func BenchmarkExplain(b *testing.B) {
	s := national(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Explain(s, "18001", "parentalite", Params{Year: 2024}); err != nil {
			b.Fatal(err)
		}
	}
}
