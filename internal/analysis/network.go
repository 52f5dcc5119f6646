package analysis

import (
	"fmt"
	"sort"
)

// Edge kinds.
const (
	EdgeCoFunding      = "cofinancement"     // two funders of the same action
	EdgeFunderOperator = "financeur_porteur" // a funder and the action's operator
	EdgeBody           = "instance"          // shared governance body (Snapshot.Ties)
	EdgeFieldwork      = "terrain"           // shared fieldwork (Snapshot.Ties)
)

// exactBetweennessMax is the largest network whose betweenness is computed
// exactly (Brandes, all sources); beyond it, betweennessPivots sources
// spread evenly over the nodes estimate it.
const (
	exactBetweennessMax = 3000
	betweennessPivots   = 64
)

type edgeAcc struct {
	w     float64
	kinds uint8
}

var edgeKinds = []string{EdgeCoFunding, EdgeFunderOperator, EdgeBody, EdgeFieldwork}

func kindBit(k string) uint8 {
	for i, x := range edgeKinds {
		if x == k {
			return 1 << uint(i)
		}
	}
	return 0
}

// network builds the partnership network of the scope's actions for a year:
// nodes are the operators of the active actions and the funders of the
// year's fundings; an edge joins two funders of the same action
// (cofinancement) and a funder to the action's operator (financeur_porteur),
// weighted by the number of actions; Snapshot.Ties add governance bodies and
// fieldwork.
func (q *scopeReq) network(year int, acts []int32, active []bool, full bool) Network {
	s := q.s
	nodeOf := map[int32]int32{}
	var nodes []int32
	add := func(a int32) int32 {
		if a < 0 {
			return -1
		}
		if n, ok := nodeOf[a]; ok {
			return n
		}
		nodeOf[a] = int32(len(nodes))
		nodes = append(nodes, a)
		return int32(len(nodes) - 1)
	}
	edges := map[uint64]*edgeAcc{}
	link := func(x, y int32, kind string, w float64) {
		if x < 0 || y < 0 || x == y {
			return
		}
		if x > y {
			x, y = y, x
		}
		key := uint64(x)<<32 | uint64(y)
		e := edges[key]
		if e == nil {
			e = &edgeAcc{}
			edges[key] = e
		}
		e.w += w
		e.kinds |= kindBit(kind)
	}
	var fs []int32
	for i, a := range acts {
		fs = fs[:0]
		for k := s.fundOff[a]; k < s.fundOff[a+1]; k++ {
			if int(s.fundYear[k]) != year || s.fundAmount[k] <= 0 {
				continue
			}
			f := s.fundFunder[k]
			dup := false
			for _, g := range fs {
				if g == f {
					dup = true
					break
				}
			}
			if !dup {
				fs = append(fs, f)
			}
		}
		if !active[i] && len(fs) == 0 {
			continue
		}
		op := add(s.ActOperator[a])
		fn := make([]int32, len(fs))
		for t, f := range fs {
			fn[t] = add(f)
		}
		for t := range fn {
			link(fn[t], op, EdgeFunderOperator, 1)
			for u := t + 1; u < len(fn); u++ {
				link(fn[t], fn[u], EdgeCoFunding, 1)
			}
		}
	}
	for _, t := range s.Ties {
		x, okx := nodeOf[t.A]
		y, oky := nodeOf[t.B]
		if okx && oky {
			link(x, y, t.Kind, t.Weight)
		}
	}
	n := len(nodes)
	out := Network{Nodes: n, Edges: len(edges), Isolated: []Node{}, NodeList: []Node{}, EdgeList: []Edge{}}
	if n > 1 {
		out.Density = 2 * float64(len(edges)) / (float64(n) * float64(n-1))
	}
	// Adjacency (CSR).
	deg := make([]int32, n+1)
	ends := func(key uint64) [2]int32 { return [2]int32{int32(key >> 32), int32(key & 0xffffffff)} }
	for key := range edges {
		k := ends(key)
		deg[k[0]]++
		deg[k[1]]++
	}
	off := prefix(deg)
	adj := make([]int32, off[n])
	wdeg := make([]float64, n)
	fill := append([]int32(nil), off...)
	for key, e := range edges {
		k := ends(key)
		adj[fill[k[0]]] = k[1]
		fill[k[0]]++
		adj[fill[k[1]]] = k[0]
		fill[k[1]]++
		wdeg[k[0]] += e.w
		wdeg[k[1]] += e.w
	}
	for v := 0; v < n; v++ {
		nb := adj[off[v]:off[v+1]]
		sort.Slice(nb, func(i, j int) bool { return nb[i] < nb[j] })
	}
	// Components, labelled 1 = largest.
	comp := make([]int32, n)
	for i := range comp {
		comp[i] = -1
	}
	var sizes []int
	queue := make([]int32, 0, n)
	for v := 0; v < n; v++ {
		if comp[v] >= 0 {
			continue
		}
		id := int32(len(sizes))
		comp[v] = id
		queue = append(queue[:0], int32(v))
		for h := 0; h < len(queue); h++ {
			for _, w := range adj[off[queue[h]]:off[queue[h]+1]] {
				if comp[w] < 0 {
					comp[w] = id
					queue = append(queue, w)
				}
			}
		}
		sizes = append(sizes, len(queue))
	}
	out.Components = len(sizes)
	rank := make([]int, len(sizes))
	{
		order := make([]int, len(sizes))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(i, j int) bool { return sizes[order[i]] > sizes[order[j]] })
		for r, c := range order {
			rank[c] = r + 1
		}
		if len(order) > 0 {
			out.LargestComponent = sizes[order[0]]
		}
	}
	var bc []float64
	if full {
		var exact bool
		bc, exact = betweenness(n, off, adj)
		out.Betweenness = "exacte"
		if !exact {
			out.Betweenness = fmt.Sprintf("approchée (%d pivots)", betweennessPivots)
		}
	} else {
		bc = make([]float64, n)
		out.Betweenness = "non calculée"
	}
	all := make([]Node, n)
	for v := 0; v < n; v++ {
		a := nodes[v]
		all[v] = Node{ID: s.ActorID[a], Name: s.ActorName[a], Type: s.ActorType[a], Degree: int(off[v+1] - off[v]),
			WeightedDegree: wdeg[v], Betweenness: bc[v], Component: rank[comp[v]]}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool {
		x, y := all[order[i]], all[order[j]]
		if x.Betweenness != y.Betweenness {
			return x.Betweenness > y.Betweenness
		}
		if x.Degree != y.Degree {
			return x.Degree > y.Degree
		}
		return x.ID < y.ID
	})
	degRank := make([]int, n)
	{
		o2 := append([]int(nil), order...)
		sort.SliceStable(o2, func(i, j int) bool {
			if all[o2[i]].WeightedDegree != all[o2[j]].WeightedDegree {
				return all[o2[i]].WeightedDegree > all[o2[j]].WeightedDegree
			}
			return all[o2[i]].ID < all[o2[j]].ID
		})
		for r, v := range o2 {
			degRank[v] = r + 1
		}
	}
	for r, v := range order {
		nd := all[v]
		if nd.Degree == 0 && len(out.Isolated) < q.p.MaxList {
			out.Isolated = append(out.Isolated, nd)
		}
		if full && len(out.NodeList) < q.p.MaxList {
			out.NodeList = append(out.NodeList, nd)
		}
		if nd.Type == "caf" {
			c := &out.CAF
			if !c.Present {
				c.BetweennessRank = r + 1
				c.DegreeRank = degRank[v]
			}
			if degRank[v] < c.DegreeRank {
				c.DegreeRank = degRank[v]
			}
			c.Present = true
			c.Nodes = append(c.Nodes, nd)
			if sh := float64(sizes[comp[v]]) / float64(n); sh > c.ComponentShare {
				c.ComponentShare = sh
			}
		}
	}
	if out.CAF.Nodes == nil {
		out.CAF.Nodes = []Node{}
	}
	if full {
		type ek struct {
			k [2]int32
			e *edgeAcc
		}
		el := make([]ek, 0, len(edges))
		for key, e := range edges {
			el = append(el, ek{ends(key), e})
		}
		sort.Slice(el, func(i, j int) bool {
			if el[i].e.w != el[j].e.w {
				return el[i].e.w > el[j].e.w
			}
			if el[i].k[0] != el[j].k[0] {
				return s.ActorID[nodes[el[i].k[0]]] < s.ActorID[nodes[el[j].k[0]]]
			}
			return s.ActorID[nodes[el[i].k[1]]] < s.ActorID[nodes[el[j].k[1]]]
		})
		for _, x := range el {
			if len(out.EdgeList) >= q.p.MaxList {
				break
			}
			e := Edge{A: s.ActorID[nodes[x.k[0]]], B: s.ActorID[nodes[x.k[1]]], Weight: x.e.w}
			if e.A > e.B {
				e.A, e.B = e.B, e.A
			}
			for i, k := range edgeKinds {
				if x.e.kinds&(1<<uint(i)) != 0 {
					e.Kinds = append(e.Kinds, k)
				}
			}
			out.EdgeList = append(out.EdgeList, e)
		}
	}
	return out
}

