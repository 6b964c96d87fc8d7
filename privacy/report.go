package privacy

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/postbode/postbode/internal/db"
	"github.com/postbode/postbode/internal/humantime"

	"github.com/postbode/postbode/internal/plural"
)

// The access report (GDPR art. 15) is the PDF form of an Export, written
// for the person it is about, in their language (en or nl): who holds the
// data, why (per list its purpose, legal basis and retention), the data
// itself under plain labels (labels.go), where it came from (the consent
// records), what was sent and logged, who receives it, and the person's
// rights and how to use them.

// phrases of the report, English and Dutch.
var phrases = map[string][2]string{
	"title":        {"Your personal data", "Uw persoonsgegevens"},
	"intro":        {"This report shows all personal data %s holds about you, as on %s. The JSON file sent with it holds the same data in a form you can take to another service.", "Dit rapport toont alle persoonsgegevens die %s over u bewaart, op %s. Het JSON-bestand dat erbij zit bevat dezelfde gegevens in een vorm die u kunt meenemen naar een andere dienst."},
	"who":          {"Who holds your data", "Wie uw gegevens bewaart"},
	"organisation": {"Organisation", "Organisatie"},
	"contact":      {"Privacy contact", "Contact voor privacy"},
	"statement":    {"Privacy statement", "Privacyverklaring"},
	"why":          {"Why we hold your data", "Waarom wij uw gegevens bewaren"},
	"no lists":     {"You are not on any of our lists.", "U staat op geen van onze lijsten."},
	"purpose":      {"Purpose", "Doel"},
	"basis":        {"Legal basis", "Rechtsgrond"},
	"retention":    {"How long we keep it", "Hoe lang wij het bewaren"},
	"keep days":    {"As long as you are on the list. Once you have left all our lists, or your address no longer works, we erase your data automatically after %d {day|days}. The statistics we keep cannot be traced back to you.", "Zolang u op de lijst staat. Staat u op geen enkele lijst meer, of werkt uw adres niet meer, dan wissen wij uw gegevens automatisch na %d {dag|dagen}. De statistieken die wij bewaren zijn niet naar u te herleiden."},
	"keep asked":   {"As long as you are on the list, and until you ask us to erase it.", "Zolang u op de lijst staat, en tot u ons vraagt ze te wissen."},
	"nothing in":   {"We hold nothing about you in: %s.", "Wij bewaren niets over u in: %s."},
	"receivers":    {"Who receives your data", "Wie uw gegevens ontvangt"},
	"processors":   {"These organisations process your data on our behalf, bound by an agreement (GDPR art. 28):", "Deze organisaties verwerken uw gegevens in onze opdracht, gebonden aan een overeenkomst (AVG art. 28):"},
	"no receivers": {"Nobody outside %s.", "Niemand buiten %s."},
	"rights":       {"Your rights", "Uw rechten"},
	"how":          {"How to use them: fill in the form at %s", "Zo gebruikt u ze: vul het formulier in op %s"},
	"or write":     {"or write to %s", "of schrijf naar %s"},
	"write":        {"How to use them: write to %s", "Zo gebruikt u ze: schrijf naar %s"},
	"answer":       {"We answer within one month.", "Wij antwoorden binnen een maand."},
	"shortened":    {"… (shortened: the full text is in the JSON file)", "… (ingekort: de volledige tekst staat in het JSON-bestand)"},
	"message":      {"%d {byte|bytes}, as received:", "%d {byte|bytes}, zoals ontvangen:"},
	"left out":     {"Left out", "Weggelaten"},
	"left out why": {"This names your address, but nothing ties it to a mail we sent you. Anyone can send such a mail and it may name other people, so its text is not shown.", "Hierin staat uw adres, maar niets verbindt het met een mail die wij u stuurden. Iedereen kan zo'n mail sturen en er kunnen anderen in staan, daarom tonen wij de tekst niet."},
	"yes":          {"yes", "ja"},
	"no":           {"no", "nee"},
	"deleted":      {"(deleted)", "(verwijderd)"},
	"footer":       {"Personal data of %s", "Persoonsgegevens van %s"},
}

