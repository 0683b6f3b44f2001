"""Shared helpers for the CDS Hooks tests and the benchmark: keys, JWKS files, JWTs signed with PyJWT, the real
`regimen-guard serve` process, and CDS Hooks requests built from FHIR resources."""
import base64
import json
import os
import socket
import subprocess
import tempfile
import time
import uuid

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ISSUER = "https://ehr.example.org/fhir"
OTHER_ISSUER = "https://other-ehr.example.org"
JKU = "https://ehr.example.org/jwks.json"
PATIENT_ID = "PATIENT-SECRET-42"
ACCESS_TOKEN = "ACCESS-TOKEN-NEVER-LOGGED-7f3a"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(n: int, size=None) -> bytes:
    size = size or (n.bit_length() + 7) // 8
    return n.to_bytes(size, "big")


def jwk_of(public_key, kid, alg=None):
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        numbers = public_key.public_numbers()
        size = (public_key.curve.key_size + 7) // 8
        crv = {256: "P-256", 384: "P-384"}[public_key.curve.key_size]
        key = {"kty": "EC", "crv": crv, "x": b64u(int_bytes(numbers.x, size)), "y": b64u(int_bytes(numbers.y, size))}
    else:
        numbers = public_key.public_numbers()
        key = {"kty": "RSA", "n": b64u(int_bytes(numbers.n)), "e": b64u(int_bytes(numbers.e))}
    key["kid"] = kid
    key["use"] = "sig"
    if alg:
        key["alg"] = alg
    return key


class Keys:
    """The test issuer's keys: ES384 (P-384), RS384/PS384 (RSA 2048), ES256 (P-256) and one pinned to ES384."""

    def __init__(self):
        self.ec384 = ec.generate_private_key(ec.SECP384R1())
        self.ec256 = ec.generate_private_key(ec.SECP256R1())
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pinned = ec.generate_private_key(ec.SECP384R1())  # its JWK says alg ES384
        self.other = ec.generate_private_key(ec.SECP384R1())  # the other issuer's only key
        self.stranger = ec.generate_private_key(ec.SECP384R1())  # in no JWKS

    def jwks(self):
        return {"keys": [jwk_of(self.ec384.public_key(), "ec384"), jwk_of(self.rsa.public_key(), "rsa"),
                         jwk_of(self.ec256.public_key(), "ec256"),
                         jwk_of(self.pinned.public_key(), "pinned", alg="ES384")]}

    def other_jwks(self):
        return {"keys": [jwk_of(self.other.public_key(), "other")]}

    def rsa_public_pem(self):
        return self.rsa.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def claims(audience, iss=ISSUER, lifetime=240, **overrides):
    now = int(time.time())
    body = {"iss": iss, "aud": audience, "exp": now + lifetime, "iat": now, "jti": str(uuid.uuid4())}
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def token(key, alg, kid, payload, headers=None):
    header = {"typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    header.update(headers or {})
    return jwt.encode(payload, key, algorithm=alg, headers=header)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binary():
    path = os.environ.get("REGIMEN_GUARD_BIN")
    if path:
        return path
    out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, capture_output=True, text=True, check=True)
    return os.path.join(out.stdout.strip(), "regimen-guard")


class Server:
    """A real `regimen-guard serve` on a loopback port with a temporary configuration."""

    def __init__(self, workdir, keys, port=None, public_base_url=None, extra_yaml="", auth="required", log_target="journal",
                 env=None):
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.public_base_url = public_base_url or self.base
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        jwks = os.path.join(workdir, "ehr.jwks.json")
        other = os.path.join(workdir, "other.jwks.json")
        if keys is not None:
            with open(jwks, "w") as f:
                json.dump(keys.jwks(), f)
            with open(other, "w") as f:
                json.dump(keys.other_jwks(), f)
        self.jwks_file = jwks
        self.config = os.path.join(workdir, f"cds-{self.port}.yaml")
        issuers = "" if keys is None else f"""issuers:
  - iss: {ISSUER}
    jwks_file: {jwks}
    jku_allowlist: [{JKU}]
  - iss: {OTHER_ISSUER}
    jwks_file: {other}
    tenant: acme
"""
        with open(self.config, "w") as f:
            f.write(f"""public_base_url: {self.public_base_url}
listen: 127.0.0.1:{self.port}
auth: {auth}
{issuers}cors:
  allowed_origins: [https://app.example.org]
limits:
  max_body_bytes: 1048576
  replay_cache_entries: 200000
policies: [{os.path.join(REPO, 'Policies')}]
{extra_yaml}""")
        self.log = open(os.path.join(workdir, f"server-{self.port}.log"), "w")
        self.process = subprocess.Popen([binary(), "serve", "--config", self.config, "--log-target", log_target],
                                        stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.wait_ready()

    def wait_ready(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"regimen-guard serve exited with {self.process.returncode}: {self.read_log()}")
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        raise RuntimeError("regimen-guard serve did not answer /healthz in time")

    def read_log(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode


# --- Requests ------------------------------------------------------------------------------------------------------

def searchset(resources, next_page=False):
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
              "entry": [{"fullUrl": f"https://ehr.example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r,
                         "search": {"mode": "match"}} for r in resources]}
    if next_page:
        bundle["link"] = [{"relation": "self", "url": "https://ehr.example.org/fhir/x?page=1"},
                          {"relation": "next", "url": "https://ehr.example.org/fhir/x?page=2"}]
    return bundle


def med_request(id, rxnorm, text, start, status="draft", cycles=6, dose=None, unit=None):
    resource = {"resourceType": "MedicationRequest", "id": id, "status": status, "intent": "order",
                "subject": {"reference": f"Patient/{PATIENT_ID}"},
                "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                          "code": rxnorm}], "text": text},
                "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": {"start": start}, "count": cycles,
                                                              "frequency": 1, "period": 3, "periodUnit": "wk"}}}]}
    if dose:
        resource["dosageInstruction"][0]["doseAndRate"] = [{"doseQuantity": {"value": dose, "unit": unit,
                                                                              "system": "http://unitsofmeasure.org",
                                                                              "code": unit}}]
    return resource


