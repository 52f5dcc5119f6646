package postgres

import (
	"context"
	"iter"
	"slices"
	"strings"

	"maillage/internal/domain"
	"maillage/internal/store/sqldb"
)

// bulk overrides PutIndicatorValues with a streamed COPY.
type bulk struct {
	*sqldb.Bulk
	valuesCopied bool
}

// Commit commits, then refreshes the planner statistics of the bulk-loaded
// tables (sampled: about a second for 10 million values), so that the first
// queries after an import plan on real sizes instead of waiting for
// autovacuum.
func (b *bulk) Commit() error {
	l := b.L.(*loader)
	if b.valuesCopied {
		l.tables["indicator_values"] = true
	}
	if l.tables["indicator_values"] {
		// Written at commit by the shared code; the population lookups
		// plan on it.
		l.tables["indicator_years"] = true
	}
	if err := b.Bulk.Commit(); err != nil {
		return err
	}
	var tables []string
	for t := range l.tables {
		tables = append(tables, t)
	}
	if len(tables) == 0 {
		return nil
	}
	slices.Sort(tables)
	// VACUUM (not only ANALYZE): freshly loaded pages are not yet marked
	// all-visible, so index-only scans would still visit the heap until
	// autovacuum passes; it cannot run inside the bulk transaction.
	_, err := b.S.W.Exec("VACUUM (ANALYZE) " + strings.Join(tables, ", "))
	return err
}

// copyBatch is how many values travel together from the caller's iterator
// to the COPY goroutine.
const copyBatch = 8192

// PutIndicatorValues streams values into indicator_values with one COPY
// when the table was empty at the start of the transaction (a first
// national load: 10 million values in one pass, no staging, no upsert).
// Repeated keys cannot go through COPY (the key is unique), so a per
// indicator-year bitset over territories spots them and they are applied
// afterwards as upserts, last value winning as in the general path.
// Otherwise it falls back to the chunked staging upsert.
func (b *bulk) PutIndicatorValues(ctx context.Context, values iter.Seq[domain.IndicatorValue]) (int, error) {
	if !b.Empty("indicator_values") {
		return b.Bulk.PutIndicatorValues(ctx, values)
	}
	b.Touch("indicator_values")
	b.valuesCopied = true
	l := b.L.(*loader)
	batches := make(chan []any, 4)
	free := make(chan []any, 6)
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		src := &chanSource{in: batches, free: free}
		err := l.copyFrom(ctx, "indicator_values", []string{"indicator", "year", "territory", "value"}, src)
		if err != nil {
			cancel()
			for range batches { // let the producer finish
			}
		}
		done <- err
	}()
	seen := newKeySet()
	var dups []domain.IndicatorValue
	n := 0
	var perr error
	buf := make([]any, 0, copyBatch*4)
	var lastInd string
	var lastYear int
	var indBox, yearBox any
	for v := range values {
		if err := b.CheckValue(ctx, &v); err != nil {
			perr = err
			break
		}
		n++
		if !seen.add(v) {
			dups = append(dups, v)
			continue
		}
		// Consecutive values share the boxed indicator and year.
		if v.Indicator != lastInd || v.Year != lastYear || indBox == nil {
			lastInd, lastYear = v.Indicator, v.Year
			indBox, yearBox = v.Indicator, any(v.Year)
		}
		buf = append(buf, indBox, yearBox, v.Territory, v.Value)
		if len(buf) == cap(buf) {
			select {
			case batches <- buf:
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				break
			}
			select {
			case buf = <-free:
				buf = buf[:0]
			default:
				buf = make([]any, 0, copyBatch*4)
			}
		}
	}
	if perr == nil && len(buf) > 0 && ctx.Err() == nil {
		batches <- buf
	}
	close(batches)
	err := <-done
	if perr != nil {
		return n, perr
	}
	if err != nil {
		return n, err
	}
	if len(dups) > 0 {
		args := make([]any, 0, len(dups)*4)
		for _, v := range dups {
			args = append(args, v.Indicator, v.Year, v.Territory, v.Value)
		}
		// One statement may not touch a row twice: apply in rounds.
		for len(args) > 0 {
			round, rest, keys := []any{}, []any{}, map[[3]any]bool{}
			for i := 0; i < len(args); i += 4 {
				k := [3]any{args[i], args[i+1], args[i+2]}
				if keys[k] {
					rest = append(rest, args[i:i+4]...)
					continue
				}
				keys[k] = true
				round = append(round, args[i:i+4]...)
			}
			if err := l.insert(ctx, b.ValueSpec(false), round); err != nil {
				return n, err
			}
			args = rest
		}
	}
	return n, nil
}

// chanSource feeds CopyFrom from batches of flattened values.
type chanSource struct {
	in   <-chan []any
	free chan<- []any
	cur  []any
	i    int
}

func (s *chanSource) Next() bool {
	s.i += 4
	for s.i >= len(s.cur) {
		if s.cur != nil {
			select {
			case s.free <- s.cur:
			default:
			}
		}
		b, ok := <-s.in
		if !ok {
			return false
		}
		s.cur, s.i = b, 0
	}
	return true
}

func (s *chanSource) Values() ([]any, error) { return s.cur[s.i : s.i+4], nil }
func (s *chanSource) Err() error             { return nil }

// keySet remembers which (indicator, year, territory) keys were sent: a
// bitset over territories per indicator and year (about 4.5 KB each for
// 36,000 territories), instead of a map of 10 million keys.
type keySet struct {
	terr map[string]int
	bits map[indYear][]uint64
	// Values come grouped by indicator and year, territories in the same
	// order in each group: the last group's bitset and the territories'
	// order spare the two map lookups per value.
	last    indYear
	lastBS  []uint64
	order   []string
	orderT  []int
	pos     int
	ordered bool // order holds a whole first group
}

type indYear struct {
	ind  string
	year int
}

func newKeySet() *keySet { return &keySet{terr: map[string]int{}, bits: map[indYear][]uint64{}} }

// add records v's key and reports whether it was new.
func (k *keySet) add(v domain.IndicatorValue) bool {
	var t int
	switch {
	case k.pos < len(k.order) && k.order[k.pos] == v.Territory:
		t = k.orderT[k.pos]
		k.pos++
	case len(k.order) > 0 && k.order[0] == v.Territory:
		t, k.pos, k.ordered = k.orderT[0], 1, true
	default:
		var ok bool
		t, ok = k.terr[v.Territory]
		if !ok {
			t = len(k.terr)
			k.terr[v.Territory] = t
		}
		if !k.ordered && k.pos == len(k.order) && len(k.order) < 1<<17 {
			k.order = append(k.order, v.Territory)
			k.orderT = append(k.orderT, t)
			k.pos++
		}
	}
	key := indYear{v.Indicator, v.Year}
	var bs []uint64
	if k.lastBS != nil && key == k.last {
		bs = k.lastBS
	} else {
		bs = k.bits[key]
	}
	if w := t / 64; w >= len(bs) {
		bs = append(bs, make([]uint64, w+1-len(bs)+len(bs)/2)...)
		k.bits[key] = bs
	}
	k.last, k.lastBS = key, bs
	w, m := t/64, uint64(1)<<(t%64)
	if bs[w]&m != 0 {
		return false
	}
	bs[w] |= m
	return true
}
