// Package identity is in charge of each department's sending identity: the
// From domains it owns (a domain belongs to at most one department) and its
// house style (organisation name, logo, colour). Empty values stand for the
// installation's configuration, so a single-department installation needs
// none of this.
package identity

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/errs"
)

// Identity is one department's sending identity.
type Identity struct {
	DepartmentID int64    `json:"department_id"`
	Domains      []string `json:"domains"`
	OrgName      string   `json:"org_name"`
	LogoURL      string   `json:"logo_url"`
	PrimaryColor string   `json:"primary_color"`
}

// DB is a pool or a transaction.
type DB interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// ErrNoDepartment: the department does not exist.
var ErrNoDepartment = errs.NotFound("department_not_found", "no such department")

// MaxDomains bounds the From domains of one department.
const MaxDomains = 100

var (
	domainRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)
	colorRe  = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
)

// Dept is the department ctx acts for; unscoped (system) work acts for the
// default department.
func Dept(ctx context.Context) int64 {
	if d := access.Department(ctx); d != 0 {
		return d
	}
	return access.DefaultDepartment
}

// Get returns department dept's identity.
func Get(ctx context.Context, q DB, dept int64) (Identity, error) {
	return get(ctx, q, `FROM departments d WHERE d.id = $1`, dept)
}

// get reads the identity of the department the from-clause names (d).
func get(ctx context.Context, q DB, from string, arg int64) (Identity, error) {
	var id Identity
	err := q.QueryRow(access.Unscoped(ctx), `SELECT d.id, d.org_name, d.logo_url, d.primary_color,
			ARRAY(SELECT domain FROM department_domains WHERE department_id = d.id ORDER BY domain) `+from, arg).
		Scan(&id.DepartmentID, &id.OrgName, &id.LogoURL, &id.PrimaryColor, &id.Domains)
	if errors.Is(err, pgx.ErrNoRows) {
		return id, ErrNoDepartment
	}
	if err != nil {
		return id, fmt.Errorf("identity: get: %w", err)
	}
	return id, nil
}

