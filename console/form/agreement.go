package form

import (
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"time"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/privacy"
)

// AgreementForm is the upload of a signed processor agreement (GDPR art.
// 28(3)): the processor, the day it was signed, and the document (a PDF,
// at most privacy.MaxAgreementBytes), checked by privacy.StoreAgreement
// (the one rule the API follows too).
type AgreementForm struct {
	Processor string
	// SignedOn is optional: YYYY-MM-DD.
	SignedOn string
	// FileName and Data are the document; TooLarge: it was longer than
	// privacy.MaxAgreementBytes (Data is then cut).
	FileName string
	Data     []byte
	TooLarge bool
}

// NewAgreementForm reads the multipart form from mr (the parts after the
// CSRF token), the document into memory up to one byte past the cap; a
// longer document ends the reading (the fields come before it in the form).
func NewAgreementForm(r *http.Request, mr *multipart.Reader) (*AgreementForm, error) {
	if mr == nil {
		return nil, errs.Invalid("document", "the upload is not a multipart form")
	}
	f := &AgreementForm{}
	vals := url.Values{}
	// After a document over the cap the rest is not read: the answer says
	// the document is too large.
	if err := eachPart(mr, func(p *multipart.Part) (bool, error) {
		err := f.readPart(p, vals)
		return !f.TooLarge, err
	}); err != nil {
		return nil, err
	}
	r.Form = vals
	f.Processor, f.SignedOn = value(r, "processor"), value(r, "signed_on")
	return f, nil
}

func (f *AgreementForm) readPart(part *multipart.Part, vals url.Values) error {
	if part.FormName() == "document" {
		if part.FileName() == "" || f.Data != nil {
			return nil
		}
		b, err := io.ReadAll(io.LimitReader(part, privacy.MaxAgreementBytes+1))
		if err != nil {
			return err
		}
		f.FileName, f.Data, f.TooLarge = part.FileName(), b, len(b) > privacy.MaxAgreementBytes
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(part, 64<<10))
	if err != nil {
		return err
	}
	vals.Add(part.FormName(), string(b))
	return nil
}

// Validate checks the fields the form needs; the document's type and
// size are the privacy service's to check as well. signed is the day parsed.
func (f *AgreementForm) Validate() (signed *time.Time, e Errors) {
	e = Errors{}
	if f.Processor == "" {
		e["processor"] = "agreement.err.processor"
	}
	if f.SignedOn != "" {
		t, err := time.Parse("2006-01-02", f.SignedOn)
		if err != nil {
			e["signed_on"] = "agreement.err.signed"
		} else {
			signed = &t
		}
	}
	switch {
	case len(f.Data) == 0:
		e["document"] = "agreement.err.document"
	case f.TooLarge:
		e["document"] = "agreement.err.toolarge"
	}
	return signed, e
}
