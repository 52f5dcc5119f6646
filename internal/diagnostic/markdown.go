package diagnostic

import (
	"fmt"
	"io"
	"strings"

	"maillage/internal/domain"
)

var stanceLabel = map[string]string{domain.StanceAgree: "d'accord", domain.StanceNuance: "nuancé", domain.StanceDisagree: "pas d'accord"}

var statusLabel = map[string]string{
	domain.FindingProposed: "proposé", domain.FindingDebated: "en débat", domain.FindingValidated: "validé",
	domain.FindingAmended: "amendé", domain.FindingRejected: "rejeté",
}

var activityLabel = map[string]string{
	domain.ActivityInterview: "Entretien", domain.ActivitySiteVisit: "Visite de site", domain.ActivityWorkingGroup: "Groupe de travail",
	domain.ActivityQuestionnaire: "Questionnaire", domain.ActivityDataAnalysis: "Analyse de données",
}

func pct(x float64) string {
	if x < 0 {
		return "—"
	}
	return strings.Replace(fmt.Sprintf("%.0f %%", 100*x), ".", ",", 1)
}

func dec(x float64) string { return strings.Replace(fmt.Sprintf("%.2f", x), ".", ",", 1) }

// cell escapes a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", "\\|", "\r\n", " ", "\n", " ").Replace(s)
}

