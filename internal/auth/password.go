// Package auth holds Maillage's accounts rules: password hashing, the access
// policy, visibility, random tokens, login throttling, sessions, invitations,
// API tokens, the audit log and the HTTP middleware that enforces them.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters.
type Argon2Params struct {
	Time    uint32 // iterations
	Memory  uint32 // KiB
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultArgon2 is the production setting: RFC 9106's second recommended
// option scaled down to a small server, t=2, m=19 MiB, p=1 (the OWASP
// minimum for argon2id), ~22 ms per hash on this 2-core machine. Raise Memory
// on a bigger server; existing hashes keep verifying with the parameters
// written in their PHC string, and are rehashed at the next login.
var DefaultArgon2 = Argon2Params{Time: 2, Memory: 19 * 1024, Threads: 1, SaltLen: 16, KeyLen: 32}

// TestArgon2 is a light setting for tests (never for production).
var TestArgon2 = Argon2Params{Time: 1, Memory: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

// Argon2 is the setting used to hash new passwords. Tests set it to TestArgon2.
var Argon2 = DefaultArgon2

// MinPasswordLength is the shortest password accepted (ANSSI recommends long
// passphrases over complexity rules).
const MinPasswordLength = 12

// MaxPasswordLength bounds the work an attacker can make us do.
const MaxPasswordLength = 1024

var b64 = base64.RawStdEncoding

// CheckPasswordStrength returns a French message when pw is not acceptable.
func CheckPasswordStrength(pw string) error {
	n := len([]rune(pw))
	switch {
	case n < MinPasswordLength:
		return fmt.Errorf("le mot de passe doit compter au moins %d caractères", MinPasswordLength)
	case len(pw) > MaxPasswordLength:
		return fmt.Errorf("le mot de passe ne doit pas dépasser %d octets", MaxPasswordLength)
	}
	return nil
}

// HashPassword hashes pw with argon2id and returns a PHC string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
func HashPassword(pw string) (string, error) {
	return hashWith(Argon2, pw)
}

func hashWith(p Argon2Params, pw string) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// ErrBadHash is returned for a stored hash that is not an argon2id PHC string.
var ErrBadHash = errors.New("auth: malformed password hash")

func parsePHC(h string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, ErrBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, ErrBadHash
	}
	if p.Time == 0 || p.Threads == 0 || p.Memory < 8*uint32(p.Threads) || p.Memory > 4*1024*1024 || p.Time > 100 {
		return p, nil, nil, ErrBadHash
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, ErrBadHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, ErrBadHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// VerifyPassword reports whether pw matches the PHC string h, comparing in
// constant time. An empty h (an account without a password yet) never
// matches, but costs the same time as a real check (see DummyVerify).
func VerifyPassword(h, pw string) bool {
	if h == "" || len(pw) > MaxPasswordLength {
		DummyVerify(pw)
		return false
	}
	p, salt, key, err := parsePHC(h)
	if err != nil {
		DummyVerify(pw)
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1
}

// NeedsRehash reports whether h was made with other parameters than Argon2.
func NeedsRehash(h string) bool {
	p, _, _, err := parsePHC(h)
	return err != nil || p.Time != Argon2.Time || p.Memory != Argon2.Memory || p.Threads != Argon2.Threads || p.KeyLen != Argon2.KeyLen
}

// DummyVerify spends the time of one password check, so that a login for an
// unknown email takes as long as one for a known email (no enumeration by
// timing).
func DummyVerify(pw string) {
	if len(pw) > MaxPasswordLength {
		pw = pw[:MaxPasswordLength]
	}
	var salt [16]byte
	_ = argon2.IDKey([]byte(pw), salt[:], Argon2.Time, Argon2.Memory, Argon2.Threads, Argon2.KeyLen)
}
