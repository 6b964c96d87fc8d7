package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Controller says who holds the data and who processes it on their behalf
// (privacy.organisation, contact_email, statement_url, processors): the
// first and last sections of the access report.
type Controller struct {
	Organisation string `json:"organisation"`
	ContactEmail string `json:"contact_email,omitempty"`
	StatementURL string `json:"statement_url,omitempty"`
	// RequestURL is the public privacy request form.
	RequestURL string `json:"request_url,omitempty"`
	// Authority is the supervisory authority (GDPR art. 77).
	Authority  string      `json:"authority"`
	Processors []Processor `json:"processors"`
	// RetentionDays: contacts that left every list or whose address stopped
	// working are erased after this many days; 0: kept until erased on request.
	RetentionDays int `json:"retention_days"`
	// TimeZone the report's dates are written in.
	TimeZone string `json:"time_zone"`
	// SecurityMeasures (GDPR art. 32) for the register of processing
	// activities; not part of an access export.
	SecurityMeasures []string `json:"-"`
}

// Processor is a recipient processing the data on the controller's behalf
// (GDPR art. 28).
type Processor struct {
	Name     string `json:"name"`
	Purpose  string `json:"purpose"`
	Location string `json:"location,omitempty"`
}

// References name the lists and mailings that rows of an export refer to
// by id, keyed by the id in decimal.
type References struct {
	Lists     map[string]ListRef     `json:"lists"`
	Campaigns map[string]CampaignRef `json:"campaigns"`
}

// ListRef is a list as the person knows it: its name, purpose and the legal
// basis of processing for it (GDPR art. 6(1)).
type ListRef struct {
	Name       string `json:"name"`
	Purpose    string `json:"purpose"`
	LegalBasis string `json:"legal_basis"`
}

// CampaignRef is a mailing as the person knows it.
type CampaignRef struct {
	Name    string  `json:"name"`
	Subject string  `json:"subject"`
	SentAt  *string `json:"sent_at"`
}

// LegalBases are the values of lists.legal_basis (GDPR art. 6(1) a, b, c, f).
var LegalBases = []string{"consent", "contract", "legal-obligation", "legitimate-interest"}

func (s *Service) controller() Controller {
	c := s.opt.Controller
	if c.ContactEmail == "" {
		c.ContactEmail = s.opt.ContactEmail
	}
	if c.Organisation == "" {
		c.Organisation = s.opt.OrgName
	}
	if c.Authority == "" {
		c.Authority = "Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl)"
	}
	if c.RequestURL == "" && s.opt.BaseURL != "" {
		c.RequestURL = s.opt.BaseURL + "/privacy"
	}
	if c.TimeZone == "" {
		c.TimeZone = "UTC"
	}
	if c.Processors == nil {
		c.Processors = []Processor{}
	}
	c.RetentionDays = s.opt.OneStarDays
	return c
}

// readReferences looks up the lists and campaigns the rows name.
func readReferences(ctx context.Context, tx pgx.Tx, tables map[string]json.RawMessage) (References, error) {
	refs := References{Lists: map[string]ListRef{}, Campaigns: map[string]CampaignRef{}}
	var lists, campaigns []int64
	for _, raw := range tables {
		var rows []map[string]any
		if err := json.Unmarshal(raw, &rows); err != nil {
			return refs, fmt.Errorf("privacy: export references: %w", err)
		}
		for _, r := range rows {
			if v, ok := r["list_id"].(float64); ok {
				lists = append(lists, int64(v))
			}
			if v, ok := r["campaign_id"].(float64); ok {
				campaigns = append(campaigns, int64(v))
			}
		}
	}
	rows, err := tx.Query(ctx, `SELECT id, name, purpose, legal_basis FROM lists WHERE id = ANY($1)`, lists)
	if err != nil {
		return refs, fmt.Errorf("privacy: export references: %w", err)
	}
	var id int64
	var l ListRef
	if _, err := pgx.ForEachRow(rows, []any{&id, &l.Name, &l.Purpose, &l.LegalBasis}, func() error {
		refs.Lists[strconv.FormatInt(id, 10)] = l
		return nil
	}); err != nil {
		return refs, fmt.Errorf("privacy: export references: %w", err)
	}
	rows, err = tx.Query(ctx, `SELECT id, name, subject, to_json(coalesce(started_at, send_at))#>>'{}' FROM campaigns WHERE id = ANY($1)`, campaigns)
	if err != nil {
		return refs, fmt.Errorf("privacy: export references: %w", err)
	}
	var c CampaignRef
	_, err = pgx.ForEachRow(rows, []any{&id, &c.Name, &c.Subject, &c.SentAt}, func() error {
		cc := c
		if c.SentAt != nil {
			at := *c.SentAt
			cc.SentAt = &at
		}
		refs.Campaigns[strconv.FormatInt(id, 10)] = cc
		return nil
	})
	if err != nil {
		return refs, fmt.Errorf("privacy: export references: %w", err)
	}
	return refs, nil
}

// Location is the zone of TimeZone, in which dates are written for people;
// UTC when unset or unknown.
func (c Controller) Location() *time.Location {
	if l, err := time.LoadLocation(c.TimeZone); err == nil && c.TimeZone != "" {
		return l
	}
	return time.UTC
}
