package db

// PersonalTable describes a table that holds personal data or is linked to a
// contact. Erasure deletes (or anonymises) its rows for a contact and the
// access export reads them; both are tested against this list.
type PersonalTable struct {
	// Table is the table name.
	Table string
	// ContactColumn links a row to contacts.id ("id" for contacts itself);
	// empty when rows are found by EmailColumn instead.
	ContactColumn string
	// EmailColumn holds an address when rows are found by address; optional.
	EmailColumn string
	// HashColumn is a bytea[] of keyed address hashes (contacts.Store.Hash)
	// when rows are also found by any address they name; optional. It is
	// not exported (it may hash other people's addresses too).
	HashColumn string
	// DepartmentColumn, when set, limits the rows found by EmailColumn to the
	// contact's own department (rows of a per-department list such as the
	// blocklist); optional.
	DepartmentColumn string
	// Columns are the columns that hold personal data (exported, and erased
	// or anonymised). When Erase is "anonymise" each is set to NULL, or to its
	// DEFAULT when NOT NULL (the registry test checks one of them exists).
	Columns []string
	// OtherColumns are the remaining columns, which hold no personal data once
	// the contact link is gone (ids, counters, times kept for statistics).
	// They are exported with the row and kept by anonymisation. Every column of
	// the table is ContactColumn, EmailColumn, in Columns or in OtherColumns
	// (tested), so a new column must be classified.
	OtherColumns []string
	// Unverified are columns holding text of a received mail that a row
	// found only by address (EmailColumn, HashColumn: not linked through
	// ContactColumn, so nothing ties the mail to a delivery to the contact)
	// may hold: such a mail can name other people and anyone can send one
	// naming an address, so the access export leaves these columns empty
	// on such rows and names them in the row's "withheld" key (GDPR art.
	// 15(4)). Erasure is not affected. Needs ContactColumn.
	Unverified []string
	// Erase says what erasure does to the rows: "delete" removes them,
	// "anonymise" nulls the personal columns and the contact link (for rows
	// statistics need).
	Erase string
}