var rights = [][2]string{
	{"See your data (art. 15): this report.", "Uw gegevens inzien (art. 15): dit rapport."},
	{"Have wrong data corrected (art. 16).", "Onjuiste gegevens laten corrigeren (art. 16)."},
	{"Have your data erased (art. 17).", "Uw gegevens laten wissen (art. 17)."},
	{"Have processing restricted while a question is sorted out (art. 18).", "De verwerking laten beperken zolang een vraag wordt uitgezocht (art. 18)."},
	{"Take your data to another service (art. 20): the JSON file.", "Uw gegevens meenemen naar een andere dienst (art. 20): het JSON-bestand."},
	{"Object, for instance to our measuring whether you open our mails (art. 21).", "Bezwaar maken, bijvoorbeeld tegen het meten of u onze mails opent (art. 21)."},
	{"Withdraw your consent at any time, with the unsubscribe link in every mail (art. 7(3)).", "Uw toestemming altijd intrekken, met de afmeldlink in elke mail (art. 7 lid 3)."},
	{"Complain to the supervisory authority: %s (art. 77).", "Een klacht indienen bij de toezichthouder: %s (art. 77)."},
}

var legalBasisWords = map[string][2]string{
	"consent":             {"your consent (GDPR art. 6(1)(a))", "uw toestemming (AVG art. 6 lid 1 sub a)"},
	"contract":            {"our agreement with you (GDPR art. 6(1)(b))", "onze overeenkomst met u (AVG art. 6 lid 1 sub b)"},
	"legal-obligation":    {"a legal obligation (GDPR art. 6(1)(c))", "een wettelijke plicht (AVG art. 6 lid 1 sub c)"},
	"legitimate-interest": {"our legitimate interest (GDPR art. 6(1)(f)); you may object", "ons gerechtvaardigd belang (AVG art. 6 lid 1 sub f); u kunt bezwaar maken"},
}

// reportText is the report's language and zone.
type reportText struct {
	lang string
	loc  *time.Location
	refs References
}

func (rt reportText) p(key string, args ...any) string {
	w := phrases[key]
	s := w[0]
	if rt.lang == "nl" {
		s = w[1]
	}
	if len(args) > 0 {
		return plural.Sprintf(s, args...)
	}
	return s
}

func (rt reportText) pick(w [2]string) string {
	if rt.lang == "nl" {
		return w[1]
	}
	return w[0]
}

// date writes t in words in the report's zone (humantime.Words: the zone
// named, UTC beside it), or only its day when clock is false.
func (rt reportText) date(t time.Time, clock bool) string {
	if !clock {
		return humantime.Date(t, rt.loc, rt.lang)
	}
	return humantime.Words(t, rt.loc, rt.lang)
}

func parseTime(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// maxValue caps a value's length in the PDF (the JSON has it whole).
const maxValue = 1500

// value writes one column's value for people; "" means leave the line out.
func (rt reportText) value(l label, v any) string {
	if v == nil {
		return ""
	}
	var s string
	switch l.kind {
	case vInternal:
		return ""
	case vTime:
		t, ok := parseTime(v)
		if !ok {
			return plain(v)
		}
		s = rt.date(t, true)
	case vList:
		ref, ok := rt.refs.Lists[plain(v)]
		if !ok {
			return rt.p("deleted")
		}
		s = ref.Name
	case vCampaign:
		ref, ok := rt.refs.Campaigns[plain(v)]
		if !ok {
			return rt.p("deleted")
		}
		s = ref.Name
		if t, ok := parseTime(deref(ref.SentAt)); ok {
			s += " (" + rt.date(t, false) + ")"
		}
	case vWord:
		s = word(plain(v), rt.lang)
	case vYesNo:
		if b, _ := v.(bool); b {
			return rt.p("yes")
		}
		return rt.p("no")
	case vMessage:
		raw, err := hex.DecodeString(strings.TrimPrefix(plain(v), `\x`))
		if err != nil {
			return plain(v)
		}
		s = rt.p("message", len(raw)) + "\n" + strings.ReplaceAll(string(raw), "\r\n", "\n")
	default:
		s = plain(v)
	}
	if len(s) > maxValue {
		cut := maxValue
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + rt.p("shortened")
	}
	return s
}

func utf8Start(b byte) bool { return b&0xc0 != 0x80 }

func deref(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// plain writes a JSON value as text: objects one "key: value" per line,
// arrays joined.
func plain(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = plain(e)
		}
		sep := ", "
		if len(x) > 0 {
			if _, obj := x[0].(map[string]any); obj {
				sep = "\n"
			}
		}
		return strings.Join(parts, sep)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + plain(x[k])
		}
		return strings.Join(parts, "\n")
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// PDF renders the access report in lang (en or nl; anything else is en).
func (ex Export) PDF(lang string) ([]byte, error) {
	if lang != "nl" {
		lang = "en"
	}
	rt := reportText{lang: lang, loc: ex.Controller.Location(), refs: ex.References}
	tables := map[string][]map[string]any{}
	for _, p := range db.PersonalTables {
		var rows []map[string]any
		if err := json.Unmarshal(ex.Tables[p.Table], &rows); err != nil && ex.Tables[p.Table] != nil {
			return nil, fmt.Errorf("privacy: report: table %s: %w", p.Table, err)
		}
		tables[p.Table] = rows
	}
	who := ex.Controller.Organisation
	if c := tables["contacts"]; len(c) > 0 {
		who = plain(c[0]["email"])
	}
	d := newDoc(rt.p("title"), ex.houseColour, rt.p("footer", who))
	d.title(rt.p("title"))
	d.para(rt.p("intro", ex.Controller.Organisation, rt.date(ex.GeneratedAt, true)))
	rt.writeHolder(d, ex.Controller)
	rt.writePurposes(d, ex.Controller)
	rt.writeData(d, tables)
	rt.writeReceivers(d, ex.Controller)
	rt.writeRights(d, ex.Controller)
	return d.bytes()
}

func (rt reportText) writeHolder(d *doc, c Controller) {
	d.heading(rt.p("who"))
	d.field(rt.p("organisation"), c.Organisation)
	if c.ContactEmail != "" {
		d.field(rt.p("contact"), c.ContactEmail)
	}
	if c.StatementURL != "" {
		d.field(rt.p("statement"), c.StatementURL)
	}
}

func (rt reportText) writePurposes(d *doc, c Controller) {
	d.heading(rt.p("why"))
	ids := make([]string, 0, len(rt.refs.Lists))
	for id := range rt.refs.Lists {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return rt.refs.Lists[ids[i]].Name < rt.refs.Lists[ids[j]].Name })
	if len(ids) == 0 {
		d.para(rt.p("no lists"))
	}
	keep := rt.p("keep asked")
	if c.RetentionDays > 0 {
		keep = rt.p("keep days", c.RetentionDays)
	}
	for _, id := range ids {
		l := rt.refs.Lists[id]
		d.subheading(l.Name)
		d.field(rt.p("purpose"), l.Purpose)
		basis, ok := legalBasisWords[l.LegalBasis]
		if !ok {
			basis = [2]string{l.LegalBasis, l.LegalBasis}
		}
		d.field(rt.p("basis"), rt.pick(basis))
		d.field(rt.p("retention"), keep)
	}
}

