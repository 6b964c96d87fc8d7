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
	// Columns are the columns that hold personal data (exported, and erased
	// or anonymised).
	Columns []string
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
		Columns: []string{"email", "name", "attributes", "status", "hard_bounces", "soft_bounces", "one_star_since", "last_engaged_at", "source", "updated_source", "created_at", "updated_at"}},
	{Table: "subscriptions", ContactColumn: "contact_id", Erase: "delete",
		Columns: []string{"list_id", "status", "created_at", "updated_at"}},
	{Table: "consent_records", ContactColumn: "contact_id", Erase: "delete",
		Columns: []string{"list_id", "action", "source", "purpose", "ip", "user_agent", "evidence", "created_at"}},
	{Table: "blocklist", EmailColumn: "email", Erase: "anonymise",
		Columns: []string{"email", "reason", "note", "created_at"}},
}

// NonPersonalTables hold no personal data of contacts.
var NonPersonalTables = []string{"schema_migrations", "lists", "api_tokens", "jobs"}