def observation(id, loinc, value, unit, date):
    return {"resourceType": "Observation", "id": id, "status": "final",
            "subject": {"reference": f"Patient/{PATIENT_ID}"},
            "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
            "effectiveDateTime": date,
            "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}}


def coded_observation(id, loinc, answer, date):
    return {"resourceType": "Observation", "id": id, "status": "final",
            "subject": {"reference": f"Patient/{PATIENT_ID}"},
            "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]}, "effectiveDateTime": date,
            "valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": answer}]}}


def order_sign_request(drafts=None, prefetch=None, hook="order-sign", resources=30, selections=None):
    """An order-sign request for an HR+/HER2+ metastatic first-line patient: trastuzumab + pertuzumab + docetaxel
    drafts (or `drafts`), and a prefetch of `resources` resources (observations over time, conditions, history)."""
    if drafts is None:
        drafts = [med_request("mr-trast", "224905", "trastuzumab", "2026-12-01", dose=6, unit="mg/kg"),
                  med_request("mr-pert", "1298944", "pertuzumab", "2026-12-01"),
                  med_request("mr-doce", "72962", "docetaxel", "2026-12-01", dose=75, unit="mg/m2")]
    if prefetch is None:
        patient = {"resourceType": "Patient", "id": PATIENT_ID, "name": [{"family": "Secret", "given": ["Pat"]}],
                   "birthDate": "1961-04-02"}
        observations = [coded_observation("her2", "48676-1", "LA6576-8", "2026-10-20"),
                        coded_observation("er", "16112-5", "LA6576-8", "2026-10-20"),
                        coded_observation("pr", "16113-3", "LA6576-8", "2026-10-20")]
        day = 0
        while len(observations) + 3 < resources - 1:
            observations.append(observation(f"w{day}", "29463-7", 68 + day % 3, "kg", f"2026-{1 + day % 11:02d}-1{day % 9}"))
            observations.append(observation(f"lvef{day}", "10230-1", 60 + day % 4, "%", f"2026-{1 + day % 11:02d}-2{day % 9}"))
            day += 1
        conditions = [{"resourceType": "Condition", "id": "met", "subject": {"reference": f"Patient/{PATIENT_ID}"},
                       "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                                      "code": "active"}]},
                       "code": {"coding": [{"system": "http://snomed.info/sct", "code": "128462008"}]},
                       "onsetDateTime": "2026-10-30"}]
        prefetch = {"patient": patient, "observations": searchset(observations), "conditions": searchset(conditions),
                    "medicationHistory": searchset([]), "medicationStatements": None, "administrations": None,
                    "adverseEvents": searchset([])}
    context = {"userId": "Practitioner/prac-1", "patientId": PATIENT_ID, "encounterId": "enc-1",
               "draftOrders": {"resourceType": "Bundle", "type": "collection",
                               "entry": [{"resource": d} for d in drafts]}}
    if hook == "order-select":
        context["selections"] = selections if selections is not None else [f"MedicationRequest/{drafts[0]['id']}"]
    return {"hookInstance": str(uuid.uuid4()), "hook": hook, "fhirServer": "https://ehr.example.org/fhir",
            "fhirAuthorization": {"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 300,
                                  "scope": "user/Patient.read", "subject": "regimen-guard"},
            "context": context, "prefetch": prefetch}


def fhir_reader_present():
    """True once the core reads FHIR Bundles (the FHIR issue): until then every Bundle is an invalid order."""
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": []}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(bundle, f)
        path = f.name
    try:
        out = subprocess.run([binary(), "validate", "--policies", os.path.join(REPO, "Policies"), "--format", "json", path],
                             capture_output=True, text=True)
        return '"source_format"' in out.stdout and '"fhir"' in out.stdout
    finally:
        os.unlink(path)