// writeData writes a section per registered table that holds rows, and
// names the ones that hold none.
func (rt reportText) writeData(d *doc, tables map[string][]map[string]any) {
	var empty []string
	for _, p := range db.PersonalTables {
		sec := reportSections[p.Table]
		rows := tables[p.Table]
		if len(rows) == 0 {
			empty = append(empty, sec.title(rt.lang))
			continue
		}
		d.heading(fmt.Sprintf("%s (%d)", sec.title(rt.lang), len(rows)))
		if in := sec.intro(rt.lang); in != "" {
			d.para(in)
		}
		cols := exportColumns(p)
		for i, r := range rows {
			if len(rows) > 1 {
				d.subheading(strconv.Itoa(i+1) + ".")
			}
			for _, c := range cols {
				if v := rt.value(sec.cols[c], r[c]); v != "" {
					d.field(sec.cols[c].in(rt.lang), v)
				}
			}
			if w, _ := r[WithheldKey].([]any); len(w) > 0 {
				d.field(rt.p("left out"), rt.p("left out why"))
			}
		}
	}
	if len(empty) > 0 {
		d.pdf.Ln(3)
		d.para(rt.p("nothing in", strings.Join(empty, "; ")))
	}
}

func (rt reportText) writeReceivers(d *doc, c Controller) {
	d.heading(rt.p("receivers"))
	if len(c.Processors) == 0 {
		d.para(rt.p("no receivers", c.Organisation))
		return
	}
	d.para(rt.p("processors"))
	for _, pr := range c.Processors {
		s := pr.Name + ": " + pr.Purpose
		if pr.Location != "" {
			s += " (" + pr.Location + ")"
		}
		d.bullet(s)
	}
}

func (rt reportText) writeRights(d *doc, c Controller) {
	d.heading(rt.p("rights"))
	for i, r := range rights {
		s := rt.pick(r)
		if i == len(rights)-1 {
			s = fmt.Sprintf(s, c.Authority)
		}
		d.bullet(s)
	}
	d.pdf.Ln(2)
	how := ""
	if c.RequestURL != "" {
		how = rt.p("how", c.RequestURL)
	}
	if c.ContactEmail != "" {
		if how != "" {
			how += ", "
			how += rt.p("or write", c.ContactEmail)
		} else {
			how = rt.p("write", c.ContactEmail)
		}
	}
	if how != "" {
		d.para(how + ". " + rt.p("answer"))
	}
}
