package auth

import (
	"context"
	"sync"
	"time"

	"maillage/internal/domain"
)

// ThrottlePolicy slows and then locks failed logins for one key (an account
// or an address).
type ThrottlePolicy struct {
	Free      int           // failures answered without delay
	BaseDelay time.Duration // delay after the first non-free failure, doubled at each one
	MaxDelay  time.Duration
	LockAfter int           // failures that lock the key
	LockFor   time.Duration // how long a lock lasts
	Window    time.Duration // failures older than this are forgotten
}

// AccountThrottle applies per email address (known or not, so that the
// answer never tells whether an account exists).
var AccountThrottle = ThrottlePolicy{Free: 3, BaseDelay: 500 * time.Millisecond, MaxDelay: 4 * time.Second, LockAfter: 10, LockFor: 15 * time.Minute, Window: time.Hour}

// AddressThrottle applies per client address (an office behind one NAT
// shares it, hence the higher limits).
var AddressThrottle = ThrottlePolicy{Free: 10, BaseDelay: 500 * time.Millisecond, MaxDelay: 4 * time.Second, LockAfter: 50, LockFor: 15 * time.Minute, Window: time.Hour}

// Delay is how long to wait before answering an attempt on a key with this
// state (the failures so far).
func (tp ThrottlePolicy) Delay(a domain.LoginAttempts, now time.Time) time.Duration {
	n := tp.live(a, now)
	if n < tp.Free {
		return 0
	}
	d := tp.BaseDelay
	for i := tp.Free; i < n && d < tp.MaxDelay; i++ {
		d *= 2
	}
	return min(d, tp.MaxDelay)
}

// Locked reports whether the key is locked at now.
func (tp ThrottlePolicy) Locked(a domain.LoginAttempts, now time.Time) bool {
	return now.Before(a.LockedUntil)
}

// Fail returns the state after one more failure at now.
func (tp ThrottlePolicy) Fail(a domain.LoginAttempts, now time.Time) domain.LoginAttempts {
	a.Failures = tp.live(a, now) + 1
	a.LastFailure = now
	if a.Failures >= tp.LockAfter {
		a.LockedUntil = now.Add(tp.LockFor)
		a.Failures = tp.Free // after the lock, attempts are slowed at once
	}
	return a
}

func (tp ThrottlePolicy) live(a domain.LoginAttempts, now time.Time) int {
	if a.Failures > 0 && now.Sub(a.LastFailure) > tp.Window {
		return 0
	}
	return a.Failures
}

// AttemptStore keeps throttling state (domain.AccountStore implements it in
// the database, so every server of a PostgreSQL deployment shares it).
type AttemptStore interface {
	LoginAttempts(ctx context.Context, key string) (domain.LoginAttempts, error)
	PutLoginAttempts(ctx context.Context, a domain.LoginAttempts) error
	ResetLoginAttempts(ctx context.Context, key string) error
}

// Throttle combines the per-account and per-address policies.
type Throttle struct {
	Store   AttemptStore
	Account ThrottlePolicy
	Address ThrottlePolicy
	Now     func() time.Time
	Sleep   func(context.Context, time.Duration) // replaced in tests
	mu      sync.Mutex                           // serialises read-modify-write in this process
}

// NewThrottle returns a throttle with the default policies.
func NewThrottle(s AttemptStore) *Throttle {
	return &Throttle{Store: s, Account: AccountThrottle, Address: AddressThrottle, Now: time.Now, Sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// Keys for the throttle.
func accountKey(email string) string { return "account:" + domain.NormalizeEmail(email) }
func addrKey(addr string) string     { return "address:" + addr }

// ErrLocked is returned by Before when the account or the address is locked.
var ErrLocked = domain.Errorf(domain.EFORBIDDEN, "Trop de tentatives de connexion : réessayez dans quelques minutes.")

// Before is called before checking a password: it waits the delay due and
// returns ErrLocked when the account or the address is locked.
func (t *Throttle) Before(ctx context.Context, email, addr string) error {
	now := t.Now()
	acc, err := t.Store.LoginAttempts(ctx, accountKey(email))
	if err != nil {
		return err
	}
	adr, err := t.Store.LoginAttempts(ctx, addrKey(addr))
	if err != nil {
		return err
	}
	if t.Account.Locked(acc, now) || t.Address.Locked(adr, now) {
		return ErrLocked
	}
	t.Sleep(ctx, max(t.Account.Delay(acc, now), t.Address.Delay(adr, now)))
	return ctx.Err()
}

// Failed records a failed login for the account and the address.
func (t *Throttle) Failed(ctx context.Context, email, addr string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	for _, k := range []struct {
		key string
		tp  ThrottlePolicy
	}{{accountKey(email), t.Account}, {addrKey(addr), t.Address}} {
		a, err := t.Store.LoginAttempts(ctx, k.key)
		if err != nil {
			return err
		}
		a.Key = k.key
		if err := t.Store.PutLoginAttempts(ctx, k.tp.Fail(a, now)); err != nil {
			return err
		}
	}
	return nil
}

// Succeeded forgets the account's failures (not the address's: a valid
// account must not let an attacker reset the counter of its address).
func (t *Throttle) Succeeded(ctx context.Context, email string) error {
	return t.Store.ResetLoginAttempts(ctx, accountKey(email))
}

// MemoryAttempts is an in-memory AttemptStore (tests, single server).
type MemoryAttempts struct {
	mu sync.Mutex
	m  map[string]domain.LoginAttempts
}

func (m *MemoryAttempts) LoginAttempts(_ context.Context, key string) (domain.LoginAttempts, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.m[key]
	if !ok {
		a.Key = key
	}
	return a, nil
}

func (m *MemoryAttempts) PutLoginAttempts(_ context.Context, a domain.LoginAttempts) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]domain.LoginAttempts{}
	}
	m.m[a.Key] = a
	return nil
}

func (m *MemoryAttempts) ResetLoginAttempts(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, key)
	return nil
}
