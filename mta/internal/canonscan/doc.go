// Package canonscan finds, with vector instructions where the CPU has
// them, how much of a message body is already in DKIM relaxed canonical
// form (RFC 6376 §3.4.4) line by line, so the canonicalizer can hash that
// part as it is and look at lines one by one only from there on.
//
// A position k of b is flagged when it may make b's relaxed canonical
// form differ from b: a tab; a space before a space, CR or LF (a run of
// whitespace, or whitespace at a line's end); a byte other than CR before
// an LF (a bare LF); an LF at 0.
package canonscan