// WriteMarkdown renders the diagnostic as a structured Markdown document (in
// French): scope, participants, stages, fieldwork, findings with the
// crossing of viewpoints, restitution and ranked priorities.
func WriteMarkdown(w io.Writer, s *Synthesis) error {
	var b strings.Builder
	d := &s.Diagnostic
	org := map[int64]string{}
	for _, p := range d.Participants {
		org[p.OrgID] = p.Name
	}
	orgName := func(id int64) string {
		if n := org[id]; n != "" {
			return n
		}
		return fmt.Sprintf("organisation %d", id)
	}
	fmt.Fprintf(&b, "# %s\n\n", d.Title)
	terr := d.Perimeter
	if s.Territory != "" {
		terr = s.Territory + " (" + d.Perimeter + ")"
	}
	fmt.Fprintf(&b, "- **Territoire** : %s\n", terr)
	fmt.Fprintf(&b, "- **Thématiques** : %s\n", strings.Join(d.Themes, ", "))
	if d.PeriodStart != nil || d.PeriodEnd != nil {
		var a, z string
		if d.PeriodStart != nil {
			a = d.PeriodStart.Format("02/01/2006")
		}
		if d.PeriodEnd != nil {
			z = d.PeriodEnd.Format("02/01/2006")
		}
		fmt.Fprintf(&b, "- **Période** : %s – %s\n", a, z)
	}
	fmt.Fprintf(&b, "- **Étape** : %s\n", domain.StageLabel(d.Stage))
	fmt.Fprintf(&b, "- **Document généré le** : %s\n\n", s.GeneratedAt.Format("02/01/2006 15:04 UTC"))
	if d.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", d.Description)
	}

	b.WriteString("## Organisations participantes\n\n| Organisation | Type d'acteur | Famille | Rôle |\n|---|---|---|---|\n")
	for _, p := range d.Participants {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(orgName(p.OrgID)), p.ActorType, KindLabel(KindOf(p.ActorType)), cell(p.Role))
	}
	b.WriteString("\n")

	if len(d.StageMoves) > 0 {
		b.WriteString("## Étapes\n\n")
		for _, m := range d.StageMoves {
			fmt.Fprintf(&b, "- %s : %s → %s", m.At.Format("02/01/2006"), domain.StageLabel(m.From), domain.StageLabel(m.To))
			if m.Note != "" {
				fmt.Fprintf(&b, " — %s", m.Note)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}

	if len(s.Portraits) > 0 {
		b.WriteString("## Portrait de données figé\n\n")
		for _, p := range s.Portraits {
			fmt.Fprintf(&b, "- Portrait n°%d du %s (version des données %d) ; paramètres : `%s`\n", p.ID, p.TakenAt.Format("02/01/2006"), p.DataVersion, string(p.Params))
		}
		b.WriteString("\n")
	}

	b.WriteString("## Travail de terrain\n\n")
	if len(s.Activities) == 0 {
		b.WriteString("Aucune activité enregistrée.\n\n")
	}
	for _, a := range s.Activities {
		fmt.Fprintf(&b, "### %s — %s (%s)\n\n", activityLabel[a.Kind], a.Title, a.Date.Format("02/01/2006"))
		if a.Place != "" {
			fmt.Fprintf(&b, "Lieu : %s\n\n", a.Place)
		}
		if len(a.Participants) > 0 {
			var ps []string
			for _, p := range a.Participants {
				n := p.Name
				if n == "" && p.OrgID != 0 {
					n = orgName(p.OrgID)
				}
				if p.Role != "" {
					n += " (" + p.Role + ")"
				}
				ps = append(ps, n)
			}
			fmt.Fprintf(&b, "Participants : %s\n\n", strings.Join(ps, ", "))
		}
		if a.Notes != "" {
			fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(a.Notes))
		}
		for _, at := range a.Attachments {
			fmt.Fprintf(&b, "- Pièce jointe : %s (%s, %d octets)\n", at.Name, at.MediaType, at.Size)
		}
		if len(a.Attachments) > 0 {
			b.WriteString("\n")
		}
	}

	b.WriteString("## Constats et croisement des points de vue\n\n")
	cross := map[int64]Crossing{}
	for _, c := range s.Crossings {
		cross[c.FindingID] = c
	}
	current := Current(s.Positions)
	for i, f := range s.Findings {
		c := cross[f.ID]
		flag := ""
		if c.Contested {
			flag = " — **constat discuté**"
		}
		fmt.Fprintf(&b, "### Constat %d (%s)%s\n\n> %s\n\n", i+1, statusLabel[f.Status], flag, f.Statement)
		fmt.Fprintf(&b, "Thématique : %s ; porté par : %s\n\n", f.Theme, orgName(f.AuthorOrg))
		for _, prev := range f.Previous {
			fmt.Fprintf(&b, "Rédaction initiale : « %s »\n\n", prev)
		}
		if len(f.Evidence) > 0 {
			b.WriteString("Appuis :\n")
			for _, e := range f.Evidence {
				switch e.Kind {
				case domain.EvidenceActivity:
					fmt.Fprintf(&b, "- activité de terrain n°%d", e.ActivityID)
				case domain.EvidenceIndicator:
					fmt.Fprintf(&b, "- indicateur %s, %s, %d", e.Indicator, e.Territory, e.Year)
				case domain.EvidenceAnalysis:
					fmt.Fprintf(&b, "- portrait n°%d, %s", e.PortraitID, e.Ref)
				case domain.EvidenceAction:
					fmt.Fprintf(&b, "- action n°%d", e.ActionID)
				}
				if e.Note != "" {
					fmt.Fprintf(&b, " : %s", e.Note)
				}
				b.WriteString("\n")
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "Positions : %d d'accord, %d nuancées, %d en désaccord ; adhésion %s, dispersion %s, écart entre familles d'acteurs %s.\n\n",
			c.Tally.Agree, c.Tally.Nuance, c.Tally.Disagree, pct(c.Support), dec(c.Dispersion), dec(c.KindGap))
		if len(c.ByKind) > 0 {
			b.WriteString("| Famille d'acteurs | D'accord | Nuancé | Pas d'accord | Adhésion |\n|---|---|---|---|---|\n")
			for _, k := range c.ByKind {
				fmt.Fprintf(&b, "| %s | %d | %d | %d | %s |\n", k.Label, k.Tally.Agree, k.Tally.Nuance, k.Tally.Disagree, pct(k.Support))
			}
			b.WriteString("\n")
		}
		for _, p := range current {
			if p.FindingID == f.ID {
				fmt.Fprintf(&b, "- **%s** : %s", orgName(p.OrgID), stanceLabel[p.Stance])
				if p.Comment != "" {
					fmt.Fprintf(&b, " — %s", p.Comment)
				}
				b.WriteString("\n")
			}
		}
		if len(c.Missing) > 0 {
			var ms []string
			for _, id := range c.Missing {
				ms = append(ms, orgName(id))
			}
			fmt.Fprintf(&b, "- Sans position : %s\n", strings.Join(ms, ", "))
		}
		b.WriteString("\n")
	}
	if len(s.Pairs) > 0 {
		b.WriteString("### Accord entre organisations\n\n| Organisations | Constats communs | Accord |\n|---|---|---|\n")
		for _, p := range s.Pairs {
			fmt.Fprintf(&b, "| %s / %s | %d | %s |\n", cell(orgName(p.OrgA)), cell(orgName(p.OrgB)), p.Findings, pct(p.Agreement))
		}
		b.WriteString("\n")
	}

	for _, rr := range s.Restitutions {
		r := rr.Restitution
		fmt.Fprintf(&b, "## Restitution-débat du %s\n\n", r.Date.Format("02/01/2006"))
		if r.Place != "" {
			fmt.Fprintf(&b, "Lieu : %s\n\n", r.Place)
		}
		if r.Notes != "" {
			fmt.Fprintf(&b, "%s\n\n", strings.TrimSpace(r.Notes))
		}
		if len(r.Reviews) > 0 {
			b.WriteString("### Examen des constats\n\n")
			for _, rv := range r.Reviews {
				fmt.Fprintf(&b, "- Constat n°%d : %s", rv.FindingID, statusLabel[rv.Decision])
				if rv.NewStatement != "" {
					fmt.Fprintf(&b, " — nouvelle rédaction : « %s »", rv.NewStatement)
				}
				if rv.Reason != "" {
					fmt.Fprintf(&b, " (motif : %s)", rv.Reason)
				}
				b.WriteString("\n")
			}
			b.WriteString("\n")
		}
		if len(rr.Ranking) > 0 {
			fmt.Fprintf(&b, "### Priorités (%d points par organisation, %d votes)\n\n", r.Allowance, len(rr.Votes))
			b.WriteString("| Rang | Priorité | Points | Part | Soutiens | Min–max | Écart-type |\n|---|---|---|---|---|---|---|\n")
			for _, p := range rr.Ranking {
				fmt.Fprintf(&b, "| %d | %s | %d | %s | %d/%d | %d–%d | %s |\n", p.Rank, cell(p.Title), p.Points, pct(p.Share), p.Supporters, p.Voters, p.Min, p.Max, dec(p.StdDev))
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
