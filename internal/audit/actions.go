package audit

import "slices"

// Actions are every action the audit log records, in the order the
// console's filter offers them: privacy work, changes, then people and
// sign-ins. They are the actions the audit_log_action_check constraint
// allows (TestActionsAreTheDatabases), so a new action is added to both.
var Actions = []string{
	"erase", "export", "bulk-read", "bulk-export", "report", "segment",
	"request-mailed", "request-verified", "request-fulfil", "request-reject",
	"retention-preview", "retention-run",
	"contact-create", "contact-change", "bounce-dismiss", "list-change", "campaign-change", "setting-change",
	"token-create", "token-revoke", "department-create", "department-change", "domain-claim-refused", "role-create", "role-change",
	"person-create", "person-invite", "invitation-resend", "invitation-revoke", "invitation-accept", "person-activate", "person-disable", "membership-set", "membership-remove",
	"password-reset", "password-reset-link", "totp-enable", "totp-disable", "session-revoke",
	"login", "login-failed", "logout",
}

// Known reports whether action is one of Actions.
func Known(action string) bool { return slices.Contains(Actions, action) }
