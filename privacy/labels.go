package privacy

// The words of the access report. Every column of every table in the
// personal-data registry (internal/db/personal.go) has a label here in each
// report language, or is marked internal (an id that means nothing to the
// person); TestReportLabelsCoverRegistry fails for a column without one, so
// a new column cannot be left out of the report or shown by its raw name.

// valueKind says how a column's value is written for a person.
type valueKind int

const (
	vText     valueKind = iota // as stored
	vInternal                  // an internal id or hash: left out of the PDF (kept in the JSON)
	vTime                      // a date and time, in the report's zone and language
	vList                      // a list id, written as the list's name
	vCampaign                  // a campaign id, written as the campaign's name and date
	vWord                      // a code word, translated by valueWords
	vFields                    // a JSON object: one line per field
	vMessage                   // raw mail: its size; the message itself is in the JSON file
	vYesNo                     // a boolean
)

// label is a column's name for people, in English and Dutch.
type label struct {
	en, nl string
	kind   valueKind
}

// section is a registered table as the report presents it.
type section struct {
	en, nl string // heading
	// introEN/introNL say in one sentence what the rows are.
	introEN, introNL string
	cols             map[string]label
}

var internalCol = label{kind: vInternal}

// reportSections: one per registered table, keyed by table name.
var reportSections = map[string]section{
	"contacts": {en: "Your details", nl: "Uw gegevens",
		introEN: "What we hold about you as a contact.", introNL: "Wat wij over u bewaren als contactpersoon.",
		cols: map[string]label{
			"id":              internalCol,
			"email":           {"Email address", "E-mailadres", vText},
			"name":            {"Name", "Naam", vText},
			"attributes":      {"Other details", "Overige gegevens", vFields},
			"status":          {"Status", "Status", vWord},
			"hard_bounces":    {"Times your address did not work", "Keren dat uw adres niet werkte", vText},
			"soft_bounces":    {"Times a mail could not be delivered for now", "Keren dat een mail tijdelijk niet aankwam", vText},
			"one_star_since":  {"No longer reachable or subscribed since", "Niet meer bereikbaar of ingeschreven sinds", vTime},
			"last_engaged_at": {"Last time you opened, clicked or answered", "Laatste keer dat u opende, klikte of antwoordde", vTime},
			"source":          {"How we got your details", "Hoe wij uw gegevens kregen", vWord},
			"updated_source":  {"Last changed through", "Laatst gewijzigd via", vWord},
			"created_at":      {"Added on", "Toegevoegd op", vTime},
			"updated_at":      {"Last changed on", "Laatst gewijzigd op", vTime},
			"no_tracking":     {"Measuring whether you open our mails or click links stopped at your request", "Meten of u onze mails opent of op links klikt gestopt op uw verzoek", vYesNo},
			// The department and staff labels are ours; the search columns
			// are copies of email and name.
			"department_id": internalCol,
			"created_by":    internalCol,
			"updated_by":    internalCol,
			"email_search":  internalCol,
			"name_search":   internalCol,
		}},
	"subscriptions": {en: "Your subscriptions", nl: "Uw inschrijvingen",
		introEN: "The lists you are or were on.", introNL: "De lijsten waarop u staat of stond.",
		cols: map[string]label{
			"contact_id":            internalCol,
			"list_id":               {"List", "Lijst", vList},
			"status":                {"Status", "Status", vWord},
			"created_at":            {"Since", "Sinds", vTime},
			"updated_at":            {"Last changed on", "Laatst gewijzigd op", vTime},
			"repermission_asked_at": {"Asked to confirm again on", "Gevraagd opnieuw te bevestigen op", vTime},
		}},
	"consent_records": {en: "Where your data came from: your consents", nl: "Waar uw gegevens vandaan komen: uw toestemmingen",
		introEN: "Each time you gave, confirmed or withdrew consent, how and from where.",
		introNL: "Elke keer dat u toestemming gaf, bevestigde of introk, hoe en vanwaar.",
		cols: map[string]label{
			"id":         internalCol,
			"contact_id": internalCol,
			"list_id":    {"List", "Lijst", vList},
			"action":     {"What happened", "Wat er gebeurde", vWord},
			"source":     {"How", "Hoe", vWord},
			"purpose":    {"Purpose stated", "Vermeld doel", vText},
			"ip":         {"From internet address (IP)", "Vanaf internetadres (IP)", vText},
			"user_agent": {"Browser or program", "Browser of programma", vText},
			"evidence":   {"Text you agreed to", "Tekst waarmee u instemde", vText},
			"created_at": {"When", "Wanneer", vTime},
		}},
	"blocklist": {en: "Do-not-mail list", nl: "Niet-mailen-lijst",
		introEN: "Your address is on our list of addresses we never mail.", introNL: "Uw adres staat op onze lijst van adressen die wij nooit mailen.",
		cols: map[string]label{
			"id":            internalCol,
			"email_hash":    internalCol,
			"department_id": internalCol,
			"email":         {"Email address", "E-mailadres", vText},
			"reason":        {"Why", "Waarom", vWord},
			"note":          {"Note", "Notitie", vText},
			"created_at":    {"Since", "Sinds", vTime},
		}},
	"deliveries": {en: "Mails we sent you", nl: "Mails die wij u stuurden",
		introEN: "Each mailing, whether it arrived, and whether you opened it or clicked a link (when we measured that).",
		introNL: "Elke mailing, of die aankwam, en of u die opende of op een link klikte (als wij dat maten).",
		cols: map[string]label{
			"contact_id":  internalCol,
			"campaign_id": {"Mailing", "Mailing", vCampaign},
			"status":      {"Result", "Resultaat", vWord},
			"attempts":    {"Delivery attempts", "Bezorgpogingen", vText},
			"queued_at":   {"Queued on", "Klaargezet op", vTime},
			"done_at":     {"Sent on", "Verstuurd op", vTime},
			"opened_at":   {"Opened on", "Geopend op", vTime},
			"clicked_at":  {"Link clicked on", "Link aangeklikt op", vTime},
			"last_error":  {"Error message of your mail server", "Foutmelding van uw mailserver", vText},
		}},
	"campaign_audience": {en: "Mailings you were selected for", nl: "Mailings waarvoor u was geselecteerd",
		introEN: "Mailings sent to a chosen group that included you.", introNL: "Mailings aan een gekozen groep waar u bij hoorde.",
		cols: map[string]label{
			"contact_id":  internalCol,
			"campaign_id": {"Mailing", "Mailing", vCampaign},
		}},
	"inbound_messages": {en: "Mail about you that reached us", nl: "Mail over u die ons bereikte",
		introEN: "Bounce reports, complaints and unsubscribe mails naming your address.",
		introNL: "Bounceberichten, klachten en afmeldmails waarin uw adres staat.",
		cols: map[string]label{
			"id":           internalCol,
			"contact_id":   internalCol,
			"mail_from":    {"Sender", "Afzender", vText},
			"rcpts":        {"Sent to", "Gestuurd aan", vText},
			"raw":          {"The message", "Het bericht", vMessage},
			"received_at":  {"Received on", "Ontvangen op", vTime},
			"size":         {"Size in bytes", "Grootte in bytes", vText},
			"status":       {"Handling", "Verwerking", vWord},
			"attempts":     {"Processing attempts", "Verwerkingspogingen", vText},
			"next_attempt": {"Next attempt", "Volgende poging", vTime},
			"processed_at": {"Processed on", "Verwerkt op", vTime},
			"outcome":      {"Outcome", "Uitkomst", vWord},
		}},
	"bounces": {en: "Mails that did not arrive", nl: "Mails die niet aankwamen",
		introEN: "Reports that a mail to you could not be delivered.", introNL: "Meldingen dat een mail aan u niet bezorgd kon worden.",
		cols: map[string]label{
			"id":            internalCol,
			"inbound_id":    internalCol,
			"contact_id":    internalCol,
			"campaign_id":   {"Mailing", "Mailing", vCampaign},
			"recipient":     {"Address", "Adres", vText},
			"class":         {"Kind", "Soort", vWord},
			"reason":        {"Reason", "Reden", vWord},
			"status":        {"Status code", "Statuscode", vText},
			"reply_code":    {"Reply code", "Antwoordcode", vText},
			"diagnostic":    {"Message of the mail server", "Melding van de mailserver", vText},
			"action":        {"Report action", "Actie in de melding", vText},
			"source":        {"Reported through", "Gemeld via", vWord},
			"counted":       {"Counted against your address", "Telde mee voor uw adres", vYesNo},
			"outcome":       {"Outcome", "Uitkomst", vWord},
			"created_at":    {"When", "Wanneer", vTime},
			"department_id": internalCol,
			"rule":          {"Why it was judged so", "Waarom zo beoordeeld", vText},
			"status_rule":   {"Where the status code came from", "Herkomst van de statuscode", vText},
			"dismissed_at":  {"No longer counted against your address since", "Telt niet meer mee voor uw adres sinds", vTime},
			"dismissed_by":  internalCol,
		}},
	"recipient_actions": {en: "What you did on our pages", nl: "Wat u deed op onze pagina's",
		introEN: "Subscribing, confirming, unsubscribing and answers, with time and internet address.",
		introNL: "Inschrijven, bevestigen, afmelden en antwoorden, met tijd en internetadres.",
		cols: map[string]label{
			"id":          internalCol,
			"contact_id":  internalCol,
			"campaign_id": {"Mailing", "Mailing", vCampaign},
			"list_id":     {"List", "Lijst", vList},
			"action":      {"What you did", "Wat u deed", vWord},
			"detail":      {"Details", "Details", vText},
			"ip":          {"From internet address (IP)", "Vanaf internetadres (IP)", vText},
			"user_agent":  {"Browser or program", "Browser of programma", vText},
			"created_at":  {"When", "Wanneer", vTime},
		}},
	"update_answers": {en: "Your answers to \"are your details still right?\"", nl: "Uw antwoorden op \"kloppen uw gegevens nog?\"",
		cols: map[string]label{
			"contact_id":  internalCol,
			"campaign_id": {"Mailing", "Mailing", vCampaign},
			"answer":      {"Your answer", "Uw antwoord", vWord},
			"answered_at": {"When", "Wanneer", vTime},
		}},
	"change_requests": {en: "Changes you made to your details", nl: "Wijzigingen die u in uw gegevens maakte",
		cols: map[string]label{
			"id":          internalCol,
			"contact_id":  internalCol,
			"campaign_id": {"Mailing", "Mailing", vCampaign},
			"changes":     {"Changes", "Wijzigingen", vText},
			"status":      {"Status", "Status", vWord},
			"ip":          {"From internet address (IP)", "Vanaf internetadres (IP)", vText},
			"user_agent":  {"Browser or program", "Browser of programma", vText},
			"created_at":  {"When", "Wanneer", vTime},
			"decided_at":  {"Decided on", "Besloten op", vTime},
			"decided_by":  {"Decided by", "Besloten door", vText},
		}},
	"privacy_requests": {en: "Your privacy requests", nl: "Uw privacyverzoeken",
		cols: map[string]label{
			"id":            internalCol,
			"contact_id":    internalCol,
			"token_hash":    internalCol,
			"department_id": internalCol,
			"kind":          {"Request", "Verzoek", vWord},
			"status":        {"Status", "Status", vWord},
			"via":           {"Made through", "Gedaan via", vWord},
			"lang":          {"Language", "Taal", vText},
			"ip":            {"From internet address (IP)", "Vanaf internetadres (IP)", vText},
			"user_agent":    {"Browser or program", "Browser of programma", vText},
			"details":       {"What should be corrected", "Wat gecorrigeerd moet worden", vText},
			"verified_at":   {"Received on", "Ontvangen op", vTime},
			"due_at":        {"Answer due by", "Antwoord uiterlijk", vTime},
			"closed_at":     {"Answered on", "Beantwoord op", vTime},
			"closed_by":     {"Answered by", "Beantwoord door", vText},
			"note":          {"Note", "Notitie", vText},
		}},
	"privacy_request_drafts": {en: "Privacy requests waiting for your confirmation", nl: "Privacyverzoeken die op uw bevestiging wachten",
		cols: map[string]label{
			"contact_id": internalCol,
			"token_hash": internalCol,
			"details":    {"What should be corrected", "Wat gecorrigeerd moet worden", vText},
			"expires_at": {"Confirmation link valid until", "Bevestigingslink geldig tot", vTime},
		}},
	"contact_changes": {en: "Changes our staff made to your details", nl: "Wijzigingen die onze medewerkers in uw gegevens maakten",
		cols: map[string]label{
			"id":         internalCol,
			"contact_id": internalCol,
			"actor":      internalCol,
			"fields":     {"Fields changed", "Gewijzigde velden", vText},
			"at":         {"When", "Wanneer", vTime},
		}},
	"invitations": {en: "Invitations to work with us in postbode", nl: "Uitnodigingen om met ons in postbode te werken",
		cols: map[string]label{
			"id":            internalCol,
			"seq":           internalCol,
			"department_id": internalCol,
			"token_hash":    internalCol,
			"invited_by":    internalCol,
			"accepted_by":   internalCol,
			"email":         {"Email address", "E-mailadres", vText},
			"name":          {"Name", "Naam", vText},
			"role":          {"Role", "Rol", vText},
			"created_at":    {"Invited on", "Uitgenodigd op", vTime},
			"sent_at":       {"Last sent on", "Laatst verstuurd op", vTime},
			"expires_at":    {"Valid until", "Geldig tot", vTime},
			"accepted_at":   {"Accepted on", "Aanvaard op", vTime},
			"revoked_at":    {"Withdrawn on", "Ingetrokken op", vTime},
		}},
	"legal_holds": {en: "Kept for a legal reason", nl: "Bewaard om een wettelijke reden",
		introEN: "When we must keep your data for a legal reason, until the date shown unless lifted earlier; while that lasts we cannot erase it (GDPR art. 17(3)).",
		introNL: "Wanneer wij uw gegevens om een wettelijke reden moeten bewaren, tot de genoemde datum tenzij eerder opgeheven; zolang dat duurt kunnen wij ze niet wissen (AVG art. 17 lid 3).",
		cols: map[string]label{
			"id":            internalCol,
			"contact_id":    internalCol,
			"created_by":    internalCol,
			"released_by":   internalCol,
			"department_id": internalCol,
			"reason":        {"Reason", "Reden", vText},
			"until":         {"Until", "Tot", vTime},
			"created_at":    {"Since", "Sinds", vTime},
			"released_at":   {"Lifted on", "Opgeheven op", vTime},
		}},
}

