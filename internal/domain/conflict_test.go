package domain

import (
	"strings"
	"testing"
)

// The conflict message agrees with feminine and masculine kinds alike.
func TestConflictWording(t *testing.T) {
	for kind, want := range map[string]string{
		"L'action":     "L'action 6 a changé entre-temps",
		"Le périmètre": "Le périmètre 6 a changé entre-temps",
		"organisation": "Organisation 6 a changé entre-temps",
	} {
		msg := Conflict(kind, "6").Error()
		if !strings.Contains(msg, want) || strings.Contains(msg, "modifié") || strings.Contains(msg, "rechargez-le") {
			t.Errorf("Conflict(%q) = %q", kind, msg)
		}
	}
}