// betweenness computes the normalised betweenness centrality of an
// undirected unweighted graph (Brandes 2001): exact up to
// exactBetweennessMax nodes, else estimated from evenly spread pivots and
// scaled by n/k. Normalised by (n−1)(n−2)/2.
func betweenness(n int, off, adj []int32) ([]float64, bool) {
	bc := make([]float64, n)
	if n < 3 {
		return bc, true
	}
	sources := make([]int32, 0, n)
	exact := n <= exactBetweennessMax
	if exact {
		for v := 0; v < n; v++ {
			sources = append(sources, int32(v))
		}
	} else {
		for k := 0; k < betweennessPivots; k++ {
			sources = append(sources, int32(k*n/betweennessPivots))
		}
	}
	sigma := make([]float64, n)
	dist := make([]int32, n)
	delta := make([]float64, n)
	stack := make([]int32, 0, n)
	queue := make([]int32, 0, n)
	for _, src := range sources {
		for i := range dist {
			dist[i] = -1
			sigma[i] = 0
			delta[i] = 0
		}
		stack = stack[:0]
		queue = append(queue[:0], src)
		dist[src], sigma[src] = 0, 1
		for h := 0; h < len(queue); h++ {
			v := queue[h]
			stack = append(stack, v)
			for _, w := range adj[off[v]:off[v+1]] {
				if dist[w] < 0 {
					dist[w] = dist[v] + 1
					queue = append(queue, w)
				}
				if dist[w] == dist[v]+1 {
					sigma[w] += sigma[v]
				}
			}
		}
		for k := len(stack) - 1; k >= 0; k-- {
			w := stack[k]
			for _, v := range adj[off[w]:off[w+1]] {
				if dist[v] == dist[w]-1 {
					delta[v] += sigma[v] / sigma[w] * (1 + delta[w])
				}
			}
			if w != src {
				bc[w] += delta[w]
			}
		}
	}
	scale := 1.0
	if !exact {
		scale = float64(n) / float64(len(sources))
	}
	norm := float64(n-1) * float64(n-2) // undirected: each pair counted twice, /2 and ×2 cancel with (n−1)(n−2)/2
	for i := range bc {
		bc[i] = bc[i] * scale / norm
	}
	return bc, exact
}
