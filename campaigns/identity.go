package campaigns

import (
	"context"
	"fmt"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/identity"
	"github.com/postbode/postbode/templates"
)

// department is the department of campaign id, or (for a new campaign,
// id 0) the one ctx acts for.
func (s *Service) department(ctx context.Context, id int64) (int64, error) {
	return s.departmentIn(ctx, s.db, id)
}

// departmentIn is department, read through q.
func (s *Service) departmentIn(ctx context.Context, q querier, id int64) (int64, error) {
	if id == 0 {
		return identity.Dept(ctx), nil
	}
	var dept int64
	if err := q.QueryRow(access.Unscoped(ctx), `SELECT department_id FROM campaigns WHERE id = $1`, id).Scan(&dept); err != nil {
		return 0, fmt.Errorf("campaigns: department of %d: %w", id, err)
	}
	return dept, nil
}

// style is the installation's house style with department dept's
// organisation name, logo and colour where it has them, in lang (a
// campaign's language; "" keeps the installation's default).
func (s *Service) style(ctx context.Context, dept int64, lang string) (templates.Style, error) {
	return s.styleIn(ctx, s.db, dept, lang)
}

// styleIn is style, read through q.
func (s *Service) styleIn(ctx context.Context, q querier, dept int64, lang string) (templates.Style, error) {
	st := s.opt.Style
	if lang != "" {
		st.Lang = lang
	}
	id, err := identity.Get(ctx, q, dept)
	if err != nil {
		return st, err
	}
	id.Apply(&st.OrgName, &st.LogoURL, &st.Primary)
	return st, nil
}

// sampleMail is the body of the house-style preview, per language.
var sampleMail = map[string]struct{ subject, html string }{
	"en": {"A sample mailing from {{.CampaignName}}", `<h1>Dear {{.Contact.Name}},</h1>
<p>This is how your mailings look: the logo or organisation name at the top, your colour on headings and links, and the footer with the unsubscribe, update-your-details and privacy links.</p>
<p><a href="https://example.org/">Read more on our website</a></p>`},
	"nl": {"Een voorbeeldmailing van {{.CampaignName}}", `<h1>Beste {{.Contact.Name}},</h1>
<p>Zo zien uw mailings eruit: bovenaan het logo of de naam van de organisatie, uw kleur op koppen en links, en onderaan de links om af te melden, gegevens te wijzigen en de privacyverklaring te lezen.</p>
<p><a href="https://example.org/">Lees meer op onze website</a></p>`},
}

// StylePreview renders a sample mail, for the sample contact, in the
// installation's house style with id's organisation name, logo and colour
// where it has them. id is validated but not stored, so unsaved changes
// can be previewed; lang (en or nl) picks the sample text and footer.
func (s *Service) StylePreview(ctx context.Context, id identity.Identity, lang string) (templates.Rendered, error) {
	if err := id.Validate(); err != nil {
		return templates.Rendered{}, err
	}
	st := s.opt.Style
	id.Apply(&st.OrgName, &st.LogoURL, &st.Primary)
	if lang != "nl" {
		lang = "en"
	}
	st.Lang = lang
	sample := sampleMail[lang]
	t, err := templates.Compile(ctx, sample.subject, sample.html, "", st)
	if err != nil {
		return templates.Rendered{}, fmt.Errorf("campaigns: style preview: %w", err)
	}
	d := templates.Sample()
	d.CampaignName = st.OrgName
	if d.CampaignName == "" {
		d.CampaignName = "postbode"
	}
	return t.Render(ctx, d, templates.RenderOptions{})
}
