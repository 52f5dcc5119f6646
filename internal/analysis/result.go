package analysis

// Result is the outcome of Analyse. Field names are part of the API.
type Result struct {
	Params        Params          `json:"params"`
	DataVersion   int64           `json:"data_version"`
	Scope         ScopeInfo       `json:"scope"`
	Summary       Summary         `json:"summary"`
	Communes      []CommuneFigure `json:"communes"`
	WhiteZones    []WhiteZone     `json:"white_zones"`
	UnderServed   []UnderServed   `json:"under_served"`
	NeedUnknown   []CommuneRef    `json:"need_unknown"`
	Overlaps      []Overlap       `json:"overlaps"`
	OverlapsTotal int             `json:"overlaps_total"`
	Funding       FundingSummary  `json:"funding"`
	Network       Network         `json:"network"`
	Equity        Equity          `json:"equity"`
	Trends        Trends          `json:"trends"`
	Comparable    []Comparable    `json:"comparable"`
}

// ScopeInfo describes the analysed territory.
type ScopeInfo struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Communes int    `json:"communes"`
}

// Summary holds the scope's totals.
type Summary struct {
	Need         float64 `json:"need"`           // Σ P_i over scope communes
	Supply       float64 `json:"supply"`         // Σ S_i over scope communes
	Ratio        float64 `json:"ratio"`          // Σ S / Σ P
	RatioPer1000 float64 `json:"ratio_per_1000"` // 1000 · Σ S / Σ P
	// Accessibility is the need-weighted mean of A_i: Σ A_i·P_i / Σ P_i.
	Accessibility float64 `json:"accessibility"`
	WhiteZones    int     `json:"white_zones"`
	Uncovered     float64 `json:"uncovered"` // Σ P_i over white zones
	UnderServed   int     `json:"under_served"`
	NeedUnknown   int     `json:"need_unknown"`
	Actions       int     `json:"actions"` // actions of the themes and year touching the scope
}

// CommuneRef names a commune.
type CommuneRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// CommuneFigure is one scope commune's need, supply and accessibility.
type CommuneFigure struct {
	Code                 string  `json:"code"`
	Name                 string  `json:"name"`
	Population           float64 `json:"population"`
	Need                 float64 `json:"need"` // P_i (0 when unknown)
	NeedYear             int     `json:"need_year,omitempty"`
	NeedUnknown          bool    `json:"need_unknown"`
	Supply               float64 `json:"supply"`                 // S_i
	Accessibility        float64 `json:"accessibility"`          // A_i
	AccessibilityPer1000 float64 `json:"accessibility_per_1000"` // 1000·A_i: places per 1,000 in need
}

// WhiteZone is a scope commune with need and no accessibility.
type WhiteZone struct {
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	Uncovered  float64 `json:"uncovered"` // P_i
	Population float64 `json:"population"`
}

// UnderServed is a scope commune whose accessibility is below half of the
// scope's ratio Σ S / Σ P.
type UnderServed struct {
	Code                 string  `json:"code"`
	Name                 string  `json:"name"`
	Need                 float64 `json:"need"`
	Accessibility        float64 `json:"accessibility"`
	AccessibilityPer1000 float64 `json:"accessibility_per_1000"`
	Threshold            float64 `json:"threshold"` // ½ · Σ S / Σ P
	WhiteZone            bool    `json:"white_zone"`
}

// ActionRef names an action and its operator.
type ActionRef struct {
	ID           int64  `json:"id"`
	Title        string `json:"title"`
	OperatorID   int64  `json:"operator_id"`
	OperatorName string `json:"operator_name"`
}

// Overlap is a pair of actions that may need coordination.
type Overlap struct {
	A                ActionRef `json:"a"`
	B                ActionRef `json:"b"`
	Themes           []string  `json:"themes"`  // shared scope themes
	Publics          []string  `json:"publics"` // shared publics
	Jaccard          float64   `json:"jaccard"`
	SharedPopulation float64   `json:"shared_population"`
	SharedCommunes   int       `json:"shared_communes"`
	Reasons          []string  `json:"reasons"`
}

