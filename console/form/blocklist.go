package form

import (
	"net/http"
	"strings"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
)

// MaxBlockLines is the most addresses one blocklist form takes.
const MaxBlockLines = 200

// BlocklistForm puts one or several addresses on the blocklist: one
// address a line, with the reason and note of BlockForm.
type BlocklistForm struct {
	Addresses string
	BlockForm
	// Emails are the normalised addresses, each once (after Validate).
	Emails []string
	// Bad names every line that is not an address, with the reason.
	Bad []BadLine
}

// BadLine is a line of the address box that is not an address.
type BadLine struct {
	N    int
	Line string
	// Why is the domain's message (contacts.NormalizeEmail).
	Why string
}

// NewBlocklistForm reads the blocklist form.
func NewBlocklistForm(r *http.Request) *BlocklistForm {
	return &BlocklistForm{Addresses: r.FormValue("addresses"), BlockForm: *NewBlockForm(r)}
}

// Validate checks reason and note (BlockForm) and every line: empty lines
// are skipped, each other line must be an address, at most MaxBlockLines.
func (f *BlocklistForm) Validate() Errors {
	e := f.BlockForm.Validate()
	seen := map[string]bool{}
	lines := strings.Split(strings.ReplaceAll(f.Addresses, "\r\n", "\n"), "\n")
	n := 0
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if n++; n > MaxBlockLines {
			e["addresses"] = "blocklist.err.toomany"
			return e
		}
		email, err := contacts.NormalizeEmail("address", l)
		if err != nil {
			why := err.Error()
			if fe := errs.Fields(err); len(fe) > 0 {
				why = fe[0].Message
			}
			f.Bad = append(f.Bad, BadLine{N: i + 1, Line: clipLine(l), Why: why})
			continue
		}
		if !seen[strings.ToLower(email)] {
			seen[strings.ToLower(email)] = true
			f.Emails = append(f.Emails, email)
		}
	}
	switch {
	case len(f.Bad) > 0:
		e["addresses"] = "blocklist.err.lines"
	case len(f.Emails) == 0:
		e["addresses"] = "blocklist.err.none"
	}
	return e
}

// clipLine shortens a line for the error list.
func clipLine(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}
