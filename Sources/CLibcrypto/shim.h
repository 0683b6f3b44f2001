#ifndef REGIMEN_GUARD_CLIBCRYPTO_SHIM_H
#define REGIMEN_GUARD_CLIBCRYPTO_SHIM_H
// SHA-256 from the system's OpenSSL libcrypto (Debian's libssl3, security-maintained), through its EVP interface.
#include <stddef.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

/// The SHA-256 implementation, fetched once. The host's openssl.cnf is not read: a content fingerprint must not
/// depend on the machine's crypto configuration, and the core reads no files. NULL only if libcrypto is broken.
static inline EVP_MD *rg_sha256_fetch(void) {
    if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1) return NULL;
    return EVP_MD_fetch(NULL, "SHA2-256", NULL);
}

/// SHA-256 of `length` bytes at `data` (may be NULL when `length` is 0) into `out` (32 bytes). 1 on success.
static inline int rg_sha256(const EVP_MD *md, const void *data, size_t length, unsigned char *out) {
    static const unsigned char nothing = 0;
    unsigned int written = 0;
    return EVP_Digest(data != NULL ? data : &nothing, length, out, &written, md, NULL) == 1 && written == 32;
}
#endif