// FunderShare is one funder's part of the scope's funding.
type FunderShare struct {
	ID     int64   `json:"id"`
	Name   string  `json:"name"`
	Type   string  `json:"type"`
	Amount float64 `json:"amount"`
	Share  float64 `json:"share"`
}

// TypeShare is one funder type's part.
type TypeShare struct {
	Type   string  `json:"type"`
	Label  string  `json:"label"`
	Amount float64 `json:"amount"`
	Share  float64 `json:"share"`
}

// SingleFunded is an action funded by one funder only in the year.
type SingleFunded struct {
	ActionRef
	FunderID   int64   `json:"funder_id"`
	FunderName string  `json:"funder_name"`
	Amount     float64 `json:"amount"` // in the scope
}

// FundingSummary sums up who pays for the scope's actions.
type FundingSummary struct {
	Year                int            `json:"year"`
	Total               float64        `json:"total"`
	CAF                 float64        `json:"caf"`
	CAFShare            float64        `json:"caf_share"`
	HHI                 float64        `json:"hhi"`
	Funders             int            `json:"funders"`   // number of funders (by_funder is capped at max_list)
	ByFunder            []FunderShare  `json:"by_funder"` // by amount, largest first
	ByFunderType        []TypeShare    `json:"by_funder_type"`
	PartnerPerCAFEuro   *float64       `json:"partner_per_caf_euro"`  // null without CAF funding
	SingleFunderActions []SingleFunded `json:"single_funder_actions"` // capped at max_list
	SingleFunderTotal   int            `json:"single_funder_total"`
	FundedActions       int            `json:"funded_actions"`
}

// Node is an actor of the partnership network.
type Node struct {
	ID             int64   `json:"id"`
	Name           string  `json:"name"`
	Type           string  `json:"type"`
	Degree         int     `json:"degree"`
	WeightedDegree float64 `json:"weighted_degree"`
	Betweenness    float64 `json:"betweenness"` // normalised to 0..1
	Component      int     `json:"component"`   // 1 = largest
}

// Edge links two actors.
type Edge struct {
	A      int64    `json:"a"`
	B      int64    `json:"b"`
	Kinds  []string `json:"kinds"` // cofinancement, financeur_porteur, instance, terrain
	Weight float64  `json:"weight"`
}

// CAFPlace is the CAF's position in the network.
type CAFPlace struct {
	Present         bool    `json:"present"`
	Nodes           []Node  `json:"nodes"`
	BetweennessRank int     `json:"betweenness_rank"` // 1 = most central; 0 when absent
	DegreeRank      int     `json:"degree_rank"`
	ComponentShare  float64 `json:"component_share"` // share of actors in the CAF's component
}

// Network is the partnership network of the scope's actions.
type Network struct {
	Nodes            int      `json:"nodes"`
	Edges            int      `json:"edges"`
	Density          float64  `json:"density"`
	Components       int      `json:"components"`
	LargestComponent int      `json:"largest_component"`
	Isolated         []Node   `json:"isolated"`
	Betweenness      string   `json:"betweenness"` // "exacte" or "approchee (k pivots)"
	NodeList         []Node   `json:"node_list"`   // by betweenness, then degree (capped)
	EdgeList         []Edge   `json:"edge_list"`   // by weight (capped)
	CAF              CAFPlace `json:"caf"`
}

// Equity measures how evenly accessibility is spread.
type Equity struct {
	Gini     *float64 `json:"gini"`
	Theil    *float64 `json:"theil"`
	Spearman *float64 `json:"spearman"`
	NeedRate string   `json:"need_rate"`
	Communes int      `json:"communes"`          // with P_i > 0 (Gini, Theil)
	Ranked   int      `json:"spearman_communes"` // with a need-rate value and P_i > 0
}

// TrendPoint is the scope's figures for one year and their change from the
// previous year of the series.
type TrendPoint struct {
	Year    int                `json:"year"`
	Figures map[string]float64 `json:"figures"`
	Change  map[string]float64 `json:"change,omitempty"`
}

// Trends lists the figures year by year.
type Trends struct {
	Years  []int        `json:"years"`
	Points []TrendPoint `json:"points"`
}

// Comparable is a territory of the same type with a near indicator profile.
type Comparable struct {
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	Distance   float64 `json:"distance"`
	Indicators int     `json:"indicators"` // dimensions compared
}
