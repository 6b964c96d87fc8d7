package console

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
	"github.com/postbode/postbode/staff"
)

//go:embed static
var staticFS embed.FS

// Permissions the routes need, from the one permission table (access).
const (
	permNone           = access.SignedIn
	permContactsRead   = access.ContactsRead
	permContactsWrite  = access.ContactsWrite
	permContactsExport = access.PrivacyExport
	permErase          = access.PrivacyErase
	permListsRead      = access.ListsRead
	permListsManage    = access.ListsManage
	permImports        = access.ContactsImport
	permCampaignsRead  = access.CampaignsRead
	permCampaignsWrite = access.CampaignsSend
	permPrivacyRead    = access.PrivacyRequests
	permPrivacyAudit   = access.PrivacyAudit
	permAdmin          = access.UsersManage
	permSettings       = access.SettingsManage
)

// routes lists every console route. The chain, outermost first: security
// headers and body limit → session → CSRF on POST → permission → audit of
// a successful change → action.
func (h *Handler) routes() {
	static, _ := fs.Sub(staticFS, "static")
	h.mux.Handle("GET /console/static/", h.secure(http.StripPrefix("/console/static/", http.FileServerFS(static))))
	h.open("GET /console/login", h.loginShow)
	h.open("POST /console/login", h.loginSave)
	h.open("GET "+staff.InvitePath, h.inviteShow)
	h.open("POST "+staff.InvitePath, h.inviteSave)
	h.open("GET "+staff.ResetPath, h.resetShow)
	h.open("POST "+staff.ResetPath, h.resetSave)
	h.open("POST /console/reset-request", h.resetRequest)

	h.page("POST /console/logout", permNone, h.logoutSave)
	h.page("POST /console/department", permNone, h.departmentSave)
	h.page("POST /console/language", permNone, h.languageSave)
	h.page("GET /console/{$}", permNone, h.overviewShow)
	h.page("GET /console/account", permNone, h.accountShow)
	h.page("POST /console/account/password", permNone, h.accountPasswordSave)
	h.page("POST /console/account/totp", permNone, h.accountTOTPCreate)
	h.page("POST /console/account/totp/confirm", permNone, h.accountTOTPSave)
	h.page("POST /console/account/totp/remove", permNone, h.accountTOTPRemove)
	h.page("POST /console/account/sessions/{id}/revoke", permNone, h.accountSessionRevoke)
	h.page("POST /console/account/sessions/revoke-others", permNone, h.accountSessionsRevoke)
	h.page("POST /console/account/tokens", permNone, h.accountTokenCreate)
	h.page("GET /console/account/tokens/{id}/revoke", permNone, h.accountTokenRevokeConfirm)
	h.page("POST /console/account/tokens/{id}/revoke", permNone, h.accountTokenRevoke)

	h.page("GET /console/contacts", permContactsRead, h.contactSearch)
	h.page("GET /console/contacts/new", permContactsWrite, h.contactCreate)
	h.page("GET /console/contacts/bulk", permContactsWrite, h.contactBulkConfirm)
	h.page("POST /console/contacts/bulk", permContactsWrite, h.contactBulk)
	h.page("POST /console/contacts", permContactsWrite, h.contactCreateSave)
	h.page("GET /console/contacts/{id}", permContactsRead, h.contactShow)
	h.page("GET /console/contacts/{id}/export/{format}", permContactsExport, h.contactExport)
	h.page("GET /console/contacts/{id}/forget", permErase, h.contactForget)
	h.page("POST /console/contacts/{id}/forget", permErase, h.contactErase)
	h.page("GET /console/contacts/{id}/edit", permContactsWrite, h.contactEdit)
	h.page("POST /console/contacts/{id}/edit", permContactsWrite, h.contactSave)
	h.page("POST /console/contacts/{id}/subscribe", permContactsWrite, h.contactSubscribe)
	h.page("POST /console/contacts/{id}/unsubscribe", permContactsWrite, h.contactUnsubscribe)
	h.page("POST /console/contacts/{id}/block", permContactsWrite, h.contactBlock)
	h.page("POST /console/contacts/{id}/unblock", permContactsWrite, h.contactUnblock)

	h.page("GET /console/lists", permListsRead, h.listList)
	h.page("GET /console/lists/new", permListsManage, h.listCreate)
	h.page("POST /console/lists", permListsManage, h.listSave)
	h.page("GET /console/lists/{id}/edit", permListsManage, h.listEdit)
	h.page("POST /console/lists/{id}/edit", permListsManage, h.listUpdate)
	h.page("GET /console/lists/{id}/delete", permListsManage, h.listDeleteConfirm)
	h.page("POST /console/lists/{id}/delete", permListsManage, h.listDelete)

	h.page("GET /console/imports", permImports, h.importList)
	h.page("GET /console/imports/new", permImports, h.importCreate)
	h.upload("POST /console/imports", permImports, h.importSave)
	h.page("GET /console/imports/{id}", permImports, h.importShow)
	h.page("GET /console/imports/{id}/errors.csv", permImports, h.importErrors)

	h.page("GET /console/campaigns", permCampaignsRead, h.campaignList)
	h.page("GET /console/campaigns/new", permCampaignsWrite, h.campaignCreate)
	h.page("POST /console/campaigns", permCampaignsWrite, h.campaignSave)
	h.page("GET /console/campaigns/{id}", permCampaignsRead, h.campaignShow)
	h.page("GET /console/campaigns/{id}/edit", permCampaignsWrite, h.campaignEdit)
	h.page("POST /console/campaigns/{id}/edit", permCampaignsWrite, h.campaignUpdate)
	h.page("GET /console/campaigns/{id}/preview", permContactsRead, h.campaignPreview)
	h.page("GET /console/campaigns/{id}/render", permContactsRead, h.campaignRender)
	h.page("POST /console/campaigns/{id}/test", permCampaignsWrite, h.campaignTestSend)
	h.page("POST /console/campaigns/{id}/schedule", permCampaignsWrite, h.campaignSchedule)
	h.page("POST /console/campaigns/{id}/unschedule", permCampaignsWrite, h.campaignUnschedule)
	h.page("POST /console/campaigns/{id}/duplicate", permCampaignsWrite, h.campaignDuplicate)
	h.page("POST /console/campaigns/{id}/start", permCampaignsWrite, h.campaignStart)
	h.page("POST /console/campaigns/{id}/pause", permCampaignsWrite, h.campaignPause)
	h.page("POST /console/campaigns/{id}/resume", permCampaignsWrite, h.campaignResume)
	h.page("GET /console/campaigns/{id}/cancel", permCampaignsWrite, h.campaignCancelConfirm)
	h.page("POST /console/campaigns/{id}/cancel", permCampaignsWrite, h.campaignCancel)
	h.page("POST /console/campaigns/{id}/archive", permCampaignsWrite, h.campaignArchive)
	h.page("POST /console/campaigns/{id}/unarchive", permCampaignsWrite, h.campaignUnarchive)
	h.page("GET /console/campaigns/{id}/results", permCampaignsRead, h.campaignResults)
	h.page("GET /console/campaigns/{id}/bounces", permContactsRead, h.campaignBounces)

	h.page("GET /console/bounces", permContactsRead, h.bounceList)
	h.page("GET /console/bounces/unauthenticated", permContactsRead, h.bounceEvidence)
	h.page("GET /console/bounces/{id}", permContactsRead, h.bounceShow)
	h.page("GET /console/bounces/{id}/dismiss", permContactsWrite, h.bounceDismissConfirm)
	h.page("POST /console/bounces/{id}/dismiss", permContactsWrite, h.bounceDismiss)
	h.page("GET /console/blocklist", permContactsRead, h.blocklistList)
	h.page("POST /console/blocklist", permContactsWrite, h.blocklistSave)
	h.page("GET /console/blocklist/{id}/remove", permContactsWrite, h.blocklistRemoveConfirm)
	h.page("POST /console/blocklist/{id}/remove", permContactsWrite, h.blocklistRemove)

	h.page("GET /console/campaigns/{id}/answers", permContactsWrite, h.updateShow)
	h.page("POST /console/campaigns/{id}/reminder", permCampaignsWrite, h.updateRemind)
	h.page("GET /console/campaigns/{id}/purge", permErase, h.updatePurgeConfirm)
	h.page("POST /console/campaigns/{id}/purge", permErase, h.updatePurge)
	h.page("GET /console/jobs", permCampaignsRead, h.jobList)
	h.page("GET /console/jobs/{id}", permCampaignsRead, h.jobShow)
	h.page("GET /console/changes", permContactsWrite, h.changeList)
	h.page("POST /console/changes/{id}/{decision}", permContactsWrite, h.changeDecide)

	h.page("GET /console/privacy", permPrivacyRead, h.privacyShow)
	h.page("GET /console/privacy/requests/{id}", permPrivacyRead, h.privacyRequestShow)
	h.page("POST /console/privacy/requests/{id}/fulfil", permPrivacyRead, h.privacyRequestFulfil)
	h.page("POST /console/privacy/requests/{id}/reject", permPrivacyRead, h.privacyRequestReject)
	h.page("GET /console/privacy/retention", permPrivacyAudit, h.privacyRetention)
	h.page("GET /console/privacy/reports", permPrivacyAudit, h.privacyReports)
	h.page("GET /console/privacy/audit", permPrivacyAudit, h.auditList)
	h.page("GET /console/privacy/erasures", permPrivacyAudit, h.erasureList)
	h.page("GET /console/privacy/register", permPrivacyAudit, h.privacyRegister)
	h.page("GET /console/privacy/breaches", permPrivacyAudit, h.breachList)
	h.page("GET /console/privacy/breaches/new", permPrivacyAudit, h.breachCreate)
	h.page("POST /console/privacy/breaches", permPrivacyAudit, h.breachSave)
	h.page("GET /console/privacy/breaches/{id}", permPrivacyAudit, h.breachShow)
	h.page("POST /console/privacy/breaches/{id}", permPrivacyAudit, h.breachUpdate)
	h.page("GET /console/privacy/holds", permPrivacyAudit, h.holdList)
	h.page("POST /console/privacy/holds", permErase, h.holdSave)
	h.page("GET /console/privacy/holds/{id}/release", permErase, h.holdReleaseConfirm)
	h.page("POST /console/privacy/holds/{id}/release", permErase, h.holdRelease)
	h.page("GET /console/privacy/agreements", permPrivacyAudit, h.agreementList)
	h.uploadMax("POST /console/privacy/agreements", permSettings, agreementBodyBytes, h.agreementSave)
	h.page("GET /console/privacy/agreements/{id}/document", permSettings, h.agreementDownload)
	h.page("GET /console/privacy/attributes", permPrivacyAudit, h.attributeList)
	h.page("POST /console/privacy/attributes/hide", permErase, h.attributeHide)
	h.page("POST /console/privacy/attributes/show", permErase, h.attributeShow)
	h.page("GET /console/privacy/attributes/delete", permErase, h.attributeDeleteConfirm)
	h.page("POST /console/privacy/attributes/delete", permErase, h.attributeDelete)

	h.page("GET /console/admin", permAdmin, h.adminShow)
	h.page("POST /console/admin/people", permAdmin, h.personInvite)
	h.page("POST /console/admin/invitations/{id}/revoke", permAdmin, h.invitationRevoke)
	h.page("POST /console/admin/invitations/{id}/resend", permAdmin, h.invitationResend)
	h.page("POST /console/admin/people/{id}/disable", permAdmin, h.personDisable)
	h.page("POST /console/admin/people/{id}/enable", permAdmin, h.personEnable)
	h.page("POST /console/admin/people/{id}/reset", permAdmin, h.personReset)
	h.page("POST /console/admin/people/{id}/totp/remove", permAdmin, h.personTOTPRemove)
	h.page("POST /console/admin/people/{id}/role", permAdmin, h.personRoleSave)
	h.page("GET /console/admin/people/{id}/sessions", permAdmin, h.personSessions)
	h.page("POST /console/admin/people/{id}/sessions/{sid}/revoke", permAdmin, h.personSessionRevoke)
	h.page("POST /console/admin/tokens/{id}/revoke", permAdmin, h.tokenRevoke)
	h.page("GET /console/admin/roles", permAdmin, h.roleList)
	h.page("GET /console/admin/roles/new", permAdmin, h.roleCreate)
	h.page("POST /console/admin/roles", permAdmin, h.roleSave)
	h.page("GET /console/admin/roles/{name}/edit", permAdmin, h.roleEdit)
	h.page("POST /console/admin/roles/{name}/edit", permAdmin, h.roleUpdate)

	h.page("GET /console/admin/department", permSettings, h.departmentEdit)
	h.page("POST /console/admin/department", permSettings, h.departmentUpdate)
	h.page("GET /console/admin/department/preview", permSettings, h.departmentPreview)
}

