package analysis

import (
	"encoding/binary"
	"slices"
)

// Zone index for the overlap count. Actions are grouped by zone (the
// communes they serve): every pair of actions drawn from the same two zones
// shares the same population, so the zone test of the overlap definition is
// decided once per pair of zones, not per pair of actions.
//
// Zone ids: [0, ng) the group territories (a zone that is exactly one group),
// [ng, ng+N) the one-commune zones, then the other commune lists (interned by
// content). An action with an empty zone has zone -1 and is never paired.
type zoneIndex struct {
	actZone []int32
	pop     []float64 // per zone
	size    []int32   // communes per zone
	listOff []int32   // members of list zones (id ≥ ng+N)
	list    []int32
	// Qualifying pairs of distinct zones, from the smaller one (zoneLess):
	// adj[adjOff[z]:adjOff[z+1]] are the larger zones z' whose shared part
	// holds at least half of z's population (half of its communes when its
	// population is unknown).
	adjOff []int32
	adj    []zoneEdge
	ident  []int32 // 0..N-1, backing the one-commune member lists
	// proper: every action has start ≤ end (the bulk interval count relies on it).
	proper bool
}

type zoneEdge struct {
	z   int32
	n   int32
	pop float64
}

func (s *Snapshot) zoneMembers(z int32) []int32 {
	zi := s.zones
	ng := int32(len(s.Groups))
	switch {
	case z < ng:
		return s.Groups[z].Members
	case z < ng+int32(s.N):
		c := z - ng
		return zi.ident[c : c+1]
	default:
		k := z - ng - int32(s.N)
		return zi.list[zi.listOff[k]:zi.listOff[k+1]]
	}
}

// zoneLess orders zones by population, then number of communes, then id:
// the smaller zone of a pair is the one whose half is tested.
func (zi *zoneIndex) zoneLess(a, b int32) bool {
	if zi.pop[a] != zi.pop[b] {
		return zi.pop[a] < zi.pop[b]
	}
	if zi.size[a] != zi.size[b] {
		return zi.size[a] < zi.size[b]
	}
	return a < b
}

// zoneQualifies is the zone test of the overlap definition for a smaller
// zone of population pop and size n sharing sp inhabitants and sn communes.
func zoneQualifies(pop float64, n int32, sp float64, sn int32) bool {
	if pop > 0 {
		return sp >= pop/2
	}
	return sn > 0 && 2*sn >= n
}

// buildZones interns the actions' zones and links the zone pairs that pass
// the zone test. Called at the end of Build, while zoneOff/zoneCommune and
// actZoneGroup are set.
func (s *Snapshot) buildZones() {
	ng := int32(len(s.Groups))
	n := int32(s.N)
	na := len(s.ActID)
	zi := &zoneIndex{actZone: make([]int32, na), ident: make([]int32, s.N), proper: true, listOff: []int32{0}}
	s.zones = zi
	for i := range zi.ident {
		zi.ident[i] = int32(i)
	}
	intern := map[string]int32{}
	var key []byte
	nz := ng + n
	for a := 0; a < na; a++ {
		if s.ActStart[a] > s.ActEnd[a] {
			zi.proper = false
		}
		if g := s.actZoneGroup[a]; g >= 0 {
			zi.actZone[a] = g
			continue
		}
		zc := s.zoneCommune[s.zoneOff[a]:s.zoneOff[a+1]]
		switch len(zc) {
		case 0:
			zi.actZone[a] = -1
		case 1:
			zi.actZone[a] = ng + zc[0]
		default:
			key = key[:0]
			for _, c := range zc {
				key = binary.LittleEndian.AppendUint32(key, uint32(c))
			}
			id, ok := intern[string(key)]
			if !ok {
				id = nz
				nz++
				intern[string(key)] = id
				zi.list = append(zi.list, zc...)
				zi.listOff = append(zi.listOff, int32(len(zi.list)))
			}
			zi.actZone[a] = id
		}
	}
	zi.pop = make([]float64, nz)
	zi.size = make([]int32, nz)
	used := make([]bool, nz)
	for _, z := range zi.actZone {
		if z >= 0 {
			used[z] = true
		}
	}
	for z := int32(0); z < nz; z++ {
		m := s.zoneMembers(z)
		zi.size[z] = int32(len(m))
		if z < ng {
			zi.pop[z] = s.groupPop[z]
			continue
		}
		p := 0.0
		for _, c := range m {
			p += s.Pop[c]
		}
		zi.pop[z] = p
	}
	// Commune → used zones.
	cnt := make([]int32, s.N+1)
	for z := int32(0); z < nz; z++ {
		if used[z] {
			for _, c := range s.zoneMembers(z) {
				cnt[c]++
			}
		}
	}
	off := prefix(cnt)
	czone := make([]int32, off[s.N])
	fill := slices.Clone(off)
	for z := int32(0); z < nz; z++ {
		if used[z] {
			for _, c := range s.zoneMembers(z) {
				czone[fill[c]] = z
				fill[c]++
			}
		}
	}
	// Zone pairs: a qualifying shared part holds more than nothing of the
	// smaller zone's core (its most populated communes holding more than
	// half of its population; every commune when the population is unknown).
	mark := make([]int32, nz)
	zi.adjOff = make([]int32, nz+1)
	for z := int32(0); z < nz; z++ {
		if used[z] {
			mz := s.zoneMembers(z)
			var core []int32
			if z < ng {
				core = s.groupCore[s.groupCoreOff[z]:s.groupCoreOff[z+1]]
			} else {
				core = s.coreOf(mz, zi.pop[z])
			}
			for _, c := range core {
				for _, z2 := range czone[off[c]:off[c+1]] {
					if z2 == z || mark[z2] == z+1 || !zi.zoneLess(z, z2) {
						continue
					}
					mark[z2] = z + 1
					sp, sn := s.intersect(mz, s.zoneMembers(z2))
					if zoneQualifies(zi.pop[z], zi.size[z], sp, int32(sn)) {
						zi.adj = append(zi.adj, zoneEdge{z: z2, n: int32(sn), pop: sp})
					}
				}
			}
		}
		zi.adjOff[z+1] = int32(len(zi.adj))
	}
}

// intersect returns the population and number of communes of two sorted
// commune lists' intersection.
func (s *Snapshot) intersect(x, y []int32) (float64, int) {
	if len(x) > len(y) {
		x, y = y, x
	}
	pop, n := 0.0, 0
	if len(x)*8 < len(y) {
		for _, c := range x {
			if _, ok := slices.BinarySearch(y, c); ok {
				pop += s.Pop[c]
				n++
			}
		}
		return pop, n
	}
	for i, j := 0, 0; i < len(x) && j < len(y); {
		switch {
		case x[i] < y[j]:
			i++
		case x[i] > y[j]:
			j++
		default:
			pop += s.Pop[x[i]]
			n++
			i++
			j++
		}
	}
	return pop, n
}
