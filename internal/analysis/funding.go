package analysis

import (
	"math"
	"sort"
)

// funding sums the year's fundings of the scope's actions, each spread over
// its zone like its capacity and restricted to the scope (amount × share).
func (q *scopeReq) funding(year int, acts []int32, share []float64, full bool) FundingSummary {
	s := q.s
	out := FundingSummary{Year: year}
	byF := map[int32]float64{}
	type fa struct {
		f   int32
		amt float64
	}
	var per []fa
	for i, a := range acts {
		sh := share[i]
		if sh <= 0 {
			continue
		}
		per = per[:0]
		for k := s.fundOff[a]; k < s.fundOff[a+1]; k++ {
			if int(s.fundYear[k]) != year || s.fundAmount[k] <= 0 {
				continue
			}
			f := s.fundFunder[k]
			found := false
			for t := range per {
				if per[t].f == f {
					per[t].amt += s.fundAmount[k]
					found = true
					break
				}
			}
			if !found {
				per = append(per, fa{f, s.fundAmount[k]})
			}
		}
		if len(per) == 0 {
			continue
		}
		out.FundedActions++
		for _, p := range per {
			byF[p.f] += p.amt * sh
		}
		if len(per) == 1 {
			out.SingleFunderTotal++
			if full && len(out.SingleFunderActions) < q.p.MaxList {
				out.SingleFunderActions = append(out.SingleFunderActions, SingleFunded{ActionRef: s.actionRef(a),
					FunderID: s.ActorID[per[0].f], FunderName: s.ActorName[per[0].f], Amount: per[0].amt * sh})
			}
		}
	}
	byType := map[string]float64{}
	funders := make([]int32, 0, len(byF))
	for f, amt := range byF {
		funders = append(funders, f)
		out.Total += amt
		byType[s.ActorType[f]] += amt
		if s.ActorType[f] == "caf" {
			out.CAF += amt
		}
	}
	out.Funders = len(funders)
	sort.Slice(funders, func(i, j int) bool {
		if byF[funders[i]] != byF[funders[j]] {
			return byF[funders[i]] > byF[funders[j]]
		}
		return s.ActorID[funders[i]] < s.ActorID[funders[j]]
	})
	if out.Total > 0 {
		out.CAFShare = out.CAF / out.Total
		for _, f := range funders {
			sf := byF[f] / out.Total
			out.HHI += sf * sf
		}
		if out.CAF > 0 {
			r := (out.Total - out.CAF) / out.CAF
			out.PartnerPerCAFEuro = &r
		}
	}
	out.ByFunder = []FunderShare{}
	for _, f := range funders {
		if len(out.ByFunder) >= q.p.MaxList {
			break
		}
		out.ByFunder = append(out.ByFunder, FunderShare{ID: s.ActorID[f], Name: s.ActorName[f], Type: s.ActorType[f],
			Amount: byF[f], Share: safeDiv(byF[f], out.Total)})
	}
	out.ByFunderType = []TypeShare{}
	for t, amt := range byType {
		label := t
		if e, ok := s.Ref.Get("actor_type", t); ok {
			label = e.Label
		}
		out.ByFunderType = append(out.ByFunderType, TypeShare{Type: t, Label: label, Amount: amt, Share: safeDiv(amt, out.Total)})
	}
	sort.Slice(out.ByFunderType, func(i, j int) bool {
		if out.ByFunderType[i].Amount != out.ByFunderType[j].Amount {
			return out.ByFunderType[i].Amount > out.ByFunderType[j].Amount
		}
		return out.ByFunderType[i].Type < out.ByFunderType[j].Type
	})
	if out.SingleFunderActions == nil {
		out.SingleFunderActions = []SingleFunded{}
	}
	return out
}

func safeDiv(a, b float64) float64 {
	if b == 0 || math.IsNaN(b) {
		return 0
	}
	return a / b
}

func (s *Snapshot) actionRef(a int32) ActionRef {
	r := ActionRef{ID: s.ActID[a], Title: s.ActTitle[a]}
	if o := s.ActOperator[a]; o >= 0 {
		r.OperatorID, r.OperatorName = s.ActorID[o], s.ActorName[o]
	}
	return r
}