// Validate normalises id (lower-case, sorted, unique domains) and checks
// every field; errors name the field.
func (id *Identity) Validate() error {
	id.OrgName, id.LogoURL = strings.TrimSpace(id.OrgName), strings.TrimSpace(id.LogoURL)
	if err := errs.Name("org_name", id.OrgName); err != nil {
		return err
	}
	if strings.ContainsAny(id.OrgName, "<>") {
		return errs.Invalid("org_name", "must not contain angle brackets")
	}
	if id.LogoURL != "" && (!strings.HasPrefix(id.LogoURL, "https://") || len(id.LogoURL) > 2000 || strings.ContainsAny(id.LogoURL, " \"<>\r\n")) {
		return errs.Invalid("logo_url", "an https:// URL of at most 2000 characters")
	}
	if id.PrimaryColor != "" && !colorRe.MatchString(id.PrimaryColor) {
		return errs.Invalid("primary_color", "a colour as #rrggbb")
	}
	if len(id.Domains) > MaxDomains {
		return errs.Invalidf("domains", "at most %d domains", MaxDomains)
	}
	out := make([]string, 0, len(id.Domains))
	for i, d := range id.Domains {
		d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
		if len(d) > 253 || !domainRe.MatchString(d) {
			return errs.Invalidf(fmt.Sprintf("domains[%d]", i), "not a domain name: %q", clip(d))
		}
		// A claim covers every subdomain (CheckFrom): a public suffix
		// (co.uk, github.io) would take every organisation's domain under it.
		if ps, _ := publicsuffix.PublicSuffix(d); ps == d {
			return errs.Invalidf(fmt.Sprintf("domains[%d]", i), "%q is a public suffix, shared by many organisations: claim your own domain under it", d)
		}
		out = append(out, d)
	}
	slices.Sort(out)
	id.Domains = slices.Compact(out)
	return nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// ClaimQuiet is how long a From domain stays another department's to use
// after its last campaign from it: a domain a department sends from (a
// draft changed, a campaign scheduled, running or paused, or one that sent
// within this window) cannot be claimed by another department, whose claim
// would stop those campaigns (422 naming from_email). 90 days covers a
// quarterly newsletter.
const ClaimQuiet = 90 * 24 * time.Hour

// Codes of the refused claims (409, field domains).
const (
	CodeTaken = "domain_taken"  // another department owns the domain or a parent of it
	CodeInUse = "domain_in_use" // another department sends from it (ClaimQuiet)
)

// Save replaces department id.DepartmentID's identity inside tx. A domain
// another department owns (CodeTaken), or one another department's
// campaigns send from (CodeInUse, see ClaimQuiet), is refused (409 naming
// domains); the refusal never names the other department.
func Save(ctx context.Context, tx pgx.Tx, id Identity) (Identity, error) {
	if err := id.Validate(); err != nil {
		return id, err
	}
	ctx = access.Unscoped(ctx)
	// A claim waits for every campaign write in progress (HoldFrom) and
	// for any other claim, so its checks see what they committed and
	// what it writes is seen by the next one: of two departments
	// claiming one domain, the second is refused (CodeTaken), and a
	// campaign saved meanwhile refuses the claim (CodeInUse) or is
	// refused by it (CheckFrom).
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, claimLock); err != nil {
		return id, fmt.Errorf("identity: save: %w", err)
	}
	tag, err := tx.Exec(ctx, `UPDATE departments SET org_name = $2, logo_url = $3, primary_color = $4 WHERE id = $1`,
		id.DepartmentID, id.OrgName, id.LogoURL, id.PrimaryColor)
	if err != nil {
		return id, fmt.Errorf("identity: save: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return id, ErrNoDepartment
	}
	if err := checkClaim(ctx, tx, id); err != nil {
		return id, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM department_domains WHERE department_id = $1 AND NOT (domain = ANY($2))`,
		id.DepartmentID, id.Domains); err != nil {
		return id, fmt.Errorf("identity: save: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO department_domains (domain, department_id) SELECT unnest($1::text[]), $2
		ON CONFLICT (domain) DO NOTHING`, id.Domains, id.DepartmentID); err != nil {
		return id, fmt.Errorf("identity: save: %w", err)
	}
	return id, nil
}

// claimLock is the advisory lock key that serialises claims of From
// domains (exclusive, Save) with the campaign writes whose From address
// they check (shared, HoldFrom).
const claimLock int64 = 310_000_001

// HoldFrom makes tx, which checks a campaign's From address (CheckFrom)
// and then writes the campaign (a draft, or scheduling or starting it),
// wait for a claim of a From domain in progress and keeps any new one
// waiting until tx ends: no claim comes between the check and the write,
// and a claim after it sees the campaign (CodeInUse). Campaign writes do
// not wait for each other.
func HoldFrom(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(access.Unscoped(ctx), `SELECT pg_advisory_xact_lock_shared($1)`, claimLock); err != nil {
		return fmt.Errorf("identity: hold from: %w", err)
	}
	return nil
}

// checkClaim refuses the domains of id that another department owns, or
// that another department's campaigns send from.
func checkClaim(ctx context.Context, tx pgx.Tx, id Identity) error {
	// A subdomain of another department's domain is that department's
	// too (see CheckFrom), so it cannot be claimed either.
	taken, err := queryStrings(ctx, tx, `SELECT d FROM unnest($1::text[]) d WHERE EXISTS (SELECT 1 FROM department_domains o
		WHERE o.department_id <> $2 AND `+coversSQL("o.domain", "d")+`) ORDER BY d`, id.Domains, id.DepartmentID)
	if err != nil {
		return err
	}
	if len(taken) > 0 {
		return &errs.Error{Kind: errs.KindConflict, Code: CodeTaken, Field: "domains",
			Message: "another department sends from " + strings.Join(taken, ", ")}
	}
	// A campaign's From domain is stored in Unicode (contacts.NormalizeEmail),
	// an owned domain in ASCII: each claimed domain is looked for in both.
	uni := make([]string, len(id.Domains))
	for i, d := range id.Domains {
		uni[i] = unicodeDomain(d)
	}
	inUse, err := queryStrings(ctx, tx, inUseSQL, id.Domains, id.DepartmentID, ClaimQuiet.Seconds(), uni)
	if err != nil {
		return err
	}
	if len(inUse) > 0 {
		e := errs.Conflict(CodeInUse, fmt.Sprintf("another department has campaigns from %s (drafts, scheduled or running, or sent in the last %d days); a domain in use cannot be claimed", strings.Join(inUse, ", "), int(ClaimQuiet.Hours()/24)))
		e.Field = "domains"
		return e
	}
	return nil
}

// inUseSQL lists the domains of $1 that department $2 does not own yet and
// whose claim would take over the From domain of a live campaign of
// another department: a campaign whose From domain the claimed domain
// (or $4, its Unicode form at the same index) covers, unless a longer owned domain covers it (that one stays its
// owner, see CheckFrom). A domain already owned is not claimed again, so
// saving the identity unchanged is never refused.
// Live: not finished or cancelled and, for a draft, changed within $3
// seconds; or finished, or cancelled after starting, within $3 seconds.
var inUseSQL = `SELECT d FROM unnest($1::text[], $4::text[]) t(d, u) WHERE EXISTS (
	SELECT 1 FROM (SELECT lower(substring(c.from_email FROM '@([^@]*)$')) AS fd FROM campaigns c
		WHERE c.department_id <> $2 AND CASE
			WHEN c.status = 'draft' THEN c.updated_at > now() - make_interval(secs => $3)
			WHEN c.status IN ('scheduled', 'running', 'paused') THEN true
			ELSE (c.status = 'finished' OR c.started_at IS NOT NULL) AND coalesce(c.finished_at, c.updated_at) > now() - make_interval(secs => $3)
		END) c
	WHERE (` + coversSQL("d", "c.fd") + ` OR ` + coversSQL("u", "c.fd") + `) AND NOT EXISTS (SELECT 1 FROM department_domains o
		WHERE length(o.domain) > length(d) AND ` + coversSQL("o.domain", "c.fd") + `))
	AND NOT EXISTS (SELECT 1 FROM department_domains m WHERE m.department_id = $2 AND m.domain = d)
	ORDER BY d`

// queryStrings runs a query of one text column.
func queryStrings(ctx context.Context, tx pgx.Tx, sql string, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("identity: save: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("identity: save: %w", err)
	}
	return out, nil
}

// coversSQL is the condition that the owned domain owned covers domain d:
// d is owned or one of its subdomains. DKIM signs a subdomain with its
// nearest parent's key (mta), so whoever sends from a subdomain sends
// under the parent's signature: a domain and its subdomains have one owner.
func coversSQL(owned, d string) string {
	return "(" + owned + " = " + d + " OR right(" + d + ", length(" + owned + ") + 1) = '.' || " + owned + ")"
}

// CheckFrom checks that department dept may send From addr: a department
// that owns domains sends only from them (and their subdomains); one that
// owns none sends from any domain no other department owns. A domain's
// owner is the department owning it or its nearest parent. The error
// names field.
func CheckFrom(ctx context.Context, q DB, dept int64, field, addr string) error {
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return errs.Invalid(field, "not an address")
	}
	at := strings.LastIndexByte(a.Address, '@')
	domain := ASCIIDomain(strings.ToLower(a.Address[at+1:]))
	var owner *int64
	var ownsAny bool
	err = q.QueryRow(access.Unscoped(ctx), `SELECT (SELECT department_id FROM department_domains o WHERE `+coversSQL("o.domain", "$1")+`
		ORDER BY length(o.domain) DESC LIMIT 1),
		EXISTS (SELECT 1 FROM department_domains WHERE department_id = $2)`, domain, dept).Scan(&owner, &ownsAny)
	if err != nil {
		return fmt.Errorf("identity: check from: %w", err)
	}
	switch {
	case owner != nil && *owner == dept:
		return nil
	case owner != nil:
		return errs.Invalidf(field, "the domain %s belongs to another department", domain)
	case ownsAny:
		return errs.Invalidf(field, "send from one of this department's domains (GET /api/v1/departments/current/identity); %s is not one", domain)
	}
	return nil
}

