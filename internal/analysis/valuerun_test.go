package analysis

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"maillage/internal/domain"
)

// Values streamed through addValueRun (the load's path, which reuses the
// previous run's territory order) give the same snapshot as AddIndicatorValue,
// in the store's order and shuffled, with unknown and group territories and
// a NaN mixed in.
func TestAddValueRunMatchesAddIndicatorValue(t *testing.T) {
	type row struct {
		terr, ind string
		year      int
		v         float64
	}
	var rows []row
	for _, ind := range []string{"a", "b"} {
		for y := 2020; y <= 2022; y++ {
			for _, c := range []string{"18001", "18002", "18003", "18004", "18005", "200000172", "99999", "18"} {
				if ind == "b" && y == 2021 && c == "18002" {
					continue // a run with a gap: the cursor must resynchronise
				}
				v := float64(len(rows))
				if len(rows) == 7 {
					v = math.NaN()
				}
				rows = append(rows, row{c, ind, y, v})
			}
		}
	}
	build := func(rs []row, run bool) *Snapshot {
		d := lineData()
		b := NewBuilder(nil)
		for i := range d.communes {
			b.AddTerritory(&d.communes[i])
		}
		for i := range d.groups {
			b.AddTerritory(&d.groups[i])
		}
		b.AddTerritory(&domain.Territory{Code: "18", Type: domain.TypeDepartement, Name: "Cher", Members: []string{"18001", "18002"}})
		b.freeze()
		for _, r := range rs {
			if run {
				b.addValueRun(r.terr, r.ind, r.year, r.v)
			} else {
				b.AddIndicatorValue(r.terr, r.ind, r.year, r.v)
			}
		}
		s, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	want := build(rows, false)
	shuffled := append([]row(nil), rows...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for name, rs := range map[string][]row{"ordered": rows, "shuffled": shuffled} {
		got := build(rs, true)
		for ind, se := range want.indicators {
			g := got.indicators[ind]
			if g == nil || !reflect.DeepEqual(g.years, se.years) {
				t.Fatalf("%s: indicator %s years %v, want %v", name, ind, g, se.years)
			}
			for k := range se.vals {
				for c := range se.vals[k] {
					x, y := g.vals[k][c], se.vals[k][c]
					if x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
						t.Fatalf("%s: %s %d commune %d = %v, want %v", name, ind, se.years[k], c, x, y)
					}
				}
			}
		}
		if !reflect.DeepEqual(got.groupValues, want.groupValues) {
			t.Fatalf("%s: group values %v, want %v", name, got.groupValues, want.groupValues)
		}
	}
}
