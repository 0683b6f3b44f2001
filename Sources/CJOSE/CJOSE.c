#include "CJOSE.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <string.h>

struct rg_jose_key {
    EVP_PKEY *pkey;
    int ec_bits;  // 0 for RSA
};

static int init_once(void) { return OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) == 1; }

static rg_jose_key *from_params(const char *type, OSSL_PARAM_BLD *bld, int ec_bits) {
    rg_jose_key *result = NULL;
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;
    if (params != NULL && ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1 && pkey != NULL) {
        result = OPENSSL_zalloc(sizeof(*result));
        if (result != NULL) {
            result->pkey = pkey;
            result->ec_bits = ec_bits;
            pkey = NULL;
        }
    }
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return result;
}

rg_jose_key *rg_jose_rsa_key(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len) {
    if (!init_once() || n_len == 0 || e_len == 0) return NULL;
    BIGNUM *bn_n = BN_bin2bn(n, (int)n_len, NULL), *bn_e = BN_bin2bn(e, (int)e_len, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    rg_jose_key *key = NULL;
    if (bn_n != NULL && bn_e != NULL && bld != NULL && BN_num_bits(bn_n) >= 2048 && BN_is_odd(bn_e) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1) {
        key = from_params("RSA", bld, 0);
    }
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return key;
}

rg_jose_key *rg_jose_ec_key(int curve_bits, const uint8_t *x, size_t x_len, const uint8_t *y, size_t y_len) {
    if (!init_once()) return NULL;
    const char *group = curve_bits == 256 ? "P-256" : curve_bits == 384 ? "P-384" : NULL;
    size_t size = (size_t)curve_bits / 8;
    if (group == NULL || x_len != size || y_len != size) return NULL;
    uint8_t point[1 + 2 * 48];
    point[0] = 0x04;  // uncompressed
    memcpy(point + 1, x, size);
    memcpy(point + 1 + size, y, size);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    rg_jose_key *key = NULL;
    if (bld != NULL && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * size) == 1) {
        key = from_params("EC", bld, curve_bits);
    }
    OSSL_PARAM_BLD_free(bld);
    if (key != NULL) {
        // fromdata does not always check the point; a key off the curve must never verify anything.
        EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
        int ok = check != NULL && EVP_PKEY_public_check(check) == 1;
        EVP_PKEY_CTX_free(check);
        if (!ok) {
            rg_jose_key_free(key);
            key = NULL;
        }
    }
    return key;
}

void rg_jose_key_free(rg_jose_key *key) {
    if (key == NULL) return;
    EVP_PKEY_free(key->pkey);
    OPENSSL_free(key);
}

/// The DER form of a raw r||s ECDSA signature, or 0 when it is malformed. `der` holds at least 2 * 48 + 16 bytes.
static int raw_to_der(const uint8_t *sig, size_t sig_len, size_t size, unsigned char *der, size_t *der_len) {
    if (sig_len != 2 * size) return 0;
    ECDSA_SIG *ecdsa = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, (int)size, NULL), *s = BN_bin2bn(sig + size, (int)size, NULL);
    int ok = 0;
    if (ecdsa != NULL && r != NULL && s != NULL && ECDSA_SIG_set0(ecdsa, r, s) == 1) {
        r = s = NULL;  // owned by ecdsa now
        unsigned char *out = der;
        int written = i2d_ECDSA_SIG(ecdsa, &out);
        if (written > 0) {
            *der_len = (size_t)written;
            ok = 1;
        }
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(ecdsa);
    return ok;
}

int rg_jose_verify(const rg_jose_key *key, rg_jose_alg alg, const uint8_t *message, size_t message_len,
                   const uint8_t *signature, size_t signature_len) {
    if (key == NULL || !init_once()) return 0;
    const char *digest = NULL;
    int want_ec_bits = 0, pss = 0;
    switch (alg) {
    case RG_JOSE_RS256: digest = "SHA2-256"; break;
    case RG_JOSE_RS384: digest = "SHA2-384"; break;
    case RG_JOSE_PS384: digest = "SHA2-384"; pss = 1; break;
    case RG_JOSE_ES256: digest = "SHA2-256"; want_ec_bits = 256; break;
    case RG_JOSE_ES384: digest = "SHA2-384"; want_ec_bits = 384; break;
    default: return 0;
    }
    if (key->ec_bits != want_ec_bits) return 0;  // an RSA key for ES*, a P-256 key for ES384, ...
    unsigned char der[2 * 48 + 16];
    size_t der_len = 0;
    const unsigned char *sig = signature;
    size_t sig_len = signature_len;
    if (want_ec_bits != 0) {
        if (!raw_to_der(signature, signature_len, (size_t)want_ec_bits / 8, der, &der_len)) return 0;
        sig = der;
        sig_len = der_len;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int result = 0;
    if (md != NULL && EVP_DigestVerifyInit_ex(md, &pctx, digest, NULL, NULL, key->pkey, NULL) == 1) {
        int configured = 1;
        if (pss) {
            // RFC 7518 3.5: MGF1 with the same hash, salt as long as the hash.
            configured = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
                         EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, digest, NULL) == 1;
        } else if (want_ec_bits == 0) {
            configured = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
        }
        if (configured) result = EVP_DigestVerify(md, sig, sig_len, message, message_len) == 1;
    }
    EVP_MD_CTX_free(md);
    return result;
}

int rg_jose_sha256(const uint8_t *data, size_t length, uint8_t *out) {
    static const uint8_t nothing = 0;
    unsigned int written = 0;
    if (!init_once()) return 0;
    return EVP_Digest(data != NULL ? data : &nothing, length, out, &written, EVP_sha256(), NULL) == 1 && written == 32;
}
