package diagnostic

import (
	"math"
	"sort"

	"maillage/internal/domain"
)

// Score is the numeric value of a stance: agree 1, nuance ½, disagree 0.
func Score(stance string) float64 {
	switch stance {
	case domain.StanceAgree:
		return 1
	case domain.StanceNuance:
		return 0.5
	}
	return 0
}

// Tally counts stances.
type Tally struct {
	Agree    int `json:"agree"`
	Nuance   int `json:"nuance"`
	Disagree int `json:"disagree"`
	N        int `json:"n"`
}

func (t *Tally) add(stance string) {
	switch stance {
	case domain.StanceAgree:
		t.Agree++
	case domain.StanceNuance:
		t.Nuance++
	case domain.StanceDisagree:
		t.Disagree++
	default:
		return
	}
	t.N++
}

// Support is the mean score of the stances (1: everyone agrees, 0: everyone
// disagrees); NaN without stances.
func (t Tally) Support() float64 {
	if t.N == 0 {
		return math.NaN()
	}
	return (float64(t.Agree) + 0.5*float64(t.Nuance)) / float64(t.N)
}

// Dispersion is Leik's ordinal dispersion (Leik 1966) of the stances on the
// ordered scale disagree < nuance < agree: 0 when every organisation takes
// the same stance, 1 when they split half agree, half disagree. With the
// cumulative shares F1 = disagree/n and F2 = (disagree+nuance)/n,
// D = (d(F1) + d(F2)) × 2/(3−1), d(F) = F when F ≤ ½, 1−F otherwise.
func (t Tally) Dispersion() float64 {
	if t.N == 0 {
		return 0
	}
	n := float64(t.N)
	f1 := float64(t.Disagree) / n
	f2 := float64(t.Disagree+t.Nuance) / n
	d := func(f float64) float64 {
		if f <= 0.5 {
			return f
		}
		return 1 - f
	}
	return d(f1) + d(f2)
}

// KindView is the stances of one kind of actors on a finding.
type KindView struct {
	Kind    string  `json:"kind"`
	Label   string  `json:"label"`
	Tally   Tally   `json:"tally"`
	Support float64 `json:"support"`
}

// Crossing is the crossing of viewpoints on one finding.
type Crossing struct {
	FindingID  int64   `json:"finding_id"`
	Tally      Tally   `json:"tally"`
	Support    float64 `json:"support"`    // mean score, 0..1 (NaN → -1 in JSON when no stance)
	Dispersion float64 `json:"dispersion"` // Leik, 0..1: divergence between organisations
	// ByKind lists the kinds of actors that took position, in Kinds order.
	ByKind []KindView `json:"by_kind"`
	// KindGap is the largest difference of support between two kinds of
	// actors (0..1): divergence between kinds of actors.
	KindGap float64 `json:"kind_gap"`
	// Contested is set when Dispersion or KindGap reaches the threshold.
	Contested bool `json:"contested"`
	// Missing lists the participants that took no position.
	Missing []int64 `json:"missing"`
}

// DefaultContestThreshold is the divergence at which a finding is contested:
// half the scale (for example one agree and one disagree among two, or a
// kind of actors that agrees while another is nuanced to disagreeing).
const DefaultContestThreshold = 0.5

// Current keeps the latest position per (finding, organisation), by time
// then id.
func Current(positions []domain.Position) []domain.Position {
	type key struct{ f, o int64 }
	latest := map[key]domain.Position{}
	for _, p := range positions {
		k := key{p.FindingID, p.OrgID}
		q, ok := latest[k]
		if !ok || p.At.After(q.At) || (p.At.Equal(q.At) && p.ID > q.ID) {
			latest[k] = p
		}
	}
	out := make([]domain.Position, 0, len(latest))
	for _, p := range latest {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].FindingID != out[j].FindingID {
			return out[i].FindingID < out[j].FindingID
		}
		return out[i].OrgID < out[j].OrgID
	})
	return out
}

// KindsOf maps each participant organisation to its kind of actors.
func KindsOf(d *domain.Diagnostic) map[int64]string {
	m := make(map[int64]string, len(d.Participants))
	for _, p := range d.Participants {
		m[p.OrgID] = KindOf(p.ActorType)
	}
	return m
}

// Cross computes the crossing of viewpoints for each finding from the
// positions (history allowed: only the current position per organisation
// counts). Positions of organisations that are not participants are ignored.
func Cross(d *domain.Diagnostic, findings []domain.Finding, positions []domain.Position, threshold float64) []Crossing {
	if threshold <= 0 {
		threshold = DefaultContestThreshold
	}
	kinds := KindsOf(d)
	byFinding := map[int64][]domain.Position{}
	for _, p := range Current(positions) {
		if _, ok := kinds[p.OrgID]; ok {
			byFinding[p.FindingID] = append(byFinding[p.FindingID], p)
		}
	}
	out := make([]Crossing, 0, len(findings))
	for _, f := range findings {
		c := Crossing{FindingID: f.ID, Missing: []int64{}, ByKind: []KindView{}}
		kt := map[string]*Tally{}
		seen := map[int64]bool{}
		for _, p := range byFinding[f.ID] {
			c.Tally.add(p.Stance)
			k := kinds[p.OrgID]
			if kt[k] == nil {
				kt[k] = &Tally{}
			}
			kt[k].add(p.Stance)
			seen[p.OrgID] = true
		}
		for _, p := range d.Participants {
			if !seen[p.OrgID] {
				c.Missing = append(c.Missing, p.OrgID)
			}
		}
		c.Support = c.Tally.Support()
		c.Dispersion = c.Tally.Dispersion()
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, k := range Kinds {
			t := kt[k]
			if t == nil {
				continue
			}
			s := t.Support()
			c.ByKind = append(c.ByKind, KindView{Kind: k, Label: KindLabel(k), Tally: *t, Support: s})
			lo, hi = math.Min(lo, s), math.Max(hi, s)
		}
		if len(c.ByKind) > 1 {
			c.KindGap = hi - lo
		}
		c.Contested = c.Tally.N >= 2 && (c.Dispersion >= threshold-1e-9 || c.KindGap >= threshold-1e-9)
		if math.IsNaN(c.Support) {
			c.Support = -1
		}
		out = append(out, c)
	}
	return out
}

