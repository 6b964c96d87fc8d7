package optin

import "hash/maphash"

// addressRows remembers the first row of every address in an import file, so
// a repeated address is reported as a duplicate of that row wherever it
// appears. Addresses are kept as two 64-bit hashes under random seeds (about
// 40 bytes an address; a false match needs a 128-bit collision).
type addressRows struct {
	seeds [2]maphash.Seed
	rows  map[[2]uint64]int64
}

func newAddressRows() *addressRows {
	return &addressRows{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, rows: map[[2]uint64]int64{}}
}

// first records row for key (a lower-cased address) and returns the row the
// address first appeared on, with true, when it appeared before.
func (a *addressRows) first(key string, row int64) (int64, bool) {
	k := [2]uint64{maphash.String(a.seeds[0], key), maphash.String(a.seeds[1], key)}
	if r, ok := a.rows[k]; ok {
		return r, true
	}
	a.rows[k] = row
	return row, false
}
