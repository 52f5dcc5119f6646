package diagnostic

import (
	"math"
	"sort"
	"strconv"
	"time"

	"maillage/internal/domain"
)

// IndicatorProgress is the state of one indicator of a fiche.
type IndicatorProgress struct {
	Key      string              `json:"key"`
	Label    string              `json:"label"`
	Unit     string              `json:"unit,omitempty"`
	Baseline float64             `json:"baseline"`
	Target   float64             `json:"target"`
	Latest   *domain.Measurement `json:"latest,omitempty"`
	// Progress is (latest − baseline) / (target − baseline), within 0..1;
	// nil without a measurement or when the target equals the baseline.
	Progress *float64             `json:"progress"`
	Series   []domain.Measurement `json:"series"`
}

// FicheProgress is the progress of a fiche action.
type FicheProgress struct {
	FicheID         int64               `json:"fiche_id"`
	Number          string              `json:"number"`
	Title           string              `json:"title"`
	Status          string              `json:"status"`
	Indicators      []IndicatorProgress `json:"indicators"`
	MilestonesDone  int                 `json:"milestones_done"`
	MilestonesTotal int                 `json:"milestones_total"`
	Budget          float64             `json:"budget"`
	BudgetByFunder  map[string]float64  `json:"budget_by_funder"`
	// Progress is the mean progress of the measured indicators; without
	// any, the share of milestones done; 1 for a fiche done; nil when
	// nothing tells.
	Progress *float64 `json:"progress"`
}

func clamp01(x float64) float64 { return math.Max(0, math.Min(1, x)) }

func ptr(x float64) *float64 { return &x }

// ProgressOfIndicator computes an indicator's progress from the measurements
// (any order; those of other indicators are ignored).
func ProgressOfIndicator(ind domain.FicheIndicator, ms []domain.Measurement) IndicatorProgress {
	ip := IndicatorProgress{Key: ind.Key, Label: ind.Label, Unit: ind.Unit, Baseline: ind.Baseline, Target: ind.Target, Series: []domain.Measurement{}}
	for _, m := range ms {
		if m.Indicator == ind.Key {
			ip.Series = append(ip.Series, m)
		}
	}
	sort.SliceStable(ip.Series, func(i, j int) bool {
		if !ip.Series[i].Date.Equal(ip.Series[j].Date.Time) {
			return ip.Series[i].Date.Before(ip.Series[j].Date.Time)
		}
		return ip.Series[i].ID < ip.Series[j].ID
	})
	if n := len(ip.Series); n > 0 {
		last := ip.Series[n-1]
		ip.Latest = &last
		if ind.Target != ind.Baseline {
			ip.Progress = ptr(clamp01((last.Value - ind.Baseline) / (ind.Target - ind.Baseline)))
		}
	}
	return ip
}

// ProgressOfFiche computes a fiche's progress from its measurements.
func ProgressOfFiche(f *domain.FicheAction, ms []domain.Measurement) FicheProgress {
	fp := FicheProgress{FicheID: f.ID, Number: f.Number, Title: f.Title, Status: f.Status, BudgetByFunder: map[string]float64{}, Indicators: []IndicatorProgress{}}
	var own []domain.Measurement
	for _, m := range ms {
		if m.FicheID == f.ID {
			own = append(own, m)
		}
	}
	sum, n := 0.0, 0
	for _, ind := range f.Indicators {
		ip := ProgressOfIndicator(ind, own)
		fp.Indicators = append(fp.Indicators, ip)
		if ip.Progress != nil {
			sum += *ip.Progress
			n++
		}
	}
	for _, m := range f.Milestones {
		fp.MilestonesTotal++
		if m.Done {
			fp.MilestonesDone++
		}
	}
	for _, b := range f.Budget {
		fp.Budget += b.Amount
		name := b.FunderName
		if name == "" {
			name = "acteur " + itoa(b.FunderID)
		}
		fp.BudgetByFunder[name] += b.Amount
	}
	switch {
	case f.Status == domain.FicheDone:
		fp.Progress = ptr(1)
	case n > 0:
		fp.Progress = ptr(sum / float64(n))
	case fp.MilestonesTotal > 0:
		fp.Progress = ptr(float64(fp.MilestonesDone) / float64(fp.MilestonesTotal))
	}
	return fp
}

