package privacy

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The register of processing activities (GDPR art. 30(1)), generated from
// what postbode knows: one activity per list (its purpose and legal basis,
// the people on it), the categories of personal data held (the inventory,
// fields with at least one value), the recipients (processors), the
// retention settings and the security measures (config).

// ProcessingRegister is the art. 30 register.
type ProcessingRegister struct {
	GeneratedAt      time.Time    `json:"generated_at"`
	Controller       Controller   `json:"controller"`
	Activities       []Activity   `json:"activities"`
	Categories       []string     `json:"data_categories"`
	Processors       []Processor  `json:"processors"`
	Retention        string       `json:"retention"`
	SecurityMeasures []string     `json:"security_measures"`
	Breaches         BreachTotals `json:"breaches"`
}

// Activity is one processing activity: mailing the people on a list.
type Activity struct {
	Name       string `json:"name"`
	Purpose    string `json:"purpose"`
	LegalBasis string `json:"legal_basis"`
	// Subjects describes the data subjects; Count how many are subscribed
	// or waiting for confirmation.
	Subjects string `json:"data_subjects"`
	Count    int64  `json:"subscribed"`
}

// BreachTotals summarises the breach register.
type BreachTotals struct {
	Recorded int64 `json:"recorded"`
	Pending  int64 `json:"authority_pending"`
}

// Register builds the register of processing activities and audits the read.
func (s *Service) Register(ctx context.Context, actor string) (ProcessingRegister, error) {
	c := s.controller()
	reg := ProcessingRegister{GeneratedAt: time.Now().UTC(), Controller: c, Processors: c.Processors,
		SecurityMeasures: c.SecurityMeasures, Retention: retentionText(s.opt.OneStarDays)}
	if reg.SecurityMeasures == nil {
		reg.SecurityMeasures = []string{}
	}
	rows, err := s.db.Query(ctx, `SELECT l.name, l.purpose, l.legal_basis, 'Subscribers of ' || l.name,
		(SELECT count(*) FROM subscriptions s WHERE s.list_id = l.id AND s.status <> 'unsubscribed')
		FROM lists l ORDER BY l.name, l.id`)
	if err != nil {
		return reg, fmt.Errorf("privacy: register: %w", err)
	}
	if reg.Activities, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Activity]); err != nil {
		return reg, fmt.Errorf("privacy: register: %w", err)
	}
	if err := s.db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE authority = 'pending') FROM data_breaches`).
		Scan(&reg.Breaches.Recorded, &reg.Breaches.Pending); err != nil {
		return reg, fmt.Errorf("privacy: register: %w", err)
	}
	inv, err := s.Inventory(ctx, actor)
	if err != nil {
		return reg, err
	}
	reg.Categories = categories(inv)
	return reg, s.auditReport(ctx, actor, "register", len(reg.Activities))
}

// categories names the fields that hold data, under the report's labels.
func categories(inv Inventory) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range inv.Fields {
		if f.Filled == 0 {
			continue
		}
		name := f.Field
		if key, ok := strings.CutPrefix(f.Field, "attributes."); ok {
			name = "Attribute " + key
			if f.Hidden {
				name += " (hidden)"
			}
		} else if l, ok := reportSections[f.Table].cols[f.Field]; ok && l.en != "" {
			name = reportSections[f.Table].en + ": " + l.en
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func retentionText(days int) string {
	if days <= 0 {
		return "Contacts are kept while subscribed and until erased on request; automatic erasure is off."
	}
	return "Contacts that left every list or whose address stopped working are erased automatically after " +
		strconv.Itoa(days) + " days (unless on legal hold); statistics are kept anonymised. Raw bounce messages and tokens expire sooner."
}

// PDF renders the register for the supervisory authority (English).
func (reg ProcessingRegister) PDF(colour string) ([]byte, error) {
	rt := reportText{lang: "en", loc: reg.Controller.Location()}
	d := newDoc("Register of processing activities", colour, reg.Controller.Organisation+" · GDPR art. 30")
	d.title("Register of processing activities")
	d.para("GDPR art. 30(1), as on " + rt.date(reg.GeneratedAt, true) + ".")
	d.heading("Controller")
	d.field("Organisation", reg.Controller.Organisation)
	if reg.Controller.ContactEmail != "" {
		d.field("Privacy contact", reg.Controller.ContactEmail)
	}
	if reg.Controller.StatementURL != "" {
		d.field("Privacy statement", reg.Controller.StatementURL)
	}
	d.heading("Processing activities")
	if len(reg.Activities) == 0 {
		d.para("No lists.")
	}
	for _, a := range reg.Activities {
		d.subheading(a.Name)
		d.field("Purpose", a.Purpose)
		d.field("Legal basis", legalBasisWords[a.LegalBasis][0])
		d.field("Data subjects", a.Subjects+" ("+strconv.FormatInt(a.Count, 10)+")")
	}
	d.heading("Categories of personal data")
	for _, c := range reg.Categories {
		d.bullet(c)
	}
	d.heading("Recipients (processors)")
	if len(reg.Processors) == 0 {
		d.para("None outside " + reg.Controller.Organisation + ".")
	}
	for _, p := range reg.Processors {
		s := p.Name + ": " + p.Purpose
		if p.Location != "" {
			s += " (" + p.Location + ")"
		}
		d.bullet(s)
	}
	d.heading("Retention")
	d.para(reg.Retention)
	d.heading("Security measures")
	if len(reg.SecurityMeasures) == 0 {
		d.para("None recorded (privacy.security_measures).")
	}
	for _, m := range reg.SecurityMeasures {
		d.bullet(m)
	}
	d.heading("Data breaches")
	d.para(fmt.Sprintf("%d recorded in the breach register; %d pending notification to the supervisory authority.", reg.Breaches.Recorded, reg.Breaches.Pending))
	return d.bytes()
}
