package form

import (
	"net/http"

	"github.com/postbode/postbode/campaigns"
)

// CampaignForm is the compose form of a campaign.
type CampaignForm struct {
	Name, Kind, Subject, HTML, Text, Lang, FromName, FromEmail, ReplyTo string
	Lists                                                               []int64
	TrackOpens, TrackClicks                                             bool
}

// NewCampaignForm reads the compose form.
func NewCampaignForm(r *http.Request) *CampaignForm {
	return &CampaignForm{Name: value(r, "name"), Kind: value(r, "kind"), Subject: value(r, "subject"),
		HTML: r.FormValue("html"), Text: r.FormValue("text"), Lang: value(r, "lang"), FromName: value(r, "from_name"),
		FromEmail: value(r, "from_email"), ReplyTo: value(r, "reply_to"), Lists: ids(r, "lists"),
		TrackOpens: checked(r, "track_opens"), TrackClicks: checked(r, "track_clicks")}
}

// CampaignFormOf fills the form from a campaign (for editing).
func CampaignFormOf(c campaigns.Campaign) *CampaignForm {
	return &CampaignForm{Name: c.Name, Kind: c.Kind, Subject: c.Subject, HTML: c.HTML, Text: c.Text, Lang: c.Lang,
		FromName: c.FromName, FromEmail: c.FromEmail, ReplyTo: c.ReplyTo, Lists: c.ListIDs,
		TrackOpens: c.TrackOpens, TrackClicks: c.TrackClicks}
}

// Validate names the empty required fields; the campaigns service checks the rest.
func (f *CampaignForm) Validate() Errors {
	e := Errors{}
	if f.Name == "" {
		e["name"] = "campaign.err.name"
	}
	if f.Subject == "" {
		e["subject"] = "campaign.err.subject"
	}
	if len(f.Lists) == 0 {
		e["lists"] = "campaign.err.lists"
	}
	return e
}

// Input is the campaigns service's input.
func (f *CampaignForm) Input() campaigns.Input {
	in := campaigns.Input{Name: &f.Name, Subject: &f.Subject, HTML: &f.HTML, Text: &f.Text, Lang: &f.Lang, FromName: &f.FromName,
		FromEmail: &f.FromEmail, ReplyTo: &f.ReplyTo, ListIDs: &f.Lists, TrackOpens: &f.TrackOpens, TrackClicks: &f.TrackClicks}
	if f.Kind != "" {
		in.Kind = &f.Kind
	}
	return in
}

// Selected says whether list id is ticked.
func (f *CampaignForm) Selected(id int64) bool {
	for _, l := range f.Lists {
		if l == id {
			return true
		}
	}
	return false
}

// UpdateMailingForm is the compose form of an update mailing, filled with
// the three-button template ("Yes, all correct" / "No, I'll change them" /
// "Take me off your list") in the house style.
func UpdateMailingForm() *CampaignForm {
	return &CampaignForm{Kind: "update", Name: "Are your details still right?", Subject: "Are your details still right?",
		HTML: "<p>Dear {{.Contact.Name}},</p>\n<p>We would like to keep your details up to date. Are they still right?</p>\n" +
			"{{template \"update-buttons\" .}}\n<p>Thank you!</p>",
		Text: "Dear {{.Contact.Name}},\n\nWe would like to keep your details up to date. Are they still right?\n\n" +
			"{{template \"update-buttons\" .}}\nThank you!\n", TrackOpens: true}
}
