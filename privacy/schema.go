package privacy

import (
	"encoding/json"
	"net/http"

	"github.com/postbode/postbode/internal/db"
)

// Versions of the JSON export. Version 2 added schema_version, schema,
// controller and references to version 1's contact_id, generated_at and
// tables; a field is never renamed or dropped within a version.
const (
	ExportSchemaVersion = 2
	ExportSchemaID      = "urn:postbode:export:2"
)

// ExportSchema is the JSON Schema (draft 2020-12) of the JSON export,
// generated from the personal-data registry and the report's labels, so
// every exported column is described.
func ExportSchema() map[string]any {
	tables := map[string]any{}
	for _, p := range db.PersonalTables {
		sec := reportSections[p.Table]
		props := map[string]any{}
		for _, c := range exportColumns(p) {
			props[c] = columnSchema(sec.cols[c])
		}
		if len(p.Unverified) > 0 {
			props[WithheldKey] = map[string]any{"type": []string{"array", "null"}, "items": map[string]any{"type": "string"},
				"description": "On a row found only by the contact's address (not tied to a mail sent to the contact): the columns left out (null), because such a mail may name other people and anyone can send one; null otherwise."}
		}
		tables[p.Table] = map[string]any{
			"description": sec.en,
			"type":        "array",
			"items":       map[string]any{"type": "object", "properties": props, "required": exportColumns(p)},
		}
	}
	str := map[string]any{"type": "string"}
	return map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         ExportSchemaID,
		"title":       "Personal data export",
		"description": "Every piece of personal data held on one contact (GDPR art. 15 and 20). Each table holds the contact's rows with every registered column; ids are internal and link rows to references. Times are RFC 3339; binary values (raw mail) are hex with a \\x prefix.",
		"type":        "object",
		"required":    []string{"schema_version", "schema", "contact_id", "generated_at", "controller", "references", "tables"},
		"properties": map[string]any{
			"schema_version": map[string]any{"const": ExportSchemaVersion},
			"schema":         map[string]any{"const": ExportSchemaID},
			"contact_id":     map[string]any{"type": "integer", "description": "Internal id of the contact."},
			"generated_at":   map[string]any{"type": "string", "format": "date-time"},
			"controller": map[string]any{"type": "object", "description": "Who holds the data: organisation, privacy contact, privacy statement, request form, supervisory authority, processors (GDPR art. 28), retention_days (0: kept until erased on request), time_zone.",
				"properties": map[string]any{"organisation": str, "contact_email": str, "statement_url": str, "request_url": str, "authority": str,
					"retention_days": map[string]any{"type": "integer"}, "time_zone": str,
					"processors": map[string]any{"type": "array", "items": map[string]any{"type": "object",
						"properties": map[string]any{"name": str, "purpose": str, "location": str}}}}},
			"references": map[string]any{"type": "object", "description": "Names of the lists (with purpose and legal basis: consent, contract, legal-obligation, legitimate-interest) and mailings the rows refer to, keyed by id.",
				"properties": map[string]any{
					"lists":     map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "object", "properties": map[string]any{"name": str, "purpose": str, "legal_basis": str}}},
					"campaigns": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "object", "properties": map[string]any{"name": str, "subject": str, "sent_at": map[string]any{"type": []string{"string", "null"}}}}},
				}},
			"tables": map[string]any{"type": "object", "properties": tables, "required": tableNames()},
		},
	}
}

func tableNames() []string {
	out := make([]string, len(db.PersonalTables))
	for i, p := range db.PersonalTables {
		out[i] = p.Table
	}
	return out
}

func columnSchema(l label) map[string]any {
	desc := l.en
	if l.kind == vInternal {
		desc = "internal id"
	}
	s := map[string]any{"description": desc}
	switch l.kind {
	case vTime:
		s["type"], s["format"] = []string{"string", "null"}, "date-time"
	case vList:
		s["description"] = desc + " (id, named in references.lists)"
	case vCampaign:
		s["description"] = desc + " (id, named in references.campaigns)"
	}
	return s
}

func (a *API) exportSchema(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/schema+json")
	return json.NewEncoder(w).Encode(ExportSchema())
}