// Apply overrides the installation's organisation name, logo and colour
// with those the department has.
func (id Identity) Apply(org, logo, color *string) {
	for _, f := range []struct {
		dst *string
		v   string
	}{{org, id.OrgName}, {logo, id.LogoURL}, {color, id.PrimaryColor}} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
}

// ForContact is the identity of a recipient interaction: that of the
// department contact contactID belongs to, which is the department whose
// mail carried the link (a campaign sends only to its own department's
// contacts) or whose form the contact came through. Callers get the
// contact id from something authenticated — a recipient token under the
// server key, a verified request — never from a parameter a visitor can
// choose. ErrNoDepartment when the contact does not exist (erased): show
// the installation's identity then, which reveals nothing.
func ForContact(ctx context.Context, q DB, contactID int64) (Identity, error) {
	// One round trip: this runs for every click on a link in a mail.
	return get(ctx, q, `FROM contacts c JOIN departments d ON d.id = c.department_id WHERE c.id = $1`, contactID)
}

type interactionKey struct{}

// With returns ctx carrying the identity of the recipient interaction it
// serves (identity.ForContact, or the department of the form): the pages
// show its name, logo and colour, and the single mails sent for it (a
// confirmation, a privacy answer) are signed with its name and carry it as
// the From display name.
func With(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, interactionKey{}, id)
}

// From returns the identity of With; false when there is none (the
// installation's own name and style apply).
func From(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(interactionKey{}).(Identity)
	return id, ok
}

// ASCIIDomain is the ASCII (xn--, RFC 5890 A-label) form of domain d: the
// form a department owns a domain in (Validate), and the form DNS, an SMTP
// envelope without SMTPUTF8 and a DKIM d= need. A contact's or From
// address keeps its domain in Unicode (contacts.NormalizeEmail, which has
// checked it), and both spellings are one domain. d itself when it is
// ASCII already or has no ASCII form (not a valid IDN).
func ASCIIDomain(d string) string {
	ascii := true
	for i := 0; i < len(d) && ascii; i++ {
		ascii = d[i] < 0x80
	}
	if ascii {
		return d
	}
	if a, err := idna.Lookup.ToASCII(d); err == nil {
		return a
	}
	return d
}

// unicodeDomain is the Unicode form of the ASCII domain d, as
// contacts.NormalizeEmail stores a From address's domain.
func unicodeDomain(d string) string {
	if u, err := idna.Lookup.ToUnicode(d); err == nil {
		return strings.ToLower(u)
	}
	return d
}
