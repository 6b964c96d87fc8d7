package optin

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/rtoken"
	"github.com/postbode/postbode/templates"
)

// Viewer renders a campaign's mail for one of its recipients ("view in
// browser"), in the house style of the department that sent it, with that recipient's links and without
// tracking. Compiled templates are kept per campaign version.
type Viewer struct {
	r     *Recipients
	style templates.Style
	links rtoken.Links

	mu    sync.Mutex
	cache map[int64]viewEntry
}

type viewEntry struct {
	updated time.Time
	style   templates.Style
	name    string
	tpl     *templates.Template
}

// NewViewer returns a viewer; links builds the recipient's links (public.base_url and the token keys).
func (r *Recipients) NewViewer(style templates.Style, links rtoken.Links) *Viewer {
	return &Viewer{r: r, style: style, links: links, cache: map[int64]viewEntry{}}
}

// View renders the campaign for the contact; ErrGone when either is gone or
// the contact was not a recipient.
func (v *Viewer) View(ctx context.Context, campaignID, contactID int64) (string, error) {
	c, err := v.templateContact(ctx, contactID)
	if err != nil {
		return "", err
	}
	var name, subject, html, text, lang string
	var updated time.Time
	err = v.r.db.QueryRow(ctx, `SELECT k.name, k.subject, k.html, k.text_body, k.updated_at, k.lang FROM campaigns k
		WHERE k.id = $1 AND EXISTS (SELECT 1 FROM deliveries d WHERE d.campaign_id = k.id AND d.contact_id = $2)`,
		campaignID, contactID).Scan(&name, &subject, &html, &text, &updated, &lang)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrGone
	}
	if err != nil {
		return "", fmt.Errorf("optin: view: %w", err)
	}
	// The house style of the department that sent it, as in the mail.
	style := v.style
	id, err := v.r.Identity(ctx, contactID)
	if err != nil {
		return "", fmt.Errorf("optin: view: %w", err)
	}
	id.Apply(&style.OrgName, &style.LogoURL, &style.Primary)
	if lang != "" {
		style.Lang = lang // the language the campaign is written in, as in the mail
	}
	v.mu.Lock()
	e, ok := v.cache[campaignID]
	v.mu.Unlock()
	if !ok || !e.updated.Equal(updated) || e.style != style {
		tpl, err := templates.Compile(ctx, subject, html, text, style)
		if err != nil {
			return "", fmt.Errorf("optin: view: campaign %d: %w", campaignID, err)
		}
		e = viewEntry{updated: updated, style: style, name: name, tpl: tpl}
		v.mu.Lock()
		if len(v.cache) > 200 {
			clear(v.cache)
		}
		v.cache[campaignID] = e
		v.mu.Unlock()
	}
	l := func(p rtoken.Purpose) string { return v.links.URL(p, contactID, campaignID) }
	upd := l(rtoken.Update)
	out, err := e.tpl.Render(ctx, templates.Data{
		Contact:    c,
		CampaignID: campaignID, CampaignName: e.name,
		Links: templates.Links{Unsubscribe: l(rtoken.Unsubscribe), Update: upd, Privacy: l(rtoken.Privacy), View: l(rtoken.View),
			UpdateOK: upd + "?answer=ok", UpdateChange: upd + "?answer=change", UpdateRemove: upd + "?answer=remove"},
	}, templates.RenderOptions{})
	if err != nil {
		return "", fmt.Errorf("optin: view: %w", err)
	}
	return out.HTML, nil
}

// templateContact returns the contact as the mail's template saw it: hidden
// attributes (data minimisation) left out; ErrGone when it is gone.
func (v *Viewer) templateContact(ctx context.Context, id int64) (templates.Contact, error) {
	c := templates.Contact{ID: id}
	err := v.r.db.QueryRow(ctx, `SELECT c.email, c.name, `+contacts.VisibleAttributesSQL("c")+` FROM contacts c WHERE c.id = $1`, id).
		Scan(&c.Email, &c.Name, &c.Attributes)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrGone
	}
	if err != nil {
		return c, fmt.Errorf("optin: view: contact: %w", err)
	}
	return c, nil
}