// PersonalTables is the registry of every table that can hold personal data.
// A test fails when a table in the schema is in neither this list nor
// NonPersonalTables.
var PersonalTables = []PersonalTable{
	{Table: "contacts", ContactColumn: "id", EmailColumn: "email", Erase: "delete",
		Columns: []string{"email", "name", "attributes", "status", "hard_bounces", "soft_bounces", "one_star_since", "last_engaged_at", "source", "updated_source", "created_at", "updated_at", "no_tracking"},
		// The department and the staff labels ("person:12") of who created
		// and last changed the contact are not the contact's data;
		// email_search and name_search are lower-case copies of email and
		// name that Postgres generates for the search index (gone with the
		// row, not exported twice).
		OtherColumns: []string{"department_id", "created_by", "updated_by", "email_search", "name_search"}},
	// The change history of a contact by staff: which fields, by whom, when.
	{Table: "contact_changes", ContactColumn: "contact_id", Erase: "delete",
		Columns:      []string{"actor", "at", "fields"},
		OtherColumns: []string{"id"}},
	{Table: "subscriptions", ContactColumn: "contact_id", Erase: "delete",
		Columns: []string{"list_id", "status", "created_at", "updated_at", "repermission_asked_at"}},
	{Table: "consent_records", ContactColumn: "contact_id", Erase: "delete",
		Columns:      []string{"list_id", "action", "source", "purpose", "ip", "user_agent", "evidence", "created_at"},
		OtherColumns: []string{"id"}},
	// The blocklist is found by address in the contact's department (each
	// department keeps its own); erasure nulls the address and note and keeps
	// the keyed hash only when retention.keep_suppression_hash is on and the
	// contact was blocklisted or complained (else the row goes).
	{Table: "blocklist", EmailColumn: "email", DepartmentColumn: "department_id", Erase: "anonymise",
		Columns:      []string{"note"},
		OtherColumns: []string{"email_hash", "id", "reason", "created_at", "department_id"}},
	// Deliveries are statistics: erasure nulls the contact link and the last
	// error (it may quote the address).
	{Table: "deliveries", ContactColumn: "contact_id", Erase: "anonymise",
		Columns:      []string{"last_error"},
		OtherColumns: []string{"campaign_id", "status", "attempts", "queued_at", "done_at", "opened_at", "clicked_at"}},
	{Table: "campaign_audience", ContactColumn: "contact_id", Erase: "delete",
		OtherColumns: []string{"campaign_id"}},
	// Inbound messages (bounces, complaints, mailto unsubscribes) hold the raw
	// mail: deleted by erasure (found by the correlated contact, the envelope
	// sender, or the hash of any address the message names) and by
	// bounces.raw_retention. The access export shows sender, envelope
	// recipients and the mail itself only for a message correlated to the
	// contact; of one found by address only, that it exists.
	{Table: "inbound_messages", ContactColumn: "contact_id", EmailColumn: "mail_from", HashColumn: "address_hashes", Erase: "delete",
		Columns:      []string{"rcpts", "raw"},
		Unverified:   []string{"mail_from", "rcpts", "raw"},
		OtherColumns: []string{"id", "received_at", "size", "status", "attempts", "next_attempt", "processed_at", "outcome"}},
	// Bounces are statistics by class and reason: erasure nulls the contact
	// link, the failed address and the diagnostic (it may quote the address);
	// evidence tied to no contact is filed under each department holding a
	// contact of the address it names (migration 400), is found by the
	// address in every department (postbode_erase_evidence, migration 210), and loses both
	// after bounces.raw_retention, with its raw mail (postbode_clear_evidence,
	// migration 220: the one rule for both). The access export shows the
	// diagnostic of a bounce correlated to the contact, not of evidence.
	{Table: "bounces", ContactColumn: "contact_id", EmailColumn: "recipient", Erase: "anonymise",
		Columns:    []string{"diagnostic"},
		Unverified: []string{"diagnostic"},
		OtherColumns: []string{"id", "campaign_id", "inbound_id", "class", "reason", "status", "reply_code", "action", "source", "counted", "outcome", "created_at", "department_id",
			"rule", "status_rule", "dismissed_at", "dismissed_by"}},
	// Recipient actions on the public pages (time, IP, user agent).
	{Table: "recipient_actions", ContactColumn: "contact_id", Erase: "delete",
		Columns:      []string{"campaign_id", "list_id", "action", "detail", "ip", "user_agent", "created_at"},
		OtherColumns: []string{"id"}},
	// Answers to update mailings are statistics: erasure nulls the contact link.
	{Table: "update_answers", ContactColumn: "contact_id", Erase: "anonymise",
		OtherColumns: []string{"campaign_id", "answer", "answered_at"}},
	// Changes of details (old and new values) from the update page.
	{Table: "change_requests", ContactColumn: "contact_id", Erase: "delete",
		Columns:      []string{"campaign_id", "changes", "status", "ip", "user_agent", "created_at", "decided_at", "decided_by"},
		OtherColumns: []string{"id"}},
	// Privacy requests stay after erasure as proof they were answered in
	// time: the contact link, IP, user agent, token hash, the subject's own
	// text (details: what should be corrected) and the note staff closed it
	// with (it says what was done, e.g. the corrected name) are emptied.
	{Table: "privacy_requests", ContactColumn: "contact_id", Erase: "anonymise",
		Columns:      []string{"ip", "user_agent", "token_hash", "details", "note"},
		OtherColumns: []string{"id", "kind", "status", "via", "lang", "verified_at", "due_at", "closed_at", "closed_by", "department_id"}},
	// What a person typed with a request on the public privacy form, until
	// its verification link is followed or expires.
	{Table: "privacy_request_drafts", ContactColumn: "contact_id", Erase: "delete",
		Columns:      []string{"details", "expires_at"},
		OtherColumns: []string{"token_hash"}},
	// Legal holds of a contact: deleted with it once released or expired
	// (erasure never runs while one is active); a hold on every contact has
	// no contact link.
	{Table: "legal_holds", ContactColumn: "contact_id", Erase: "delete",
		Columns:      []string{"reason", "until", "created_at", "released_at"},
		OtherColumns: []string{"id", "created_by", "released_by", "department_id"}},
	// Invitations of staff name the invited address and name: found by the
	// address in the contact's department (the invitation's department),
	// exported with it and deleted by its erasure. Who invited and who
	// accepted are staff labels and ids; the token hash leads nowhere once
	// the invitation is used or gone.
	{Table: "invitations", EmailColumn: "email", DepartmentColumn: "department_id", Erase: "delete",
		Columns:      []string{"name", "role", "created_at", "sent_at", "expires_at", "accepted_at", "revoked_at"},
		OtherColumns: []string{"id", "seq", "department_id", "token_hash", "invited_by", "accepted_by"}},
}

// NonPersonalTables hold no personal data of contacts.
var NonPersonalTables = []string{"schema_migrations", "lists", "list_counts", "api_tokens", "jobs",
	"campaigns", "campaign_stats",
	// webhook_messages holds relay notification ids (replay protection).
	"webhook_messages",
	// hidden_attributes names attribute keys hidden from non-privacy roles.
	"hidden_attributes",
	// The breach register and processor agreements describe incidents and
	// companies, not data subjects.
	"data_breaches", "processor_agreements",
	// audit_log holds staff actions with counts, never subjects' data.
	"audit_log",
	// Staff accounts hold data of staff, not of contacts: removed with the
	// person (ON DELETE CASCADE), never part of a contact's erasure or export.
	"departments", "persons", "roles", "role_permissions", "memberships", "sessions",
	"login_failures", "person_links",
	// department_domains names the From domains each department owns.
	"department_domains",
	// job_keys holds hashes salted with a secret that lives only in the
	// running job's process (and rows only while it runs): nothing links
	// them to a person.
	"job_keys"}
