"""Writes OUTDIR/ehr.jwks.json and OUTDIR/token-N (N = 1..4): ES384 JWTs from a fresh key, valid 5 minutes, for
the CDS checks of the end-to-end test (Packaging/e2e/cds-inside.sh), made just before the container boots.
Audience: the packaged socket's address (http://127.0.0.1:8421) + /cds-services."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "cds"))
import cdslib  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
keys = cdslib.Keys()
with open(os.path.join(out, "ehr.jwks.json"), "w") as f:
    json.dump(keys.jwks(), f)
for n in range(1, 5):
    tok = cdslib.token(keys.ec384, "ES384", "ec384", cdslib.claims("http://127.0.0.1:8421/cds-services", lifetime=300))
    with open(os.path.join(out, f"token-{n}"), "w") as f:
        f.write(tok)
