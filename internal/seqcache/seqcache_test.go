package seqcache

import "testing"

// TestCacheIsTheMap: whatever the order of the passes (same order, a key
// missing, keys shuffled, a new key), a hit always returns the value the
// caller recorded for that very key.
func TestCacheIsTheMap(t *testing.T) {
	truth := map[string]int{"18001": 1, "18002": 2, "18003": 3, "2A004": 4, "75056": 5}
	var c Cache[int]
	lookup := func(k string) int {
		if v, ok := c.Get(k); ok {
			return v
		}
		v := truth[k]
		c.Add(k, v)
		return v
	}
	passes := [][]string{
		{"18001", "18002", "18003", "2A004"},          // first pass, recorded
		{"18001", "18002", "18003", "2A004"},          // same order: all hits
		{"18001", "18003", "2A004"},                   // a key missing
		{"2A004", "18002", "18001", "75056", "18003"}, // shuffled, and a key never recorded
	}
	for i, p := range passes {
		for _, k := range p {
			if got := lookup(k); got != truth[k] {
				t.Fatalf("pass %d: %s = %d, want %d", i, k, got, truth[k])
			}
		}
	}
	if len(c.keys) != 4 {
		t.Errorf("recorded %d keys, want the first pass's 4", len(c.keys))
	}
	c.pos = 0
	if _, ok := c.Get("18001"); !ok {
		t.Error("the first key of a new pass is not a hit")
	}
}
