package importer

import "strings"

// seqCache answers lookups of keys that come back in the same order pass
// after pass, as the communes of a long indicator file do (one pass per
// indicator and year), with one string comparison instead of a map lookup.
// It remembers the first pass; a key is a hit only when it equals the
// remembered one, so a result is always the map's, whatever the order.
type seqCache[V any] struct {
	keys []string
	vals []V
	pos  int
	done bool // the first pass is over: stop recording
}

const seqCacheMax = 1 << 17

func (c *seqCache[V]) get(k string) (V, bool) {
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

// add records the result of a missed lookup while the first pass lasts.
func (c *seqCache[V]) add(k string, v V) {
	if c.done || c.pos != len(c.keys) || len(c.keys) >= seqCacheMax {
		return
	}
	c.keys = append(c.keys, strings.Clone(k))
	c.vals = append(c.vals, v)
	c.pos++
}
