package privacy

import (
	_ "embed"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/audit"
	"github.com/postbode/postbode/internal/httpapi"
)

//go:embed openapi.json
var openAPIFragment []byte

// API is the privacy part of the admin API (an httpapi.Module).
type API struct {
	S *Service
	// MaxBodyBytes caps JSON bodies; default 64 KiB.
	MaxBodyBytes int64
	// UploadTimeout is how long a processor agreement's document (up to
	// MaxAgreementBytes) may take to arrive (httpapi.AllowUpload);
	// default 10 minutes.
	UploadTimeout time.Duration
}

// NewAPI returns the privacy routes on s.
func NewAPI(s *Service) *API {
	return &API{S: s, MaxBodyBytes: 64 << 10, UploadTimeout: 10 * time.Minute}
}

// OpenAPI returns the fragment documenting the routes.
func (a *API) OpenAPI() []byte { return openAPIFragment }

// Routes registers the privacy routes.
func (a *API) Routes(rt *httpapi.Router) {
	rt.Handle("POST", "/api/v1/privacy/erasures", access.PrivacyErase, a.erase)
	rt.Handle("GET", "/api/v1/privacy/contacts/{id}/export", access.PrivacyExport, a.export)
	rt.Handle("GET", "/api/v1/privacy/export-schema", access.PrivacyExport, a.exportSchema)
	rt.Handle("GET", "/api/v1/privacy/audit", access.PrivacyAudit, a.audit)
	rt.Handle("GET", "/api/v1/privacy/retention/preview", access.PrivacyAudit, a.retentionPreview)
	rt.Handle("POST", "/api/v1/privacy/retention/run", access.PrivacyErase, a.retentionRun)
	rt.Handle("GET", "/api/v1/privacy/requests", access.PrivacyRequests, a.listRequests)
	rt.Handle("GET", "/api/v1/privacy/requests/{id}", access.PrivacyRequests, a.getRequest)
	rt.Handle("POST", "/api/v1/privacy/requests/{id}/fulfil", access.PrivacyRequests, a.fulfil)
	rt.Handle("POST", "/api/v1/privacy/requests/{id}/reject", access.PrivacyRequests, a.reject)
	rt.Handle("GET", "/api/v1/privacy/reports/optin-origin", access.PrivacyAudit, a.reportOrigin)
	rt.Handle("GET", "/api/v1/privacy/reports/optin-origin/contacts", access.PrivacyAudit, a.reportSegment)
	rt.Handle("GET", "/api/v1/privacy/reports/inventory", access.PrivacyAudit, a.reportInventory)
	rt.Handle("GET", "/api/v1/privacy/reports/stars", access.PrivacyAudit, a.reportStars)
	rt.Handle("GET", "/api/v1/privacy/reports/requests", access.PrivacyRequests, a.reportRequests)
	rt.Handle("GET", "/api/v1/privacy/holds", access.PrivacyAudit, a.listHolds)
	rt.Handle("POST", "/api/v1/privacy/holds", access.PrivacyErase, a.placeHold)
	rt.Handle("POST", "/api/v1/privacy/holds/{id}/release", access.PrivacyErase, a.releaseHold)
	rt.Handle("GET", "/api/v1/privacy/attributes/hidden", access.PrivacyAudit, a.listHidden)
	rt.Handle("POST", "/api/v1/privacy/attributes/{key}/hide", access.PrivacyErase, a.hideAttribute)
	rt.Handle("POST", "/api/v1/privacy/attributes/{key}/show", access.PrivacyErase, a.showAttribute)
	rt.Handle("POST", "/api/v1/privacy/attributes/{key}/delete", access.PrivacyErase, a.deleteAttribute)
	rt.Handle("GET", "/api/v1/privacy/register", access.PrivacyAudit, a.register)
	rt.Handle("GET", "/api/v1/privacy/breaches", access.PrivacyAudit, a.listBreaches)
	rt.Handle("POST", "/api/v1/privacy/breaches", access.PrivacyAudit, a.recordBreach)
	rt.Handle("GET", "/api/v1/privacy/breaches/{id}", access.PrivacyAudit, a.getBreach)
	rt.Handle("PATCH", "/api/v1/privacy/breaches/{id}", access.PrivacyAudit, a.updateBreach)
	rt.Handle("GET", "/api/v1/privacy/processor-agreements", access.PrivacyAudit, a.listAgreements)
	rt.Handle("POST", "/api/v1/privacy/processor-agreements", access.SettingsManage, a.storeAgreement)
	rt.Handle("GET", "/api/v1/privacy/processor-agreements/{id}/document", access.SettingsManage, a.downloadAgreement)
}

