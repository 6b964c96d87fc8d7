package bounces

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/postbode/postbode/internal/access"
	"github.com/postbode/postbode/internal/httpapi"
)

//go:embed openapi.json
var openAPIFragment []byte

// APIOptions configure the bounce API.
type APIOptions struct {
	// Processor applies webhook reports and answers queries; required.
	Processor *Processor
	// SNSTopics are the Amazon SNS topic ARNs whose notifications the SNS
	// webhook accepts (bounces.sns_topic_arns); empty refuses every one.
	SNSTopics []string
	// Verifier checks SNS signatures; optional, default fetches certificates
	// over HTTPS from sns.<region>.amazonaws.com.
	Verifier *SNSVerifier
	// Confirm visits a SubscribeURL; optional, default HTTPS GET.
	Confirm SNSConfirmer
	// Log; optional.
	Log *slog.Logger
}

// API is the bounce part of the admin API (an httpapi.Module): bounces per
// contact and per campaign, statistics by class and reason, and the webhook
// intake for relays (Amazon SES via SNS, and a generic JSON format).
type API struct {
	o APIOptions
}

// NewAPI returns the bounce routes.
func NewAPI(o APIOptions) *API {
	if o.Verifier == nil {
		o.Verifier = NewSNSVerifier(nil)
	}
	if o.Confirm == nil {
		o.Confirm = httpConfirmer(noRedirectClient())
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &API{o: o}
}

// OpenAPI returns the fragment documenting the routes.
func (a *API) OpenAPI() []byte { return openAPIFragment }

// Routes registers the bounce routes.
func (a *API) Routes(rt *httpapi.Router) {
	rt.Handle("GET", "/api/v1/contacts/{id}/bounces", access.ContactsRead, a.byContact)
	rt.Handle("GET", "/api/v1/campaigns/{id}/bounces", access.ContactsRead, a.byCampaign)
	rt.Handle("GET", "/api/v1/bounces", access.ContactsRead, a.list)
	rt.Handle("GET", "/api/v1/bounces/{id}", access.ContactsRead, a.get)
	rt.Handle("POST", "/api/v1/bounces/{id}/dismiss", access.ContactsWrite, a.dismiss)
	rt.Handle("GET", "/api/v1/bounces/unauthenticated", access.ContactsRead, a.unauthenticated)
	rt.Handle("GET", "/api/v1/bounces/stats", access.CampaignsRead, a.stats)
	rt.Handle("POST", "/api/v1/bounces/webhooks/sns", httpapi.Public, a.sns)
	rt.Handle("POST", "/api/v1/bounces/webhooks/generic", access.ContactsWrite, a.generic)
}

func (a *API) byContact(w http.ResponseWriter, r *http.Request) error {
	return a.page(w, r, a.o.Processor.ByContact)
}

// byCampaign lists the bounces of a campaign: the addresses of many
// contacts, a bulk read that is audited (ReadCampaign).
func (a *API) byCampaign(w http.ResponseWriter, r *http.Request) error {
	return a.page(w, r, a.o.Processor.ReadCampaign)
}

// list lists the department's applied bounces, newest first, filtered
// (ParseFilter); an audited bulk read (List).
func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f, err := ParseFilter(q.Get("class"), q.Get("reason"), q.Get("campaign_id"), q.Get("from"), q.Get("until"), time.RFC3339, time.UTC)
	if err != nil {
		return err
	}
	items, err := a.o.Processor.List(r.Context(), f, p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(items, p.Limit, func(b Bounce) int64 { return b.ID }))
	return nil
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := a.o.Processor.Get(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, b)
	return nil
}

// dismiss takes a counted bounce out of what counts toward its contact's
// inactivity (Dismiss, which audits it).
func (a *API) dismiss(w http.ResponseWriter, r *http.Request) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := a.o.Processor.Dismiss(r.Context(), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, b)
	return nil
}

// unauthenticated lists the evidence kept from reports without proof.
func (a *API) unauthenticated(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	items, err := a.o.Processor.Unauthenticated(r.Context(), p.After, p.Limit)
	if err != nil {
		return err
	}
	if err := a.o.Processor.auditRead(r.Context(), nil, causeEvidence, len(items)); err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(items, p.Limit, func(b Bounce) int64 { return b.ID }))
	return nil
}

func (a *API) page(w http.ResponseWriter, r *http.Request, list func(ctx context.Context, id, after int64, limit int) ([]Bounce, error)) error {
	id, err := httpapi.PathID(r, "id")
	if err != nil {
		return err
	}
	p, err := httpapi.ParsePage(r)
	if err != nil {
		return err
	}
	items, err := list(r.Context(), id, p.After, p.Limit)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.NewPage(items, p.Limit, func(b Bounce) int64 { return b.ID }))
	return nil
}

