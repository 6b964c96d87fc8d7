package staff

import (
	"context"
	"fmt"

	"github.com/postbode/postbode/internal/errs"
)

// Languages are the console languages a person can pick.
var Languages = []string{"en", "nl"}

// Language returns the person's console language.
func (s *Service) Language(ctx context.Context, personID int64) (string, error) {
	var lang string
	err := s.db.QueryRow(unscoped(ctx), `SELECT lang FROM persons WHERE id = $1`, personID).Scan(&lang)
	if err != nil {
		return "", notFound(err, ErrNotFound)
	}
	return lang, nil
}

// SetLanguage sets the person's console language (en or nl).
func (s *Service) SetLanguage(ctx context.Context, personID int64, lang string) error {
	if lang != "en" && lang != "nl" {
		return errs.Invalid("lang", "must be en or nl")
	}
	tag, err := s.db.Exec(unscoped(ctx), `UPDATE persons SET lang = $2 WHERE id = $1`, personID, lang)
	if err != nil {
		return fmt.Errorf("staff: set language: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
