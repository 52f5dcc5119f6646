// Package seqcache answers lookups of keys that come back in the same order
// pass after pass — the communes of a long indicator file, one pass per
// indicator and year — with one string comparison instead of a map lookup.
// The importer, the store's checks and the PostgreSQL bulk load use it on
// every one of ten million values.
package seqcache

import "strings"

// Cache remembers the keys of the first pass and their values. A key is a
// hit only when it equals the remembered one at the expected position, so
// a result is always the caller's own, whatever the order; on a miss the
// caller looks the key up and, during the first pass, Adds it.
type Cache[V any] struct {
	keys []string
	vals []V
	pos  int
	done bool // the first pass is over: stop recording
}

// Max is how many keys the first pass records at most.
const Max = 1 << 17

// Get returns the value of k when it is the next key of the pass (or the
// one after: a key missing from this pass), or the first (a new pass).
func (c *Cache[V]) Get(k string) (V, bool) {
	switch {
	case c.pos < len(c.keys) && c.keys[c.pos] == k:
		c.pos++
		return c.vals[c.pos-1], true
	case c.pos+1 < len(c.keys) && c.keys[c.pos+1] == k: // one key missing from this pass
		c.pos += 2
		return c.vals[c.pos-1], true
	case len(c.keys) > 0 && c.keys[0] == k: // a new pass
		c.done, c.pos = true, 1
		return c.vals[0], true
	}
	var zero V
	return zero, false
}

// Add records the result of a missed lookup while the first pass lasts.
func (c *Cache[V]) Add(k string, v V) {
	if c.done || c.pos != len(c.keys) || len(c.keys) >= Max {
		return
	}
	c.keys = append(c.keys, strings.Clone(k))
	c.vals = append(c.vals, v)
	c.pos++
}
