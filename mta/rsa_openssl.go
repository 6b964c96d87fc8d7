//go:build openssl && cgo

package mta

/*
#cgo LDFLAGS: -lcrypto
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/err.h>

static EVP_PKEY *pb_load_key(const unsigned char *der, long len) {
	const unsigned char *p = der;
	return d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, len);
}

// pb_ctx returns a signing context for RSASSA-PKCS1-v1_5 with SHA-256,
// reusable for many signatures, or NULL.
static EVP_PKEY_CTX *pb_ctx(EVP_PKEY *key) {
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	if (ctx == NULL) return NULL;
	if (EVP_PKEY_sign_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

// pb_sign signs a SHA-256 digest; returns the signature length, or 0 on error.
static size_t pb_sign(EVP_PKEY_CTX *ctx, const unsigned char *digest, unsigned char *sig, size_t siglen) {
	size_t n = siglen;
	if (EVP_PKEY_sign(ctx, sig, &n, digest, 32) <= 0) return 0;
	return n;
}

static unsigned long pb_err(void) { return ERR_get_error(); }
*/
import "C"

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"runtime"
	"unsafe"
)

// RSABackend names the RSA implementation DKIM signs with: "openssl" in this
// build (the system libcrypto through cgo, about 4x faster than crypto/rsa).
const RSABackend = "openssl"

type opensslKey struct {
	pkey *C.EVP_PKEY
	size int
	// ctxs holds idle signing contexts (set up once, reused: saves about
	// 15 µs a signature); a context is used by one goroutine at a time.
	ctxs chan *C.EVP_PKEY_CTX
}

const maxIdleCtx = 64

// newRSASigner returns an RSASSA-PKCS1-v1_5 SHA-256 signer for k backed by libcrypto.
func newRSASigner(k *rsa.PrivateKey) (func(digest []byte) ([]byte, error), error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	der := x509.MarshalPKCS1PrivateKey(k)
	pkey := C.pb_load_key((*C.uchar)(unsafe.Pointer(&der[0])), C.long(len(der)))
	clear(der)
	if pkey == nil {
		return nil, fmt.Errorf("openssl: load RSA key: error %x", uint64(C.pb_err()))
	}
	ctxs := make(chan *C.EVP_PKEY_CTX, maxIdleCtx)
	ok := &opensslKey{pkey: pkey, size: k.Size(), ctxs: ctxs}
	runtime.AddCleanup(ok, func(p *C.EVP_PKEY) {
		for {
			select {
			case c := <-ctxs:
				C.EVP_PKEY_CTX_free(c)
			default:
				C.EVP_PKEY_free(p)
				return
			}
		}
	}, pkey)
	return ok.sign, nil
}

func (k *opensslKey) getCtx() (*C.EVP_PKEY_CTX, error) {
	select {
	case c := <-k.ctxs:
		return c, nil
	default:
	}
	c := C.pb_ctx(k.pkey)
	if c == nil {
		return nil, fmt.Errorf("openssl: RSA signing context: error %x", uint64(C.pb_err()))
	}
	return c, nil
}

func (k *opensslKey) putCtx(c *C.EVP_PKEY_CTX) {
	select {
	case k.ctxs <- c:
	default:
		C.EVP_PKEY_CTX_free(c)
	}
}

func (k *opensslKey) sign(digest []byte) ([]byte, error) {
	if len(digest) != 32 {
		return nil, errors.New("openssl: digest must be SHA-256")
	}
	ctx, err := k.getCtx()
	if err != nil {
		return nil, err
	}
	sig := make([]byte, k.size)
	n := C.pb_sign(ctx, (*C.uchar)(unsafe.Pointer(&digest[0])), (*C.uchar)(unsafe.Pointer(&sig[0])), C.size_t(len(sig)))
	if n == 0 {
		C.EVP_PKEY_CTX_free(ctx)
		return nil, fmt.Errorf("openssl: RSA sign: error %x", uint64(C.pb_err()))
	}
	k.putCtx(ctx)
	runtime.KeepAlive(k)
	return sig[:n], nil
}
