package campaigns

import (
	"context"
	"unicode/utf8"
)

// Duplicate copies campaign id (in any state) as a new draft: name (as
// "Copy of …"), kind, subject, bodies, sender, reply-to, lists and
// tracking (where the installation still allows it). Schedule, progress
// and results stay with the original; a follow-up's copy is a plain
// campaign to its lists. The copy is validated as a new campaign, so a
// list deleted since makes it fail on list_ids.
func (s *Service) Duplicate(ctx context.Context, id int64, actor string) (Campaign, error) {
	src, err := s.Get(ctx, id)
	if err != nil {
		return src, err
	}
	name := copyName(src.Name)
	lists := append([]int64(nil), src.ListIDs...)
	// Tracking is copied only while the installation allows it, so a copy
	// of an older campaign is not refused for a setting since turned off.
	opens, clicks := src.TrackOpens && s.opt.Tracking, src.TrackClicks && s.opt.Tracking
	return s.Create(ctx, Input{Name: &name, Kind: &src.Kind, Subject: &src.Subject, HTML: &src.HTML, Text: &src.Text,
		FromName: &src.FromName, FromEmail: &src.FromEmail, ReplyTo: &src.ReplyTo, ListIDs: &lists,
		TrackOpens: &opens, TrackClicks: &clicks, Lang: &src.Lang}, actor)
}

// copyName is "Copy of name", cut to the 200 bytes a name may have
// without splitting a character.
func copyName(name string) string {
	s := "Copy of " + name
	for len(s) > 200 {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// Unschedule takes a scheduled campaign back to draft (its send_at is
// cleared); the scheduler locks the row to start it, so a campaign that
// has just started is refused with a conflict instead.
func (s *Service) Unschedule(ctx context.Context, id int64) (Campaign, error) {
	return s.transition(ctx, id, "unschedule", []string{StateScheduled}, false,
		`status = 'draft', send_at = NULL, missed_at = NULL`)
}
