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

// pb_sign_batch signs n SHA-256 digests (32 bytes each, back to back) into
// sigs (siglen bytes each), setting lens[i] to the length of signature i,
// or to 0 and errs[i] to the OpenSSL error. After a failure it carries on
// with a fresh context (ctx is freed); it returns the context to reuse, or
// NULL when none could be made (the rest then fail too).
static EVP_PKEY_CTX *pb_sign_batch(EVP_PKEY *key, EVP_PKEY_CTX *ctx, const unsigned char *digests, int n,
		unsigned char *sigs, size_t siglen, size_t *lens, unsigned long *errs) {
	for (int i = 0; i < n; i++) {
		size_t l = siglen;
		lens[i] = 0;
		errs[i] = 0;
		if (ctx == NULL) ctx = pb_ctx(key);
		if (ctx == NULL) {
			errs[i] = ERR_get_error();
			continue;
		}
		if (EVP_PKEY_sign(ctx, sigs + (size_t)i * siglen, &l, digests + (size_t)i * 32, 32) <= 0) {
			errs[i] = ERR_get_error();
			EVP_PKEY_CTX_free(ctx);
			ctx = NULL;
			continue;
		}
		lens[i] = l;
	}
	return ctx;
}

static unsigned long pb_err(void) { return ERR_get_error(); }
*/
import "C"

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
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

// newRSASigner returns an RSASSA-PKCS1-v1_5 SHA-256 signer for k backed by
// libcrypto. It signs a batch in one cgo call: a call to C that lasts a
// signature (about 300 µs) lets the Go scheduler hand the thread's P to
// another thread and park this one on return, which costs as much again
// in context switches when it happens for every message.
func newRSASigner(k *rsa.PrivateKey) (batchSigner, error) {
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
	return ok.signBatch, nil
}

// signBatch signs the digests, at most maxSignBatch in one call to C.
func (k *opensslKey) signBatch(digests [][sha256.Size]byte, sigs [][]byte, errs []error) {
	for len(digests) > 0 {
		n := min(len(digests), maxSignBatch)
		k.signCall(digests[:n], sigs[:n], errs[:n])
		digests, sigs, errs = digests[n:], sigs[n:], errs[n:]
	}
}

func (k *opensslKey) signCall(digests [][sha256.Size]byte, sigs [][]byte, errs []error) {
	n := len(digests)
	out := make([]byte, n*k.size) // one allocation for the batch's signatures
	var lensBuf [maxSignBatch]C.size_t
	var codesBuf [maxSignBatch]C.ulong
	lens, codes := lensBuf[:n], codesBuf[:n]
	var ctx *C.EVP_PKEY_CTX
	select {
	case ctx = <-k.ctxs:
	default: // pb_sign_batch makes one
	}
	ctx = C.pb_sign_batch(k.pkey, ctx, (*C.uchar)(unsafe.Pointer(&digests[0][0])), C.int(n),
		(*C.uchar)(unsafe.Pointer(&out[0])), C.size_t(k.size), &lens[0], &codes[0])
	if ctx != nil {
		select {
		case k.ctxs <- ctx:
		default:
			C.EVP_PKEY_CTX_free(ctx)
		}
	}
	runtime.KeepAlive(k)
	for i := range digests {
		if lens[i] == 0 {
			sigs[i], errs[i] = nil, fmt.Errorf("openssl: RSA sign: error %x", uint64(codes[i]))
			continue
		}
		sigs[i], errs[i] = out[i*k.size:i*k.size+int(lens[i]):i*k.size+int(lens[i])], nil
	}
}