func (a *API) stats(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var campaign int64
	if s := q.Get("campaign_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return httpapi.Invalid("campaign_id", "must be a positive id")
		}
		campaign = n
	}
	since := time.Now().Add(-30 * 24 * time.Hour)
	if s := q.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return httpapi.Invalid("since", "must be an RFC 3339 time like 2026-01-31T00:00:00Z")
		}
		since = t
	}
	st, err := a.o.Processor.Stats(r.Context(), campaign, since)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"since": since.UTC(), "campaign_id": campaign, "items": st})
	return nil
}

// sns takes Amazon SNS deliveries: the Timestamp must lie within the replay
// window, the signature is verified (certificate only from
// sns.<region>.amazonaws.com), the topic must be allowed, a
// SubscriptionConfirmation is confirmed by visiting its SubscribeURL, and a
// Notification carrying an SES bounce or complaint is applied once per
// MessageId (a replay answers 204 and changes nothing).
func (a *API) sns(w http.ResponseWriter, r *http.Request) error {
	m := a.o.Processor.m
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 256<<10))
	if err != nil {
		return httpapi.NewError(http.StatusRequestEntityTooLarge, "body_too_large", "SNS message larger than 256 KiB")
	}
	var msg SNSMessage
	if err := json.Unmarshal(body, &msg); err != nil || msg.Type == "" {
		m.Webhook.WithLabelValues("sns", "invalid").Inc()
		return httpapi.NewError(http.StatusBadRequest, "malformed_json", "the body is not an SNS message")
	}
	if !slices.Contains(a.o.SNSTopics, msg.TopicArn) {
		m.Webhook.WithLabelValues("sns", "ignored").Inc()
		return httpapi.NewError(http.StatusForbidden, "sns_topic_not_allowed", "this SNS topic is not in bounces.sns_topic_arns")
	}
	if !a.o.Processor.Fresh(msg.Timestamp) {
		// Checked before the signature: a replayed message is genuine.
		m.Webhook.WithLabelValues("sns", "stale").Inc()
		return httpapi.NewError(http.StatusForbidden, "stale_message", "the SNS Timestamp is outside bounces.sns_replay_window")
	}
	if err := a.o.Verifier.Verify(r.Context(), &msg); err != nil {
		m.Webhook.WithLabelValues("sns", "bad_signature").Inc()
		a.o.Log.Warn("bounces: SNS message refused", slog.Any("error", err))
		if errors.Is(err, ErrSNSSignature) || errors.Is(err, ErrSNSCertURL) {
			return httpapi.NewError(http.StatusForbidden, "bad_signature", "the SNS signature does not verify")
		}
		return httpapi.NewError(http.StatusServiceUnavailable, "sns_certificate_unavailable", "cannot fetch the SNS signing certificate now")
	}
	switch msg.Type {
	case "SubscriptionConfirmation":
		if !AllowedSNSURL(msg.SubscribeURL) {
			return httpapi.Invalid("SubscribeURL", "is not an Amazon SNS URL")
		}
		if err := a.o.Confirm(r.Context(), msg.SubscribeURL); err != nil {
			return httpapi.NewError(http.StatusBadGateway, "sns_confirm_failed", "confirming the subscription failed")
		}
		m.Webhook.WithLabelValues("sns", "confirmed").Inc()
		a.o.Log.Info("bounces: SNS subscription confirmed", slog.String("topic", msg.TopicArn))
	case "Notification":
		rep, rp, err := sesReport(msg.Message)
		if err != nil {
			m.Webhook.WithLabelValues("sns", "invalid").Inc()
			return err
		}
		if len(rep.Results) > 0 {
			out, err := a.o.Processor.ApplyExternal(r.Context(), "sns:"+msg.MessageID, rep, rp)
			if err != nil {
				return err
			}
			m.Webhook.WithLabelValues("sns", map[bool]string{true: "duplicate", false: "applied"}[out == "duplicate"]).Inc()
		} else {
			m.Webhook.WithLabelValues("sns", "ignored").Inc()
		}
	default:
		m.Webhook.WithLabelValues("sns", "ignored").Inc()
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// generic takes bounces and complaints in the generic JSON format
// (GenericBatch) and reports the outcome of each.
func (a *API) generic(w http.ResponseWriter, r *http.Request) error {
	var b GenericBatch
	if err := httpapi.DecodeJSON(w, r, 4<<20, &b); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		a.o.Processor.m.Webhook.WithLabelValues("generic", "invalid").Inc()
		return err
	}
	outcomes := make([]string, len(b.Events))
	counts := map[string]int{}
	for i, ev := range b.Events {
		o, err := a.o.Processor.ApplyExternal(r.Context(), "", ev.report(), ev.ReturnPath)
		if err != nil {
			return err
		}
		outcomes[i] = o
		counts[o]++
	}
	a.o.Processor.m.Webhook.WithLabelValues("generic", "applied").Add(float64(len(b.Events)))
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"received": len(b.Events), "outcomes": outcomes, "counts": counts})
	return nil
}