// valueWords translates the code words stored in vWord columns; a word not
// here is shown as stored.
var valueWords = map[string][2]string{
	// contact status, subscription status
	"active": {"active", "actief"}, "inactive": {"inactive (address does not work)", "inactief (adres werkt niet)"},
	"blocklisted": {"on the do-not-mail list", "op de niet-mailen-lijst"},
	"unconfirmed": {"not yet confirmed", "nog niet bevestigd"}, "confirmed": {"confirmed", "bevestigd"},
	"unsubscribed": {"unsubscribed", "afgemeld"},
	// sources
	"import": {"imported from a file", "geïmporteerd uit een bestand"}, "manual": {"entered by our staff", "ingevoerd door onze medewerkers"},
	"api": {"through our systems", "via onze systemen"}, "webform": {"web form", "webformulier"},
	"update-page": {"the update-your-details page", "de pagina om uw gegevens bij te werken"},
	"mailto":      {"an unsubscribe mail", "een afmeldmail"}, "one-click": {"the unsubscribe button of your mail program", "de afmeldknop van uw mailprogramma"},
	"complaint": {"a spam complaint", "een spamklacht"}, "system": {"automatically", "automatisch"},
	"bounce": {"a bounce report", "een bouncemelding"},
	// consent actions
	"opt-in": {"gave consent", "gaf toestemming"}, "confirm": {"confirmed", "bevestigde"}, "opt-out": {"unsubscribed", "meldde zich af"},
	"update": {"changed details", "wijzigde gegevens"}, "reconfirm": {"confirmed again", "bevestigde opnieuw"},
	"withdraw":               {"withdrew consent", "trok toestemming in"},
	"repermission-asked":     {"was asked to confirm again", "werd gevraagd opnieuw te bevestigen"},
	"repermission-confirmed": {"confirmed again when asked", "bevestigde opnieuw op verzoek"},
	"repermission-lapsed":    {"left the list: not confirmed again in time", "van de lijst gehaald: niet op tijd opnieuw bevestigd"},
	// blocklist reasons
	"hard-bounce": {"the address does not work", "het adres werkt niet"}, "request": {"at your request", "op uw verzoek"},
	// deliveries
	"queued": {"waiting to be sent", "wacht op verzending"}, "sent": {"delivered", "bezorgd"}, "deferred": {"delayed", "vertraagd"},
	"bounced": {"did not arrive", "kwam niet aan"}, "failed": {"failed", "mislukt"}, "skipped": {"not sent", "niet verstuurd"},
	"pending": {"pending", "in behandeling"},
	// bounce classes
	"hard": {"permanent", "blijvend"}, "soft": {"temporary", "tijdelijk"}, "block": {"refused by the receiving server", "geweigerd door de ontvangende server"},
	"auto-reply": {"automatic reply", "automatisch antwoord"}, "unknown": {"unknown", "onbekend"},
	"userunknown": {"unknown mailbox", "onbekende mailbox"}, "mailboxfull": {"mailbox full", "mailbox vol"},
	"dsn": {"a delivery report", "een bezorgrapport"}, "webhook": {"our mail relay", "onze mailrelay"},
	"applied": {"applied", "toegepast"}, "unauthenticated": {"not proven to be about you: changed nothing", "niet bewezen over u: veranderde niets"},
	// inbound status
	"new": {"waiting", "wacht"}, "done": {"done", "afgehandeld"}, "ignored": {"ignored", "genegeerd"},
	// update answers and change requests
	"ok": {"yes, all correct", "ja, alles klopt"}, "changed": {"no, I'll change them", "nee, ik pas ze aan"},
	"remove":   {"take me off your list", "haal mij van uw lijst"},
	"approved": {"approved", "goedgekeurd"}, "rejected": {"refused", "geweigerd"},
	// privacy requests
	"access": {"access to my data", "inzage in mijn gegevens"}, "erasure": {"erase my data", "mijn gegevens wissen"},
	"rectification": {"correct my data", "mijn gegevens corrigeren"}, "restriction": {"restrict processing", "verwerking beperken"},
	"objection": {"objection", "bezwaar"}, "open": {"being handled", "in behandeling"},
	"form": {"the privacy request form", "het formulier voor privacyverzoeken"}, "link": {"a link in one of our mails", "een link in een van onze mails"},
	// recipient actions
	"subscribe": {"subscribed", "schreef zich in"}, "unsubscribe": {"unsubscribed", "meldde zich af"},
	"answer-ok": {"answered: all correct", "antwoordde: alles klopt"}, "answer-change": {"changed details", "wijzigde gegevens"},
	"answer-remove": {"asked to be taken off", "vroeg om verwijdering"},
}

// word translates a code word into lang.
func word(v, lang string) string {
	w, ok := valueWords[v]
	if !ok {
		return v
	}
	if lang == "nl" {
		return w[1]
	}
	return w[0]
}

func (l label) in(lang string) string {
	if lang == "nl" {
		return l.nl
	}
	return l.en
}

func (s section) title(lang string) string {
	if lang == "nl" {
		return s.nl
	}
	return s.en
}

func (s section) intro(lang string) string {
	if lang == "nl" {
		return s.introNL
	}
	return s.introEN
}
