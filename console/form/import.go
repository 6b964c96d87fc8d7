package form

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/optin"
)

// ImportForm is an upload of contacts: the file and the consent it carries.
type ImportForm struct {
	Format, Source, Purpose, Evidence string
	// EmailColumn, NameColumn map CSV header columns (empty: the usual names).
	EmailColumn, NameColumn   string
	Lists                     []int64
	Confirmed, UpdateExisting bool
	// File is the spooled upload (nil when none was sent); FileName its name.
	File     *os.File
	FileName string
}

// NewImportForm streams the multipart form from mr (the parts after the
// CSRF token): the small fields are read into memory, the file is spooled
// to dir (at most max bytes). The caller closes and removes File.
func NewImportForm(r *http.Request, mr *multipart.Reader, dir string, max int64) (*ImportForm, error) {
	if mr == nil {
		return nil, errs.Invalid("file", "the upload is not a multipart form")
	}
	f := &ImportForm{}
	vals := url.Values{}
	if err := eachPart(mr, func(p *multipart.Part) (bool, error) { return true, f.readPart(p, vals, dir, max) }); err != nil {
		f.Close()
		return nil, err
	}
	r.Form = vals
	f.Format, f.Source, f.Purpose, f.Evidence = value(r, "format"), value(r, "source"), value(r, "purpose"), value(r, "evidence")
	f.EmailColumn, f.NameColumn = value(r, "email_column"), value(r, "name_column")
	f.Lists, f.Confirmed, f.UpdateExisting = ids(r, "lists"), checked(r, "confirmed"), checked(r, "update_existing")
	if f.Format == "" {
		f.Format = "csv"
		if strings.HasSuffix(strings.ToLower(f.FileName), ".ndjson") || strings.HasSuffix(strings.ToLower(f.FileName), ".jsonl") {
			f.Format = "ndjson"
		}
	}
	return f, nil
}

func (f *ImportForm) readPart(part *multipart.Part, vals url.Values, dir string, max int64) error {
	defer part.Close()
	if part.FormName() == "file" {
		if part.FileName() == "" || f.File != nil {
			return nil
		}
		file, err := optin.Spool(dir, part, max)
		if err != nil {
			return err
		}
		f.File, f.FileName = file, part.FileName()
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(part, 64<<10))
	if err != nil {
		return err
	}
	vals.Add(part.FormName(), string(b))
	return nil
}

// Params are the domain's import parameters.
func (f *ImportForm) Params() optin.ImportParams {
	return optin.ImportParams{Format: f.Format, Source: f.Source, Purpose: f.Purpose, Lists: f.Lists,
		Confirmed: f.Confirmed, UpdateExisting: f.UpdateExisting, Evidence: f.Evidence,
		EmailColumn: f.EmailColumn, NameColumn: f.NameColumn}
}

// Validate requires a file, a source and a purpose (and checks the rest).
func (f *ImportForm) Validate() Errors {
	e := Errors{}
	if f.File == nil {
		e["file"] = "import.err.file"
	}
	if f.Source == "" {
		e["source"] = "import.err.source"
	}
	if f.Purpose == "" {
		e["purpose"] = "import.err.purpose"
	}
	if len(e) == 0 {
		p := f.Params()
		var ee *errs.Error
		if err := p.Validate(); errors.As(err, &ee) {
			e[ee.Field] = ee.Message
		}
	}
	if len(e) > 0 && f.File != nil {
		// The form comes back without the file: a browser cannot fill
		// in a file field, so say so beside it.
		e["file"] = "import.err.fileagain"
	}
	return e
}

// Close removes the spooled file.
func (f *ImportForm) Close() {
	if f.File != nil {
		f.File.Close()
		os.Remove(f.File.Name())
		f.File = nil
	}
}

// eachPart hands the parts of an upload to read in order, closing each,
// until the form ends, read fails or read says not to go on.
func eachPart(mr *multipart.Reader, read func(*multipart.Part) (more bool, err error)) error {
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		more, err := read(part)
		part.Close()
		if err != nil || !more {
			return err
		}
	}
}
