#ifndef REGIMEN_GUARD_CJOSE_H
#define REGIMEN_GUARD_CJOSE_H
// JWS signature verification (RFC 7515/7518) with the system's OpenSSL libcrypto. Keys are built from JWK members
// (RSA n/e, EC crv/x/y) with EVP_PKEY_fromdata; signatures are checked with EVP_DigestVerify. No file or network
// access: the host's openssl.cnf is not read.
#include <stddef.h>
#include <stdint.h>

/// An opaque public key (an OpenSSL EVP_PKEY).
typedef struct rg_jose_key rg_jose_key;

/// The JWS algorithms this shim verifies. HMAC and `none` are deliberately absent.
typedef enum {
    RG_JOSE_RS256 = 1,
    RG_JOSE_RS384 = 2,
    RG_JOSE_PS384 = 3,
    RG_JOSE_ES256 = 4,
    RG_JOSE_ES384 = 5,
} rg_jose_alg;

/// An RSA public key from the big-endian bytes of n and e; NULL when they do not make a key of at least 2048 bits.
rg_jose_key *rg_jose_rsa_key(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len);

/// An EC public key on P-256 (`curve_bits` 256) or P-384 (384) from the coordinates x and y (each exactly the
/// curve's size); NULL when the point is not on the curve.
rg_jose_key *rg_jose_ec_key(int curve_bits, const uint8_t *x, size_t x_len, const uint8_t *y, size_t y_len);

/// Frees a key (NULL is fine).
void rg_jose_key_free(rg_jose_key *key);

/// Verifies a JWS signature over `message` (the ASCII `header.payload`). ES* signatures are the raw r||s of RFC 7518
/// section 3.4. Returns 1 when valid, 0 when not (wrong key type or size for the algorithm included).
int rg_jose_verify(const rg_jose_key *key, rg_jose_alg alg, const uint8_t *message, size_t message_len,
                   const uint8_t *signature, size_t signature_len);

/// SHA-256 of `length` bytes into `out` (32 bytes), for fingerprints. 1 on success.
int rg_jose_sha256(const uint8_t *data, size_t length, uint8_t *out);
#endif
