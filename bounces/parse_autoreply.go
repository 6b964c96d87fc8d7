package bounces

import "strings"

// autoReplySubjects are subject beginnings (lower-case) of automatic
// replies in several languages.
var autoReplySubjects = []string{
	"auto:", "autoreply", "auto reply", "auto-reply", "automatic reply", "automatische antwort",
	"out of office", "out of the office", "vacation", "away from", "abwesenheit", "afwezig",
	"automatisch antwoord", "réponse automatique", "reponse automatique", "respuesta automática",
	"risposta automatica", "resposta automática", "absence", "on leave", "autosvar", "automaattinen",
	"i am away", "i'm away", "i am out", "i'm out",
}

// autoReply recognises an automatic reply (RFC 3834): Auto-Submitted:
// auto-replied (section 5), the X-Autoreply / X-Autorespond / Precedence:
// auto_reply conventions, or an out-of-office subject. The result names the
// replying address with reason vacation.
func (m *msg) autoReply() (Result, bool) {
	if !m.isAutoReply() {
		return Result{}, false
	}
	rcpt := cleanAddr(m.top.Get("From"))
	if rcpt == "" {
		rcpt = cleanAddr(m.top.Get("Reply-To"))
	}
	return Result{Recipient: rcpt, Class: AutoReply, Reason: "vacation", Diagnostic: normSpace(m.subject),
		Rule: "format: an automatic reply (RFC 3834 section 5 Auto-Submitted, X-Autoreply, Precedence: auto_reply or an out-of-office subject) is not a bounce"}, true
}

// isAutoReply reports the RFC 3834 markers and the common conventions.
func (m *msg) isAutoReply() bool {
	h := m.top
	as := asciiLower(h.Get("Auto-Submitted"))
	if strings.HasPrefix(as, "auto-replied") {
		return true
	}
	if h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "" || h.Get("X-Autoresponder") != "" ||
		h.Get("X-Vacation") != "" || strings.EqualFold(h.Get("X-Auto-Reply"), "yes") {
		return true
	}
	prec := asciiLower(strings.TrimSpace(h.Get("Precedence")))
	if prec == "auto_reply" || prec == "auto-reply" {
		return true
	}
	return autoReplySubject(asciiLower(strings.TrimSpace(m.subject)))
}

// autoReplySubject reports whether a lower-case Subject is that of an
// automatic reply (autoReplySubjects).
func autoReplySubject(subj string) bool {
	for _, s := range autoReplySubjects {
		if strings.HasPrefix(subj, s) || strings.Contains(subj, s) && len(s) > 8 {
			return true
		}
	}
	return false
}

// fromMailSystem reports whether the message comes from a mail system
// rather than a person: a MAILER-DAEMON or postmaster sender, or Exim's
// X-Failed-Recipients.
func (m *msg) fromMailSystem() bool {
	if m.top.Get("X-Failed-Recipients") != "" {
		return true
	}
	for _, s := range []string{"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "mail delivery"} {
		if strings.Contains(m.from, s) {
			return true
		}
	}
	return false
}
