package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Token prefixes say what a token is when someone finds one in a log or a
// script (and let secret scanners recognise them).
const (
	PrefixSession    = ""
	PrefixInvitation = "inv_"
	PrefixAPIToken   = "mlg_"
)

// NewToken returns a random token (32 bytes from crypto/rand, base64url,
// with prefix) and its SHA-256 hash in hex, which is what the database keeps.
// The token itself is shown once and never stored.
func NewToken(prefix string) (token, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken returns the hex SHA-256 of a token. Tokens carry 256 bits of
// entropy, so an unsalted fast hash is enough: the database never holds a
// usable credential, and lookups stay an index probe.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// WellFormed reports whether s could be a token made by NewToken with prefix
// (checked before any database lookup, so junk never reaches a query).
func WellFormed(s, prefix string) bool {
	if !strings.HasPrefix(s, prefix) {
		return false
	}
	body := s[len(prefix):]
	if len(body) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(body)
	return err == nil
}

// Equal compares two secrets in constant time.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
