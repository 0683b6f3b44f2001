"""Writes Tests/RegimenGuardCDSTests/Vectors/jwt-vectors.json: a JWKS and JWTs signed by PyJWT + cryptography (an
independent implementation), each with the audience, the time and the expected outcome, for the Swift unit tests
of the verifier. Run again only to change the vectors; they are checked in."""
import hashlib
import hmac
import json
import os
import sys

import jwt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdslib  # noqa: E402

ISS = "https://ehr.example.org/fhir"
AUD = "https://cds.example.org/cds-services/regimen-guard-order-sign"
NOW = 1796000000
keys = cdslib.Keys()


def c(**overrides):
    body = {"iss": ISS, "aud": AUD, "iat": NOW - 10, "exp": NOW + 240, "jti": "jti-" + str(len(cases))}
    for k, v in overrides.items():
        if v is None:
            body.pop(k)
        else:
            body[k] = v
    return body


def t(key, alg, kid, payload, headers=None):
    header = {"typ": "JWT"}
    if kid:
        header["kid"] = kid
    header.update(headers or {})
    return jwt.encode(payload, key, algorithm=alg, headers=header)


cases = []


def case(name, token, valid, reason=""):
    cases.append({"name": name, "token": token, "valid": valid, "reason": reason})


case("ES384", t(keys.ec384, "ES384", "ec384", c()), True)
case("RS384", t(keys.rsa, "RS384", "rsa", c()), True)
case("PS384", t(keys.rsa, "PS384", "rsa", c()), True)
case("RS256", t(keys.rsa, "RS256", "rsa", c()), True)
case("ES256", t(keys.ec256, "ES256", "ec256", c()), True)
case("aud array", t(keys.ec384, "ES384", "ec384", c(aud=["https://other", AUD])), True)
case("alg none", jwt.encode(c(), None, algorithm="none", headers={"kid": "ec384"}), False, "alg none is not allowed")
signing_input = cdslib.b64u(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa"}).encode()) + "." + cdslib.b64u(json.dumps(c()).encode())
case("HS256 with the public key", signing_input + "." + cdslib.b64u(hmac.new(keys.rsa_public_pem(), signing_input.encode(), hashlib.sha256).digest()), False, "HS256 is not allowed")
case("expired", t(keys.ec384, "ES384", "ec384", c(iat=NOW - 300, exp=NOW - 61)), False, "expired")
case("expired within skew", t(keys.ec384, "ES384", "ec384", c(iat=NOW - 300, exp=NOW - 59)), True)
case("nbf in the future", t(keys.ec384, "ES384", "ec384", c(nbf=NOW + 61)), False, "not yet valid")
case("iat in the future", t(keys.ec384, "ES384", "ec384", c(iat=NOW + 61, exp=NOW + 200)), False, "iat in the future")
case("lifetime over 5 minutes plus skew", t(keys.ec384, "ES384", "ec384", c(iat=NOW, exp=NOW + 361)), False, "lifetime")
case("lifetime exactly 5 minutes plus skew", t(keys.ec384, "ES384", "ec384", c(iat=NOW, exp=NOW + 360)), True)
case("wrong aud", t(keys.ec384, "ES384", "ec384", c(aud=AUD + "/")), False, "aud does not name this endpoint")
case("unknown iss", t(keys.ec384, "ES384", "ec384", c(iss="https://evil.example")), False, "unknown issuer")
case("unknown kid", t(keys.ec384, "ES384", "nope", c()), False, "unknown kid")
case("no kid with several keys", t(keys.ec384, "ES384", None, c()), False, "no kid")
case("key not in the JWKS", t(keys.stranger, "ES384", "ec384", c()), False, "bad signature")
case("JWK alg differs", t(keys.rsa, "RS384", "pinned", c()), False, "does not fit")
case("ES256 header on a P-384 key", t(keys.ec384, "ES256", "ec384", c()), False, "does not fit")
case("RS384 header on an EC key", t(keys.rsa, "RS384", "ec384", c()), False, "does not fit")
case("jku off the allowlist", t(keys.ec384, "ES384", "ec384", c(), {"jku": "https://evil.example/jwks"}), False, "jku")
case("jku on the allowlist", t(keys.ec384, "ES384", "ec384", c(), {"jku": "https://ehr.example.org/jwks.json"}), True)
case("typ other than JWT", t(keys.ec384, "ES384", "ec384", c(), {"typ": "at+jwt"}), False, "typ")
for claim in ("iss", "aud", "exp", "iat", "jti"):
    case(f"no {claim}", t(keys.ec384, "ES384", "ec384", c(**{claim: None})), False, "")
good = t(keys.ec384, "ES384", "ec384", c())
h, p, s = good.split(".")
forged = json.loads(cdslib.base64.urlsafe_b64decode(p + "=="))
forged["jti"] = "forged"
case("tampered payload", h + "." + cdslib.b64u(json.dumps(forged).encode()) + "." + s, False, "bad signature")
case("padded base64", h + "." + p + "." + s + "=", False, "")
case("two parts", h + "." + p, False, "compact")

out = {"issuer": ISS, "audience": AUD, "now": NOW, "jku_allowlist": ["https://ehr.example.org/jwks.json"],
       "jwks": keys.jwks(), "cases": cases}
path = os.path.join(cdslib.REPO, "Tests", "RegimenGuardCDSTests", "Vectors", "jwt-vectors.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print(f"{len(cases)} vectors in {path}")