// RenewalAlert flags a convention near or past its end.
type RenewalAlert struct {
	ConventionID int64  `json:"convention_id"`
	Title        string `json:"title"`
	End          string `json:"end"`
	Level        string `json:"level"` // "due_soon" or "expired"
	DaysLeft     int    `json:"days_left"`
	Message      string `json:"message"`
}

// DefaultRenewalWindow is how long before its end a convention is flagged
// for renewal (a CTG renewal needs a new diagnostic: start a year ahead).
const DefaultRenewalWindow = 365 * 24 * time.Hour

// RenewalOf returns the renewal alert of a convention on day today, or nil
// (not near its end, or already renewed or not to be renewed).
func RenewalOf(c *domain.Convention, today time.Time, window time.Duration) *RenewalAlert {
	if c.Renewal == domain.RenewalDone || c.Renewal == domain.RenewalNotPlanned {
		return nil
	}
	if window <= 0 {
		window = DefaultRenewalWindow
	}
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	end := time.Date(c.End.Year(), c.End.Month(), c.End.Day(), 0, 0, 0, 0, time.UTC)
	days := int(math.Round(end.Sub(day).Hours() / 24))
	a := &RenewalAlert{ConventionID: c.ID, Title: c.Title, End: c.End.String(), DaysLeft: days}
	switch {
	case days < 0:
		a.Level = "expired"
		a.Message = "convention échue le " + c.End.Format("02/01/2006") + " : renouvellement à engager"
	case end.Sub(day) <= window:
		a.Level = "due_soon"
		a.Message = "convention à renouveler : fin le " + c.End.Format("02/01/2006") + ", dans " + itoa(int64(days)) + " jours"
		if c.Renewal == domain.RenewalInProgress {
			a.Message += " (renouvellement en préparation)"
		}
	default:
		return nil
	}
	return a
}

// ConventionProgress is the progress of a convention and its action plan.
type ConventionProgress struct {
	ConventionID int64           `json:"convention_id"`
	Fiches       []FicheProgress `json:"fiches"`
	// Progress is the mean progress of the fiches that tell one (abandoned
	// fiches excluded), nil when none does.
	Progress *float64 `json:"progress"`
	// Elapsed is the share of the convention's period gone by on the day.
	Elapsed float64       `json:"elapsed"`
	Budget  float64       `json:"budget"`
	Renewal *RenewalAlert `json:"renewal,omitempty"`
}

// ProgressOfConvention computes a convention's progress on day today.
func ProgressOfConvention(c *domain.Convention, fiches []domain.FicheAction, ms []domain.Measurement, today time.Time, window time.Duration) ConventionProgress {
	cp := ConventionProgress{ConventionID: c.ID, Fiches: []FicheProgress{}}
	sum, n := 0.0, 0
	for i := range fiches {
		fp := ProgressOfFiche(&fiches[i], ms)
		cp.Fiches = append(cp.Fiches, fp)
		cp.Budget += fp.Budget
		if fp.Progress != nil && fp.Status != domain.FicheAbandoned {
			sum += *fp.Progress
			n++
		}
	}
	if n > 0 {
		cp.Progress = ptr(sum / float64(n))
	}
	span := c.End.Sub(c.Start.Time)
	if span > 0 {
		cp.Elapsed = clamp01(float64(today.Sub(c.Start.Time)) / float64(span))
	}
	cp.Renewal = RenewalOf(c, today, window)
	return cp
}

// Overdue returns the decisions past their due date and not closed, oldest
// due date first.
func Overdue(ds []domain.Decision, today time.Time) []domain.Decision {
	var out []domain.Decision
	for _, d := range ds {
		if d.Overdue(today) {
			out = append(out, d)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].DueDate.Before(out[j].DueDate.Time) })
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