type erasureInput struct {
	ContactID int64  `json:"contact_id"`
	Email     string `json:"email"`
	// Confirm mails the address a confirmation once it is erased (the
	// person asked for one); Lang is its language (en, nl).
	Confirm bool   `json:"confirm"`
	Lang    string `json:"lang"`
}

func (a *API) erase(w http.ResponseWriter, r *http.Request) error {
	var in erasureInput
	if err := httpapi.DecodeJSON(w, r, a.MaxBodyBytes, &in); err != nil {
		return err
	}
	actor := httpapi.Actor(r.Context())
	lang, err := a.S.lang(in.Lang)
	if err != nil {
		return err
	}
	to := in.Email
	if in.Confirm && in.ContactID > 0 {
		c, err := a.S.opt.Contacts.Get(r.Context(), in.ContactID)
		if err != nil {
			return err
		}
		to = c.Email
	}
	switch {
	case in.ContactID != 0 && in.Email != "":
		return httpapi.Invalid("contact_id", "give contact_id or email, not both")
	case in.ContactID < 0:
		return httpapi.Invalid("contact_id", "must be a positive id")
	case in.ContactID > 0:
		if err := a.S.Erase(r.Context(), in.ContactID, CauseRequest, actor); err != nil {
			return err
		}
	case in.Email != "":
		id, err := a.S.EraseEmail(r.Context(), in.Email, CauseRequest, actor)
		if err != nil {
			return err
		}
		in.ContactID = id
	default:
		return httpapi.Invalid("contact_id", "contact_id or email is required")
	}
	out := map[string]any{"erased": 1, "contact_id": in.ContactID}
	if in.Confirm {
		out["confirmation_mailed"] = a.S.MailErased(r.Context(), to, lang) == nil
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) export(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "pdf" {
		return httpapi.Invalid("format", "must be json or pdf")
	}
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = a.S.opt.DefaultLang
	}
	if lang != "en" && lang != "nl" {
		return httpapi.Invalid("lang", "must be en or nl")
	}
	ex, err := a.S.Export(r.Context(), id, httpapi.Actor(r.Context()), format)
	if err != nil {
		return err
	}
	name := "contact-" + strconv.FormatInt(id, 10) + "-export." + format
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	if format == "pdf" {
		b, err := ex.PDF(lang)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Write(b)
		return nil
	}
	httpapi.WriteJSON(w, http.StatusOK, ex)
	return nil
}

func (a *API) audit(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	action := r.URL.Query().Get("action")
	if action != "" && !audit.Known(action) {
		return httpapi.Invalid("action", "must be an audit action: "+strings.Join(audit.Actions, ", "))
	}
	items, err := a.S.AuditLog(r.Context(), action, p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(items, p.Limit, func(e Entry) int64 { return e.ID }))
	return nil
}

type retentionRunInput struct {
	DryRun bool `json:"dry_run"`
}

// retentionRun runs one retention pass now; the body is optional.
func (a *API) retentionRun(w http.ResponseWriter, r *http.Request) error {
	var in retentionRunInput
	if r.ContentLength != 0 {
		if err := httpapi.DecodeJSON(w, r, a.MaxBodyBytes, &in); err != nil {
			return err
		}
	}
	rep, err := a.S.RetentionPass(r.Context(), httpapi.Actor(r.Context()), in.DryRun)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, rep)
	return nil
}

func (a *API) retentionPreview(w http.ResponseWriter, r *http.Request) error {
	pv, err := a.S.Preview(r.Context(), httpapi.Actor(r.Context()))
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, pv)
	return nil
}
