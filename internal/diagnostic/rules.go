// Package diagnostic holds the rules of the shared diagnostic and of the
// conventions that follow it: the stage machine, the crossing of viewpoints
// on findings (agreement and divergence between organisations and between
// kinds of actors), the ranking of priorities, the progress of fiches action
// and conventions, renewal alerts and attachment checks. The functions in
// rules.go, crossing.go, progress.go and attachment.go are pure; service.go
// applies them over a store.
package diagnostic

import (
	"slices"

	"maillage/internal/domain"
)

// Kinds of actors, for the crossing of viewpoints (the study compared the CAF,
// the local authorities and the associations).
const (
	KindCAF          = "caf"
	KindCollectivite = "collectivites" // commune, EPCI, département, région
	KindEtat         = "etat"
	KindAssociation  = "associations" // associations, centres sociaux, EVS
	KindOther        = "autres"
)

// Kinds lists the kinds in display order.
var Kinds = []string{KindCAF, KindCollectivite, KindEtat, KindAssociation, KindOther}

// KindLabel is the French label of a kind of actors.
func KindLabel(k string) string {
	switch k {
	case KindCAF:
		return "CAF"
	case KindCollectivite:
		return "Collectivités"
	case KindEtat:
		return "État"
	case KindAssociation:
		return "Associations"
	}
	return "Autres"
}

// KindOf maps an actor type (actor-type referential) to a kind of actors.
func KindOf(actorType string) string {
	switch actorType {
	case "caf":
		return KindCAF
	case "commune", "epci", "departement", "region":
		return KindCollectivite
	case "etat":
		return KindEtat
	case "association", "centre_social", "evs":
		return KindAssociation
	}
	return KindOther
}

// CheckStageMove checks that a diagnostic may move from one stage to
// another. Forward moves go one stage at a time; a diagnostic may go back one
// stage before it is validated (reopen fieldwork after a restitution, for
// example). Entering fieldwork needs participants; entering the restitution
// needs findings; validating needs every finding reviewed (validated, amended
// or rejected).
func CheckStageMove(d *domain.Diagnostic, to string, findings []domain.Finding) error {
	from := d.Stage
	i, j := domain.StageIndex(from), domain.StageIndex(to)
	if j < 0 {
		return fieldErr("stage", "étape inconnue %q (attendu : preparation, fieldwork, restitution, validated, follow_up)", to)
	}
	if i == j {
		return fieldErr("stage", "le diagnostic est déjà à l'étape « %s »", domain.StageLabel(to))
	}
	switch {
	case j == i+1:
	case j == i-1 && i <= domain.StageIndex(domain.StageRestitution):
	case j < i:
		return fieldErr("stage", "retour impossible de « %s » à « %s » : un diagnostic validé ne se rouvre pas", domain.StageLabel(from), domain.StageLabel(to))
	default:
		return fieldErr("stage", "passage impossible de « %s » à « %s » : les étapes se suivent (%s)", domain.StageLabel(from), domain.StageLabel(to), stageChain())
	}
	if j > i {
		switch to {
		case domain.StageFieldwork:
			if len(d.Participants) == 0 {
				return fieldErr("participants", "au moins une organisation participante avant le terrain")
			}
		case domain.StageRestitution:
			if len(findings) == 0 {
				return fieldErr("stage", "au moins un constat avant la restitution")
			}
		case domain.StageValidated:
			var open []int64
			for _, f := range findings {
				switch f.Status {
				case domain.FindingValidated, domain.FindingAmended, domain.FindingRejected:
				default:
					open = append(open, f.ID)
				}
			}
			if len(open) > 0 {
				return fieldErr("stage", "constats pas encore examinés en restitution : %v", open)
			}
		}
	}
	return nil
}

func stageChain() string {
	s := ""
	for i, st := range domain.Stages {
		if i > 0 {
			s += " → "
		}
		s += domain.StageLabel(st)
	}
	return s
}

// CheckPosition checks that an organisation may take position on a finding of
// the diagnostic: it must be a participant, and the diagnostic must be at
// fieldwork or restitution.
func CheckPosition(d *domain.Diagnostic, f *domain.Finding, p *domain.Position) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if f.DiagnosticID != d.ID {
		return fieldErr("finding_id", "le constat %d n'appartient pas au diagnostic %d", f.ID, d.ID)
	}
	if _, ok := d.Participant(p.OrgID); !ok {
		return fieldErr("org_id", "l'organisation %d ne participe pas au diagnostic « %s » : seules les organisations participantes prennent position", p.OrgID, d.Title)
	}
	if d.Stage != domain.StageFieldwork && d.Stage != domain.StageRestitution {
		return fieldErr("stage", "les positions se prennent pendant le terrain ou la restitution (étape actuelle : « %s »)", domain.StageLabel(d.Stage))
	}
	switch f.Status {
	case domain.FindingValidated, domain.FindingAmended, domain.FindingRejected:
		return fieldErr("finding_id", "le constat %d a déjà été examiné en restitution (%s)", f.ID, f.Status)
	}
	return nil
}

// CheckVote checks a priority vote: a participant, at the restitution stage,
// known priorities, at most the allowance.
func CheckVote(d *domain.Diagnostic, r *domain.Restitution, v *domain.PriorityVote) error {
	if err := v.Validate(r); err != nil {
		return err
	}
	if r.DiagnosticID != d.ID {
		return fieldErr("restitution_id", "la restitution %d n'appartient pas au diagnostic %d", r.ID, d.ID)
	}
	if _, ok := d.Participant(v.OrgID); !ok {
		return fieldErr("org_id", "l'organisation %d ne participe pas au diagnostic « %s » : elle ne vote pas", v.OrgID, d.Title)
	}
	if d.Stage != domain.StageRestitution {
		return fieldErr("stage", "le vote des priorités a lieu à l'étape restitution (étape actuelle : « %s »)", domain.StageLabel(d.Stage))
	}
	return nil
}

// ApplyReview records a restitution's decision on a finding: the review is
// added to (or replaces the earlier one in) r, and the finding takes the
// decided status; an amendment keeps the previous wording.
func ApplyReview(d *domain.Diagnostic, r *domain.Restitution, f *domain.Finding, rv domain.Review) error {
	rv.FindingID = f.ID
	if err := rv.Validate(); err != nil {
		return err
	}
	if d.Stage != domain.StageRestitution {
		return fieldErr("stage", "les constats s'examinent à l'étape restitution (étape actuelle : « %s »)", domain.StageLabel(d.Stage))
	}
	if f.DiagnosticID != d.ID || r.DiagnosticID != d.ID {
		return fieldErr("finding_id", "le constat %d n'appartient pas au diagnostic %d", f.ID, d.ID)
	}
	if rv.Decision == domain.ReviewAmended && rv.NewStatement != f.Statement {
		f.Previous = append(f.Previous, f.Statement)
		f.Statement = rv.NewStatement
	}
	f.Status = rv.Decision
	r.Reviews = slices.DeleteFunc(r.Reviews, func(x domain.Review) bool { return x.FindingID == f.ID })
	r.Reviews = append(r.Reviews, rv)
	return nil
}

func fieldErr(field, format string, args ...any) error {
	var v domain.Validation
	v.Add(field, format, args...)
	return v.Err()
}

// Errorf is a shorthand for an EINVALID error naming one field.
func Errorf(field, format string, args ...any) error { return fieldErr(field, format, args...) }
