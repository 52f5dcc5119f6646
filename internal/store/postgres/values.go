package postgres

import (
	"context"
	"iter"
	"slices"
	"strings"

	"maillage/internal/domain"
	"maillage/internal/seqcache"
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

// PutIndicatorValues streams the values of (indicator, year) pairs that have
// none yet straight into indicator_values with COPY: no row can conflict
// (a national load of 10 million values is one pass, no staging, no
// upsert), even when the table already holds other indicators or years,
// such as the populations of the COG. Values of pairs that already have
// some take the staged upsert, in chunks between COPY segments (the
// connection runs one statement at a time). Keys repeated within the
// stream cannot go through COPY (the key is unique): a per indicator-year
// bitset over territories spots them and they are upserted afterwards, the
// last value winning as in the general path.
func (b *bulk) PutIndicatorValues(ctx context.Context, values iter.Seq[domain.IndicatorValue]) (int, error) {
	pairs, err := sqldb.ValuePairs(ctx, b.Tx, b.S.D)
	if err != nil {
		return 0, err
	}
	had := map[sqldb.IndicatorYear]bool{}
	for _, p := range pairs {
		had[p] = true
	}
	b.Touch("indicator_values")
	b.valuesCopied = true
	var cp *copyStream
	endCopy := func() error {
		if cp == nil {
			return nil
		}
		err := cp.close()
		cp = nil
		return err
	}
	defer endCopy()
	seen := newKeySet()
	var dups []domain.IndicatorValue
	staged := make([]domain.IndicatorValue, 0, 1024)
	n := 0
	var lastKey sqldb.IndicatorYear
	var lastHad bool
	var indBox, yearBox any
	for v := range values {
		if err := b.CheckValue(ctx, &v); err != nil {
			return n, err
		}
		n++
		if k := (sqldb.IndicatorYear{Indicator: v.Indicator, Year: v.Year}); k != lastKey || indBox == nil {
			// Consecutive values share the pair: one lookup and one
			// boxed indicator and year per run.
			lastKey, lastHad = k, had[k]
			indBox, yearBox = v.Indicator, any(v.Year)
		}
		if lastHad {
			staged = append(staged, v)
			if len(staged) == sqldb.ValueChunk {
				if err := endCopy(); err != nil {
					return n, err
				}
				if err := b.UpsertValues(ctx, staged); err != nil {
					return n, err
				}
				staged = staged[:0]
			}
			continue
		}
		if !seen.add(v) {
			dups = append(dups, v)
			continue
		}
		if cp == nil {
			cp = b.startCopy(ctx)
		}
		if err := cp.add(indBox, yearBox, v.Territory, v.Value); err != nil {
			return n, err
		}
	}
	if err := endCopy(); err != nil {
		return n, err
	}
	if len(staged) > 0 {
		if err := b.UpsertValues(ctx, staged); err != nil {
			return n, err
		}
	}
	// In stream order, chunk after chunk: the last value of a key wins.
	for len(dups) > 0 {
		part := dups[:min(len(dups), sqldb.ValueChunk)]
		if err := b.UpsertValues(ctx, part); err != nil {
			return n, err
		}
		dups = dups[len(part):]
	}
	return n, nil
}

// copyStream is one COPY into indicator_values fed by a goroutine, so that
// reading and checking the next values overlaps with sending these.
type copyStream struct {
	batches chan []any
	free    chan []any
	done    chan error
	buf     []any
	ctx     context.Context
	cancel  context.CancelFunc
}

func (b *bulk) startCopy(parent context.Context) *copyStream {
	l := b.L.(*loader)
	ctx, cancel := context.WithCancel(parent)
	c := &copyStream{batches: make(chan []any, 4), free: make(chan []any, 6), done: make(chan error, 1),
		buf: make([]any, 0, copyBatch*4), ctx: ctx, cancel: cancel}
	src := &chanSource{in: c.batches, free: c.free}
	go func() {
		err := l.copyFrom(ctx, "indicator_values", []string{"indicator", "year", "territory", "value"}, src)
		if err != nil {
			cancel()
			for range src.in { // let the producer finish
			}
		}
		c.done <- err
	}()
	return c
}

// add queues one row; it fails once the COPY has failed.
func (c *copyStream) add(ind, year any, territory string, value float64) error {
	c.buf = append(c.buf, ind, year, territory, value)
	if len(c.buf) < cap(c.buf) {
		return nil
	}
	select {
	case c.batches <- c.buf:
	case <-c.ctx.Done():
		return c.close()
	}
	select {
	case buf := <-c.free:
		c.buf = buf[:0]
	default:
		c.buf = make([]any, 0, copyBatch*4)
	}
	return nil
}

// close sends what is queued, ends the COPY and returns its error.
func (c *copyStream) close() error {
	if c.batches == nil {
		return <-c.done
	}
	if len(c.buf) > 0 && c.ctx.Err() == nil {
		select {
		case c.batches <- c.buf:
		case <-c.ctx.Done():
		}
	}
	close(c.batches)
	c.batches = nil
	err := <-c.done
	if err == nil {
		err = c.ctx.Err() // the caller's context ended during the COPY
	}
	c.done <- err // close may be called again (deferred)
	c.cancel()
	return err
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
	// Values come grouped by indicator and year, territories in the same
	// order in each group: the territories' order and the last group's
	// bitset spare the two map lookups per value.
	order  seqcache.Cache[int]
	bits   map[sqldb.IndicatorYear][]uint64
	last   sqldb.IndicatorYear
	lastBS []uint64
}

func newKeySet() *keySet {
	return &keySet{terr: map[string]int{}, bits: map[sqldb.IndicatorYear][]uint64{}}
}

// add records v's key and reports whether it was new.
func (k *keySet) add(v domain.IndicatorValue) bool {
	t, hit := k.order.Get(v.Territory)
	if !hit {
		var ok bool
		if t, ok = k.terr[v.Territory]; !ok {
			t = len(k.terr)
			k.terr[v.Territory] = t
		}
		k.order.Add(v.Territory, t)
	}
	key := sqldb.IndicatorYear{Indicator: v.Indicator, Year: v.Year}
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
