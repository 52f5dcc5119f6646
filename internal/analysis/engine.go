package analysis

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"maillage/internal/domain"
)

// DefaultCheckInterval is how often the Engine asks the store whether the
// data changed.
const DefaultCheckInterval = 5 * time.Second

// Engine holds the current snapshot of a store and replaces it, in the
// background, when the store's DataVersion moves. Readers never wait: they
// get the current snapshot (atomic pointer) while a new one loads.
type Engine struct {
	store         domain.Store
	CheckInterval time.Duration
	// OnError is told about failed reloads (the previous snapshot stays).
	OnError func(error)

	cur       atomic.Pointer[Snapshot]
	lastCheck atomic.Int64 // unix nanoseconds
	loading   atomic.Bool
	again     atomic.Bool // CatchUp was asked during a check: check once more
	mu        sync.Mutex  // serialises loads
}

// NewEngine loads a first snapshot of st.
func NewEngine(ctx context.Context, st domain.Store) (*Engine, error) {
	e := &Engine{store: st, CheckInterval: DefaultCheckInterval}
	if err := e.Reload(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// Reload loads a snapshot now (synchronously) and makes it current.
func (e *Engine) Reload(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lastCheck.Store(time.Now().UnixNano())
	s, err := Load(ctx, e.store)
	if err != nil {
		return err
	}
	e.cur.Store(s)
	return nil
}

// Snapshot returns the current snapshot. At most every CheckInterval it
// starts a background check of the data version, and a reload if it moved.
func (e *Engine) Snapshot() *Snapshot {
	now := time.Now().UnixNano()
	last := e.lastCheck.Load()
	if time.Duration(now-last) >= e.CheckInterval && e.lastCheck.CompareAndSwap(last, now) && e.loading.CompareAndSwap(false, true) {
		go e.check()
	}
	return e.cur.Load()
}

// CatchUp starts the check of the data version now instead of at the next
// CheckInterval, and the reload if it moved: a writer calls it so that the
// analysis shows its change as soon as a snapshot loads. A check already
// running is followed by another one.
func (e *Engine) CatchUp() {
	e.again.Store(true)
	if e.loading.CompareAndSwap(false, true) {
		go e.check()
	}
}

// check refreshes in the background; loading is held by the caller.
func (e *Engine) check() {
	for {
		e.again.Store(false) // this check reads the version after any earlier CatchUp
		e.lastCheck.Store(time.Now().UnixNano())
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		err := e.refresh(ctx)
		cancel()
		if err != nil && e.OnError != nil {
			e.OnError(err)
		}
		if e.again.Load() {
			continue
		}
		e.loading.Store(false)
		// A CatchUp between the test above and the release found loading
		// still held: take it back for one more check.
		if !e.again.Load() || !e.loading.CompareAndSwap(false, true) {
			return
		}
	}
}

// refresh reloads when the data version differs from the current snapshot's.
func (e *Engine) refresh(ctx context.Context) error {
	v, err := e.store.DataVersion(ctx)
	if err != nil {
		return err
	}
	if s := e.cur.Load(); s != nil && s.DataVersion == v {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if s := e.cur.Load(); s != nil && s.DataVersion == v {
		return nil
	}
	s, err := Load(ctx, e.store)
	if err != nil {
		return err
	}
	e.cur.Store(s)
	return nil
}

// Analyse runs Analyse on the current snapshot.
func (e *Engine) Analyse(p Params) (*Result, error) { return Analyse(e.Snapshot(), p) }

// Explain runs Explain on the current snapshot.
func (e *Engine) Explain(commune, theme string, p Params) (*Explanation, error) {
	return Explain(e.Snapshot(), commune, theme, p)
}
