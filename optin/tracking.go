package optin

import (
	"context"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/errs"
)

// RecordOpen records the first open of a campaign by a contact: the
// delivery's opened_at, the campaign's opened counter and the contact's
// engagement, in one statement; later opens change nothing, and so does
// any open of a contact who objected to measuring (contacts.no_tracking).
// ErrGone: the contact no longer exists.
func (r *Recipients) RecordOpen(ctx context.Context, contactID, campaignID int64, who Who) error {
	var exists, untracked bool
	err := r.db.QueryRow(ctx, `WITH d AS (
			UPDATE deliveries SET opened_at = now() WHERE campaign_id = $1 AND contact_id = $2 AND opened_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM contacts WHERE id = $2 AND no_tracking) RETURNING 1),
		s AS (UPDATE campaign_stats SET opened = opened + 1, updated_at = now() WHERE campaign_id = $1 AND EXISTS (SELECT 1 FROM d) RETURNING 1),
		c AS (UPDATE contacts SET last_engaged_at = now() WHERE id = $2 AND EXISTS (SELECT 1 FROM d) RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM contacts WHERE id = $2), EXISTS (SELECT 1 FROM contacts WHERE id = $2 AND no_tracking)`,
		campaignID, contactID).Scan(&exists, &untracked)
	if err != nil {
		return fmt.Errorf("optin: record open: %w", err)
	}
	if !exists {
		return ErrGone
	}
	if untracked {
		return nil // objected to measuring (contacts.no_tracking): nothing recorded
	}
	r.log.Record(ctx, Action{ContactID: contactID, CampaignID: campaignID, Action: ActOpen, IP: who.IP, UserAgent: who.UserAgent})
	return nil
}

// RecordClick records a click on link (the campaign's link, see
// LinkChecker.Match): the first one sets the delivery's clicked_at
// (and opened_at when still unset: a click implies an open), the campaign's
// counters and the contact's engagement. ErrGone: the contact no longer exists.
func (r *Recipients) RecordClick(ctx context.Context, contactID, campaignID int64, link string, who Who) error {
	var exists, untracked bool
	err := r.db.QueryRow(ctx, `WITH old AS (
			SELECT opened_at FROM deliveries WHERE campaign_id = $1 AND contact_id = $2 AND clicked_at IS NULL),
		d AS (UPDATE deliveries SET clicked_at = now(), opened_at = coalesce(opened_at, now())
			WHERE campaign_id = $1 AND contact_id = $2 AND clicked_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM contacts WHERE id = $2 AND no_tracking) RETURNING 1),
		s AS (UPDATE campaign_stats SET clicked = clicked + 1,
			opened = opened + CASE WHEN EXISTS (SELECT 1 FROM old WHERE opened_at IS NULL) THEN 1 ELSE 0 END, updated_at = now()
			WHERE campaign_id = $1 AND EXISTS (SELECT 1 FROM d) RETURNING 1),
		c AS (UPDATE contacts SET last_engaged_at = now() WHERE id = $2 AND EXISTS (SELECT 1 FROM d) RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM contacts WHERE id = $2), EXISTS (SELECT 1 FROM contacts WHERE id = $2 AND no_tracking)`,
		campaignID, contactID).Scan(&exists, &untracked)
	if err != nil {
		return fmt.Errorf("optin: record click: %w", err)
	}
	if !exists {
		return ErrGone
	}
	if untracked {
		return nil
	}
	link = errs.Clip(link, 300)
	r.log.Record(ctx, Action{ContactID: contactID, CampaignID: campaignID, Action: ActClick, Detail: link, IP: who.IP, UserAgent: who.UserAgent})
	return nil
}

// LinkChecker says whether a URL is one of a campaign's links, so the click
// redirect never sends a recipient anywhere the campaign did not link to.
// The links of a campaign are read from its HTML once and cached for a minute.
type LinkChecker struct {
	r     *Recipients
	mu    sync.Mutex
	cache map[int64]linkSet
}

type linkSet struct {
	urls map[string]bool
	// patterns are links with merge fields ({{...}}): the fields match any
	// URL characters, the scheme and host before the first field are fixed.
	patterns []linkPatternOf
	fetched  time.Time
}

// linkPatternOf is a link with merge fields: its pattern, and the link as
// the campaign wrote it with each field blanked to {{}}.
type linkPatternOf struct {
	re   *regexp.Regexp
	link string
}

// NewLinkChecker returns a checker reading campaigns through r.
func (r *Recipients) NewLinkChecker() *LinkChecker {
	return &LinkChecker{r: r, cache: map[int64]linkSet{}}
}

var (
	hrefRE  = regexp.MustCompile(`(?i)\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))`)
	fieldRE = regexp.MustCompile(`\{\{.*?\}\}`)
	fixedRE = regexp.MustCompile(`^https?://[^/?#{]+[/?#]`)
)

// linkPattern turns a link with merge fields into a pattern, or nil when the
// fields could change the scheme or host.
func linkPattern(u string) *regexp.Regexp {
	first := strings.Index(u, "{{")
	if !fixedRE.MatchString(u[:first]) {
		return nil
	}
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, m := range fieldRE.FindAllStringIndex(u, -1) {
		b.WriteString(regexp.QuoteMeta(u[last:m[0]]))
		b.WriteString(`[^\s"'<>]*`)
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(u[last:]) + "$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil
	}
	return re
}

// Match reports whether target is a link in the campaign's HTML and
// returns that link as the campaign wrote it: target itself, or for a link
// with merge fields the link with each field blanked to {{}} (what a click
// records: the URL one contact got may hold their address or attributes).
func (lc *LinkChecker) Match(ctx context.Context, campaignID int64, target string) (string, bool, error) {
	lc.mu.Lock()
	ls, ok := lc.cache[campaignID]
	lc.mu.Unlock()
	if !ok || time.Since(ls.fetched) > time.Minute {
		var body string
		err := lc.r.db.QueryRow(ctx, `SELECT html FROM campaigns WHERE id = $1`, campaignID).Scan(&body)
		if errors.Is(err, pgx.ErrNoRows) {
			return "", false, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("optin: campaign links: %w", err)
		}
		ls = linkSet{urls: map[string]bool{}, fetched: time.Now()}
		// Merge fields may hold quotes ({{attr "city"}}): blank them first.
		body = fieldRE.ReplaceAllString(body, "{{}}")
		for _, m := range hrefRE.FindAllStringSubmatch(body, -1) {
			u := html.UnescapeString(m[1] + m[2] + m[3])
			if strings.Contains(u, "{{") {
				if re := linkPattern(u); re != nil {
					ls.patterns = append(ls.patterns, linkPatternOf{re: re, link: u})
				}
				continue
			}
			ls.urls[u] = true
		}
		lc.mu.Lock()
		if len(lc.cache) > 1000 {
			clear(lc.cache)
		}
		lc.cache[campaignID] = ls
		lc.mu.Unlock()
	}
	if ls.urls[target] {
		return target, true, nil
	}
	for _, p := range ls.patterns {
		if p.re.MatchString(target) {
			return p.link, true, nil
		}
	}
	return "", false, nil
}