// upload is page for a route that takes a file (MaxImportBytes).
func (h *Handler) upload(pattern string, perm access.Permission, fn handlerFunc) {
	h.uploadMax(pattern, perm, h.MaxImportBytes, fn)
}

// uploadMax is upload with another cap on the body.
func (h *Handler) uploadMax(pattern string, perm access.Permission, limit int64, fn handlerFunc) {
	h.perms[pattern] = perm
	h.mux.Handle(pattern, h.secureMax(limit, h.session(h.csrfUpload(h.allow(perm, h.audited(pattern, h.action(textChecked(pattern, fn))))))))
}

// open registers a route that needs no session (login).
func (h *Handler) open(pattern string, fn handlerFunc) {
	h.mux.Handle(pattern, h.secure(h.csrf(h.action(textChecked(pattern, fn)))))
}

// page registers a route behind the session, CSRF and permission checks.
func (h *Handler) page(pattern string, perm access.Permission, fn handlerFunc) {
	h.perms[pattern] = perm
	h.mux.Handle(pattern, h.secure(h.session(h.csrf(h.allow(perm, h.audited(pattern, h.action(textChecked(pattern, fn))))))))
}

// textChecked is fn behind the API router's check of path values and query
// parameters (httpapi.RequestText): a NUL or bytes that are not UTF-8 are a
// 422 naming the parameter and never reach Postgres.
func textChecked(pattern string, fn handlerFunc) handlerFunc {
	check := httpapi.RequestText(pattern)
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := check(r); err != nil {
			return err
		}
		return fn(w, r)
	}
}
