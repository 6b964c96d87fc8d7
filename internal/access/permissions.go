// Package access is in charge of who is acting and on which department's
// data: the named permissions and the shipped roles built from them, and the
// acting person and current department carried in a context.Context, which
// the database pool (department scoping), the audit log and every domain
// package read.
package access

import "sort"

// Permission is a named right a role grants.
type Permission string

// The permissions. Each route of the admin API and each screen of the
// console needs exactly one of them.
const (
	// ContactsRead: list, search and read contacts, their subscriptions,
	// consents and bounces (personal data, one page at a time).
	ContactsRead Permission = "contacts.read"
	// ContactsWrite: create and change contacts, subscriptions, the
	// blocklist, change requests and update mailings.
	ContactsWrite Permission = "contacts.write"
	// ContactsImport: import contacts from a file.
	ContactsImport Permission = "contacts.import"
	// ListsRead and ListsManage: see lists; create, change and delete them.
	ListsRead   Permission = "lists.read"
	ListsManage Permission = "lists.manage"
	// CampaignsRead: see campaigns, their statistics and jobs.
	CampaignsRead Permission = "campaigns.read"
	// CampaignsSend: create, change, schedule, start, pause and cancel campaigns.
	CampaignsSend Permission = "campaigns.send"
	// ContactsExport: download contacts in bulk (CSV/JSON).
	ContactsExport Permission = "contacts.export"
	// PrivacyErase: erase contacts (single and bulk) and purge answers.
	PrivacyErase Permission = "privacy.erase"
	// PrivacyExport: download one contact's data (access request).
	PrivacyExport Permission = "privacy.export"
	// PrivacyRequests: handle data subjects' requests.
	PrivacyRequests Permission = "privacy.requests"
	// PrivacyAudit: read the audit log, privacy reports and retention previews.
	PrivacyAudit Permission = "privacy.audit"
	// UsersManage: persons, roles, departments, API tokens and sessions of others.
	UsersManage Permission = "users.manage"
	// SettingsManage: installation and department settings (allow-lists,
	// sending identity).
	SettingsManage Permission = "settings.manage"
)

// Route-only markers, not grantable: Public needs no sign-in; SignedIn needs
// a signed-in person or token but no permission (own profile, own sessions).
const (
	Public   Permission = "public"
	SignedIn Permission = "signed-in"
)

// Group names a set of permissions shown together. The privacy group holds
// every permission that reads or removes personal data in bulk.
type Group string

// The groups.
const (
	GroupContacts  Group = "contacts"
	GroupCampaigns Group = "campaigns"
	GroupPrivacy   Group = "privacy"
	GroupAdmin     Group = "admin"
)

// Info describes a permission for reports and role editors.
type Info struct {
	Name        Permission `json:"name"`
	Group       Group      `json:"group"`
	Description string     `json:"description"`
}

// All lists every grantable permission, by group.
var All = []Info{
	{ContactsRead, GroupContacts, "read contacts one page at a time"},
	{ContactsWrite, GroupContacts, "create and change contacts, subscriptions and the blocklist"},
	{ContactsImport, GroupContacts, "import contacts from a file"},
	{ListsRead, GroupContacts, "see lists"},
	{ListsManage, GroupContacts, "create, change and delete lists"},
	{CampaignsRead, GroupCampaigns, "see campaigns, statistics and jobs"},
	{CampaignsSend, GroupCampaigns, "create, schedule and send campaigns"},
	{ContactsExport, GroupPrivacy, "download contacts in bulk"},
	{PrivacyErase, GroupPrivacy, "erase contacts"},
	{PrivacyExport, GroupPrivacy, "download one contact's data"},
	{PrivacyRequests, GroupPrivacy, "handle data subjects' requests"},
	{PrivacyAudit, GroupPrivacy, "read the audit log and privacy reports"},
	{UsersManage, GroupAdmin, "manage persons, roles, departments and tokens"},
	{SettingsManage, GroupAdmin, "manage settings and allow-lists"},
}

// Valid reports whether p is a grantable permission.
func Valid(p Permission) bool {
	for _, i := range All {
		if i.Name == p {
			return true
		}
	}
	return false
}

// Shipped role names.
const (
	RoleAdmin    = "admin"
	RoleMarketer = "marketer"
	RolePrivacy  = "privacy"
	RoleViewer   = "viewer"
)

// Shipped is the permission table of the shipped roles. Custom roles are
// stored in the database as sets of the same permissions.
var Shipped = map[string][]Permission{
	RoleAdmin: allNames(),
	RoleMarketer: {ContactsRead, ContactsWrite, ContactsImport, ListsRead, ListsManage,
		CampaignsRead, CampaignsSend},
	RolePrivacy: {ContactsRead, ListsRead, CampaignsRead, ContactsExport, PrivacyErase,
		PrivacyExport, PrivacyRequests, PrivacyAudit},
	RoleViewer: {ListsRead, CampaignsRead},
}

// ShippedNames lists the shipped roles in the order of the brief.
var ShippedNames = []string{RoleAdmin, RoleMarketer, RolePrivacy, RoleViewer}

func allNames() []Permission {
	out := make([]Permission, len(All))
	for i, p := range All {
		out[i] = p.Name
	}
	return out
}

// Set is a set of permissions.
type Set map[Permission]bool

// NewSet returns the set of ps.
func NewSet(ps ...Permission) Set {
	s := make(Set, len(ps))
	for _, p := range ps {
		s[p] = true
	}
	return s
}

// Has reports whether p is in the set.
func (s Set) Has(p Permission) bool { return s[p] }

// List returns the permissions sorted by name.
func (s Set) List() []Permission {
	out := make([]Permission, 0, len(s))
	for p := range s {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
