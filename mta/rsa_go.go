//go:build !openssl || !cgo

package mta

import (
	"crypto"
	"crypto/rsa"
)

// RSABackend names the RSA implementation DKIM signs with: "go" in this
// build (crypto/rsa); build with -tags openssl for the system libcrypto.
const RSABackend = "go"

// newRSASigner returns an RSASSA-PKCS1-v1_5 SHA-256 signer for k; a batch
// is signed one digest after the other.
func newRSASigner(k *rsa.PrivateKey) (batchSigner, error) {
	k.Precompute()
	if err := k.Validate(); err != nil {
		return nil, err
	}
	return eachSigner(func(digest []byte) ([]byte, error) {
		return rsa.SignPKCS1v15(nil, k, crypto.SHA256, digest)
	}), nil
}
