package errs

import "regexp"

// slugRE is the check the lists, roles and departments tables make on a
// slug or role name (CHECK ... ~ '^[a-z0-9][a-z0-9-]{0,62}$').
var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// SlugMessage says what a slug must be.
const SlugMessage = "must be 1-63 characters of a-z, 0-9 and -, starting with a letter or digit"

// IsSlug reports whether s passes the tables' check on a slug: 1-63
// characters of a-z, 0-9 and -, the first a letter or digit.
func IsSlug(s string) bool { return slugRE.MatchString(s) }

// Slug returns an invalid-field error naming field when s is not a slug
// (see IsSlug), nil otherwise. A list's slug, a department's slug and a
// custom role's name are checked with it, so none reaches the database's
// check (a 500) instead of a message naming the field.
func Slug(field, s string) error {
	if !IsSlug(s) {
		return Invalid(field, SlugMessage)
	}
	return nil
}
