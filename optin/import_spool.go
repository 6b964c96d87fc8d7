package optin

import (
	"io"
	"os"

	"github.com/postbode/postbode/internal/errs"
	"github.com/postbode/postbode/internal/jobs"
)

// ErrImportTooLarge is what Spool returns for an upload over its limit.
var ErrImportTooLarge = &errs.Error{Kind: errs.KindInvalid, Code: "body_too_large", Field: "file",
	Message: "import file is larger than api.max_import_bytes"}

// Spool copies an upload to a temporary file in dir ("" is the OS temp
// dir), never into memory, and rewinds it; at most max bytes. The caller
// closes and removes the file.
func Spool(dir string, r io.Reader, max int64) (*os.File, error) {
	f, err := os.CreateTemp(dir, jobs.SpoolPattern)
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(f, io.LimitReader(r, max+1))
	if err == nil && n > max {
		err = ErrImportTooLarge
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}
