package optin

import (
	"context"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/postbode/postbode/contacts"
	"github.com/postbode/postbode/internal/errs"
)

// NewContact is a contact to create and the lists to subscribe it to at
// once.
type NewContact struct {
	contacts.New
	// ListIDs to subscribe to; optional.
	ListIDs []int64
	// Lists to subscribe to by slug or id, as the API names them (errors
	// name lists[i]); optional, resolved into ListIDs by CheckContact.
	Lists []string
	// Consent: required with ListIDs (errors name consent.FIELD).
	Consent *Consent
	// Confirmed: the caller holds proof of confirmation, so double opt-in
	// lists are confirmed at once; otherwise they start unconfirmed (see
	// Subscribe).
	Confirmed bool
}

// CheckContact checks n as CreateContact does and stores nothing: every
// field that is wrong (errors.Join, see errs.Fields), so a form whose own
// checks failed shows all its errors at once. n's address is normalised.
func (s *Store) CheckContact(ctx context.Context, n *NewContact) error {
	var bad []error
	// field keeps a field error for the report and returns any other.
	field := func(err error) error {
		if len(errs.Fields(err)) > 0 {
			bad = append(bad, err)
			return nil
		}
		return err
	}
	if len(n.ListIDs)+len(n.Lists) > 0 {
		if n.Consent == nil {
			bad = append(bad, errs.Invalid("consent", "is required when subscribing to lists: source and purpose of the consent"))
		} else if err := n.Consent.Validate(); err != nil {
			bad = append(bad, prefixField(err, "consent."))
		}
		// Subscribe passes over ids it cannot see (deleted, or another
		// department's), so each is checked before the contact is made.
		refs := n.Lists
		for _, id := range n.ListIDs {
			refs = append(refs, strconv.FormatInt(id, 10))
		}
		ids, err := s.ResolveLists(ctx, "lists", refs)
		if field(err) != nil {
			return err
		}
		if err == nil {
			n.ListIDs, n.Lists = ids, nil
		}
	}
	bad = append(bad, n.New.Validate())
	return errors.Join(bad...)
}

// CreateContact creates a contact and subscribes it to n.ListIDs with the
// consent on record: the rule of POST /api/v1/contacts and of the
// console's New contact form.
func (s *Store) CreateContact(ctx context.Context, cs *contacts.Store, n NewContact) (contacts.Contact, []Subscription, error) {
	if err := s.CheckContact(ctx, &n); err != nil {
		return contacts.Contact{}, nil, err
	}
	// The contact and its subscriptions are one transaction: a refused
	// subscription leaves no contact behind (and a retry no duplicate).
	var c contacts.Contact
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		if c, err = cs.CreateTx(ctx, tx, n.New); err != nil || len(n.ListIDs) == 0 {
			return err
		}
		return subscribeTx(ctx, tx, c.ID, n.ListIDs, *n.Consent, n.Confirmed, false)
	})
	if err != nil {
		return contacts.Contact{}, nil, err
	}
	subs := []Subscription{}
	if len(n.ListIDs) > 0 {
		if subs, err = s.Subscriptions(ctx, c.ID); err != nil {
			return c, nil, err
		}
		if c, err = cs.Get(ctx, c.ID); err != nil {
			return c, nil, err
		}
	}
	return c, subs, nil
}