// PairAgreement is how often two organisations see the findings alike: the
// mean of 1 − |score a − score b| over the findings both took position on.
type PairAgreement struct {
	OrgA      int64   `json:"org_a"`
	OrgB      int64   `json:"org_b"`
	Findings  int     `json:"findings"`
	Agreement float64 `json:"agreement"` // 0..1
}

// Pairs computes the agreement between every pair of participants that took
// position on at least one common finding, ordered by agreement (lowest
// first: the pairs to bring together), then by organisation ids.
func Pairs(d *domain.Diagnostic, positions []domain.Position) []PairAgreement {
	kinds := KindsOf(d)
	score := map[int64]map[int64]float64{} // org → finding → score
	for _, p := range Current(positions) {
		if _, ok := kinds[p.OrgID]; !ok {
			continue
		}
		if score[p.OrgID] == nil {
			score[p.OrgID] = map[int64]float64{}
		}
		score[p.OrgID][p.FindingID] = Score(p.Stance)
	}
	orgs := make([]int64, 0, len(score))
	for o := range score {
		orgs = append(orgs, o)
	}
	sort.Slice(orgs, func(i, j int) bool { return orgs[i] < orgs[j] })
	var out []PairAgreement
	for i, a := range orgs {
		for _, b := range orgs[i+1:] {
			n, sum := 0, 0.0
			for f, sa := range score[a] {
				if sb, ok := score[b][f]; ok {
					n++
					sum += 1 - math.Abs(sa-sb)
				}
			}
			if n > 0 {
				out = append(out, PairAgreement{OrgA: a, OrgB: b, Findings: n, Agreement: sum / float64(n)})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Agreement < out[j].Agreement })
	return out
}

// RankedPriority is a priority with its points and their spread.
type RankedPriority struct {
	Rank       int            `json:"rank"`
	Key        string         `json:"key"`
	Title      string         `json:"title"`
	Points     int            `json:"points"`
	Share      float64        `json:"share"`      // of all points given
	Supporters int            `json:"supporters"` // organisations giving it at least one point
	Voters     int            `json:"voters"`
	Mean       float64        `json:"mean"` // points per voter (zeros included)
	Min        int            `json:"min"`
	Max        int            `json:"max"`
	StdDev     float64        `json:"std_dev"` // population standard deviation over voters
	ByKind     map[string]int `json:"by_kind"` // points by kind of actors
}

// Rank ranks the candidate priorities of a restitution by total points;
// ties go to the priority with more supporters (broader agreement), and
// priorities tied on both share a rank (1, 1, 3). Votes of organisations
// that are not participants are ignored.
func Rank(d *domain.Diagnostic, r *domain.Restitution, votes []domain.PriorityVote) []RankedPriority {
	kinds := KindsOf(d)
	var valid []domain.PriorityVote
	for _, v := range votes {
		if _, ok := kinds[v.OrgID]; ok && v.RestitutionID == r.ID {
			valid = append(valid, v)
		}
	}
	total := 0
	for _, v := range valid {
		for _, n := range v.Points {
			total += n
		}
	}
	out := make([]RankedPriority, 0, len(r.Priorities))
	for _, p := range r.Priorities {
		rp := RankedPriority{Key: p.Key, Title: p.Title, Voters: len(valid), ByKind: map[string]int{}}
		if len(valid) > 0 {
			rp.Min = math.MaxInt
		}
		for _, v := range valid {
			n := v.Points[p.Key]
			rp.Points += n
			if n > 0 {
				rp.Supporters++
				rp.ByKind[kinds[v.OrgID]] += n
			}
			rp.Min, rp.Max = min(rp.Min, n), max(rp.Max, n)
		}
		if len(valid) > 0 {
			rp.Mean = float64(rp.Points) / float64(len(valid))
			ss := 0.0
			for _, v := range valid {
				dv := float64(v.Points[p.Key]) - rp.Mean
				ss += dv * dv
			}
			rp.StdDev = math.Sqrt(ss / float64(len(valid)))
		}
		if total > 0 {
			rp.Share = float64(rp.Points) / float64(total)
		}
		out = append(out, rp)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Points != out[j].Points {
			return out[i].Points > out[j].Points
		}
		return out[i].Supporters > out[j].Supporters
	})
	for i := range out {
		if i > 0 && out[i].Points == out[i-1].Points && out[i].Supporters == out[i-1].Supporters {
			out[i].Rank = out[i-1].Rank
		} else {
			out[i].Rank = i + 1
		}
	}
	return out
}
