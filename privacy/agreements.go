package privacy

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/internal/errs"
)

// Processor agreements (GDPR art. 28(3)): the signed document of each
// processor, stored in Postgres and downloadable by the admin.

// Agreement is a stored processor agreement (without its document).
type Agreement struct {
	ID          int64      `json:"id"`
	Processor   string     `json:"processor"`
	Filename    string     `json:"filename"`
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	SignedOn    *time.Time `json:"signed_on"`
	UploadedBy  string     `json:"uploaded_by"`
	UploadedAt  time.Time  `json:"uploaded_at"`
}

const agreementCols = `id, processor, filename, content_type, length(data)::bigint, signed_on::timestamptz, uploaded_by, uploaded_at`

// MaxAgreementBytes caps a stored document.
const MaxAgreementBytes = 10 << 20

// ErrNoAgreement: no such agreement.
var ErrNoAgreement = errs.NotFound("agreement_not_found", "processor agreement not found")

// StoreAgreement stores a signed agreement (PDF) of a processor and audits it.
func (s *Service) StoreAgreement(ctx context.Context, processor, filename string, signedOn *time.Time, data []byte, actor string) (Agreement, error) {
	switch {
	case len(processor) < 2 || len(processor) > 200:
		return Agreement{}, errs.Invalid("processor", "is required (2 to 200 characters)")
	case len(data) == 0 || len(data) > MaxAgreementBytes:
		return Agreement{}, errs.Invalid("document", "must be 1 byte to 10 MiB")
	case len(data) < 5 || string(data[:5]) != "%PDF-":
		return Agreement{}, errs.Invalid("document", "must be a PDF")
	}
	// The last part of a path, '/' or '\' (a browser on Windows may send
	// the whole path); a name staff read and the download is saved as.
	filename = path.Base(strings.ReplaceAll(filename, `\`, "/"))
	if err := errs.Name("filename", filename); err != nil {
		return Agreement{}, err
	}
	if filename == "." || filename == "/" || len(filename) > 200 {
		filename = "agreement.pdf"
	}
	var a Agreement
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `INSERT INTO processor_agreements (processor, filename, content_type, data, signed_on, uploaded_by)
			VALUES ($1, $2, 'application/pdf', $3, $4::timestamptz::date, $5) RETURNING `+agreementCols, processor, filename, data, signedOn, actor)
		if err != nil {
			return fmt.Errorf("privacy: store agreement: %w", err)
		}
		if a, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Agreement]); err != nil {
			return fmt.Errorf("privacy: store agreement: %w", err)
		}
		return writeAudit(ctx, tx, Entry{Actor: actor, Action: ActionSettingChange, TargetKind: "agreement", TargetID: &a.ID,
			Count: 1, Cause: CauseAgreementStored})
	})
	return a, err
}

// CauseAgreementStored is the audit cause of a stored processor agreement.
const CauseAgreementStored = "processor agreement stored"

// Agreements lists the stored agreements, newest first.
func (s *Service) Agreements(ctx context.Context) ([]Agreement, error) {
	rows, err := s.db.Query(ctx, `SELECT `+agreementCols+` FROM processor_agreements ORDER BY id DESC LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("privacy: agreements: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Agreement])
}

// AgreementDocument returns an agreement and its document.
func (s *Service) AgreementDocument(ctx context.Context, id int64) (Agreement, []byte, error) {
	var a Agreement
	var data []byte
	err := s.db.QueryRow(ctx, `SELECT `+agreementCols+`, data FROM processor_agreements WHERE id = $1`, id).
		Scan(&a.ID, &a.Processor, &a.Filename, &a.ContentType, &a.Size, &a.SignedOn, &a.UploadedBy, &a.UploadedAt, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, nil, ErrNoAgreement
	}
	if err != nil {
		return a, nil, fmt.Errorf("privacy: agreement: %w", err)
	}
	return a, data, nil
}
