"""Conformance, security and decision-log tests of `regimen-guard serve`, against the real binary, with JWTs signed
by PyJWT + cryptography (an independent JOSE implementation) and a real HTTP client (requests).

Run by Tests/cds/run inside a private journald (Tests/Support/with-journald.sh), so the decision log is read back
with journalctl. CDSHOOKS.md sections 1-5 and 7."""
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import uuid

import jwt
import requests

import cdslib
from cdslib import ISSUER, OTHER_ISSUER, JKU, PATIENT_ID, ACCESS_TOKEN, claims, token

SIGN = "/cds-services/regimen-guard-order-sign"
SELECT = "/cds-services/regimen-guard-order-select"
FEEDBACK = "/cds-services/regimen-guard-order-sign/feedback"
FHIR_READER = None
SENT_TOKENS = []


def setUpModule():
    global KEYS, SERVER, WORK, FHIR_READER
    WORK = tempfile.mkdtemp(prefix="cds-test-")
    KEYS = cdslib.Keys()
    SERVER = cdslib.Server(WORK, KEYS)
    FHIR_READER = cdslib.fhir_reader_present()


def tearDownModule():
    SERVER.stop()
    shutil.rmtree(WORK, ignore_errors=True)


def url(path):
    return SERVER.base + path


def aud(path):
    return SERVER.public_base_url + path


def bearer(tok):
    SENT_TOKENS.append(tok)
    return {"Authorization": f"Bearer {tok}"}


def es384(path, **overrides):
    return bearer(token(KEYS.ec384, "ES384", "ec384", claims(aud(path), **overrides)))


def post(path, body, headers=None, **kwargs):
    h = {"Content-Type": "application/json"}
    if headers is None:
        headers = es384(path)
    h.update(headers)
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(url(path), data=data, headers=h, timeout=10, **kwargs)


def journal(*matches):
    subprocess.run(["journalctl", "--sync"], check=False)
    out = subprocess.run(["journalctl", "--no-pager", "-o", "json", *matches], capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def wait_for_journal(*matches, count=1, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        entries = journal(*matches)
        if len(entries) >= count or time.monotonic() > deadline:
            return entries
        time.sleep(0.05)


REQUEST_ID = "8cd6862d860042f6946d8c774387aeea"
CARD_ID = "e63934ea4b7c415fa73914988af03e51"
FEEDBACK_ID = "8924b8be756b4f91990abc2b88cd8d9f"
AUTH_ID = "5acd265684414d4fb099a78f3563fe3a"


def check_card_shape(test, card):
    """CDS Hooks 2.0 Card (and this contract's section 3)."""
    for field in ("uuid", "summary", "indicator", "source"):
        test.assertIn(field, card)
    uuid.UUID(card["uuid"])
    test.assertLess(len(card["summary"]), 140)
    test.assertIn(card["indicator"], ("info", "warning", "critical"))
    test.assertIsInstance(card["detail"], str)
    test.assertTrue(card["source"]["label"].startswith("regimen-guard "))
    topic = card["source"]["topic"]
    test.assertEqual(topic["system"], "urn:regimen-guard:rule")
    test.assertTrue(topic["code"] and topic["display"])
    reasons = card["overrideReasons"]
    test.assertGreaterEqual(len(reasons), 1)
    for reason in reasons:
        test.assertTrue(reason["code"] and reason["display"] and reason["system"])
    if "suggestions" in card:
        test.assertEqual(card["selectionBehavior"], "at-most-one")
        for suggestion in card["suggestions"]:
            uuid.UUID(suggestion["uuid"])
            test.assertTrue(suggestion["label"])
            for action in suggestion["actions"]:
                test.assertIn(action["type"], ("create", "update", "delete"))


class Discovery(unittest.TestCase):
    def test_discovery_lists_both_services_with_prefetch(self):
        r = requests.get(url("/cds-services"), headers=es384("/cds-services"), timeout=10)
        self.assertEqual(r.status_code, 200)
        services = {s["id"]: s for s in r.json()["services"]}
        self.assertEqual(set(services), {"regimen-guard-order-sign", "regimen-guard-order-select"})
        self.assertEqual(services["regimen-guard-order-sign"]["hook"], "order-sign")
        self.assertEqual(services["regimen-guard-order-select"]["hook"], "order-select")
        for service in services.values():
            for field in ("title", "description", "usageRequirements"):
                self.assertIsInstance(service[field], str)
            prefetch = service["prefetch"]
            self.assertEqual(prefetch["patient"], "Patient/{{context.patientId}}")
            self.assertIn("http://loinc.org|10230-1", prefetch["observations"])
            self.assertIn("urn:regimen-guard:observation|menopausal-status", prefetch["observations"])
            self.assertTrue(prefetch["observations"].endswith("&_sort=-date&_count=500"))
            self.assertEqual(prefetch["medicationHistory"],
                             "MedicationRequest?patient={{context.patientId}}&status=completed,stopped,active,on-hold"
                             "&_include=MedicationRequest:medication")
            self.assertEqual(set(prefetch), {"patient", "observations", "conditions", "medicationHistory",
                                             "medicationStatements", "administrations", "adverseEvents"})

    def test_discovery_needs_a_token(self):
        r = requests.get(url("/cds-services"), timeout=10)
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.headers["WWW-Authenticate"], "Bearer")

    def test_healthz_needs_no_token_and_names_the_policy(self):
        r = requests.get(url("/healthz"), timeout=10)
        self.assertEqual(r.status_code, 200)
        body = r.json()
        self.assertEqual(body["status"], "ok")
        self.assertTrue(body["policy"]["digest"].startswith("sha256:"))
        self.assertTrue(body["policy"]["version"])


class Accepted(unittest.TestCase):
    """ES384 and RS384 (the spec's recommendation), plus ES256, RS256 and PS384, are accepted."""

    def sign(self, key, alg, kid):
        r = post(SIGN, cdslib.order_sign_request(), bearer(token(key, alg, kid, claims(aud(SIGN)))))
        self.assertEqual(r.status_code, 200, r.text)
        cards = r.json()["cards"]
        self.assertIsInstance(cards, list)
        for card in cards:
            check_card_shape(self, card)
        return cards

    def test_es384(self):
        self.sign(KEYS.ec384, "ES384", "ec384")

    def test_rs384(self):
        self.sign(KEYS.rsa, "RS384", "rsa")

    def test_ps384_rs256_es256(self):
        self.sign(KEYS.rsa, "PS384", "rsa")
        self.sign(KEYS.rsa, "RS256", "rsa")
        self.sign(KEYS.ec256, "ES256", "ec256")

    def test_aud_as_an_array_and_a_single_key_issuer_without_kid(self):
        tok = token(KEYS.other, "ES384", None, claims(["https://x.example", aud(SIGN)], iss=OTHER_ISSUER, tenant="acme"))
        r = post(SIGN, cdslib.order_sign_request(), bearer(tok))
        self.assertEqual(r.status_code, 200, r.text)

    def test_jku_on_the_allowlist_is_accepted(self):
        tok = token(KEYS.ec384, "ES384", "ec384", claims(aud(SIGN)), headers={"jku": JKU})
        self.assertEqual(post(SIGN, cdslib.order_sign_request(), bearer(tok)).status_code, 200)

    def test_feedback_accepts_its_own_audience(self):
        r = post(FEEDBACK, {"feedback": []}, es384(FEEDBACK))
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json(), {})


class Attacks(unittest.TestCase):
    """CDSHOOKS.md section 7: every one is 401 with `WWW-Authenticate: Bearer` and no detail."""

    def refused(self, headers, path=SIGN, reason=None):
        before = len(journal(f"MESSAGE_ID={AUTH_ID}"))
        r = post(path, cdslib.order_sign_request(), headers)
        self.assertEqual(r.status_code, 401, r.text)
        self.assertEqual(r.headers.get("WWW-Authenticate"), "Bearer")
        self.assertEqual(r.content, b"")
        entries = wait_for_journal(f"MESSAGE_ID={AUTH_ID}", count=before + 1)
        self.assertGreater(len(entries), before, "the refusal is in the journal")
        if reason:
            self.assertRegex(entries[-1]["REGIMEN_GUARD_AUTH_FAILURE"], reason)
        return entries[-1]

    def test_alg_none(self):
        unsigned = jwt.encode(claims(aud(SIGN)), None, algorithm="none", headers={"kid": "ec384"})
        self.refused(bearer(unsigned), reason="alg none is not allowed")

    def test_hs256_signed_with_the_public_key_as_secret(self):
        payload = json.dumps(claims(aud(SIGN))).encode()
        header = json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa"}).encode()
        import hashlib, hmac
        signing_input = cdslib.b64u(header) + "." + cdslib.b64u(payload)
        mac = hmac.new(KEYS.rsa_public_pem(), signing_input.encode(), hashlib.sha256).digest()
        self.refused(bearer(signing_input + "." + cdslib.b64u(mac)), reason="HS256 is not allowed")

    def test_expired(self):
        now = int(time.time())
        self.refused(es384(SIGN, exp=now - 61, iat=now - 200), reason="expired")

    def test_expired_within_skew_is_accepted(self):
        now = int(time.time())
        r = post(SIGN, cdslib.order_sign_request(), es384(SIGN, exp=now - 30, iat=now - 200))
        self.assertEqual(r.status_code, 200)

    def test_not_yet_valid(self):
        now = int(time.time())
        self.refused(es384(SIGN, nbf=now + 120), reason="nbf")
        self.refused(es384(SIGN, iat=now + 120, exp=now + 300), reason="iat in the future")

    def test_lifetime_over_five_minutes(self):
        now = int(time.time())
        self.refused(es384(SIGN, iat=now, exp=now + 400), reason="lifetime")

    def test_wrong_aud(self):
        self.refused(es384(SIGN, aud=aud(SELECT)), reason="aud")
        self.refused(es384(SIGN, aud=aud(SIGN) + "/"), reason="aud")
        self.refused(es384(SIGN, aud="http://evil.example" + SIGN), reason="aud")
        self.refused(es384("/cds-services"), reason="aud")  # discovery's token replayed to a hook

    def test_unknown_iss(self):
        self.refused(es384(SIGN, iss="https://evil.example"), reason="unknown issuer")

    def test_unknown_kid(self):
        self.refused(bearer(token(KEYS.ec384, "ES384", "nope", claims(aud(SIGN)))), reason="unknown kid")

    def test_key_not_in_the_jwks(self):
        self.refused(bearer(token(KEYS.stranger, "ES384", "ec384", claims(aud(SIGN)))), reason="bad signature")

    def test_kid_required_when_the_jwks_has_several_keys(self):
        self.refused(bearer(token(KEYS.ec384, "ES384", None, claims(aud(SIGN)))), reason="no kid")

    def test_jwk_alg_must_match_the_header(self):
        self.refused(bearer(token(KEYS.rsa, "RS384", "pinned", claims(aud(SIGN)))), reason="does not fit")
        self.refused(bearer(token(KEYS.ec384, "ES256", "ec384", claims(aud(SIGN)))), reason="does not fit")

    def test_replayed_jti(self):
        tok = token(KEYS.ec384, "ES384", "ec384", claims(aud(SIGN)))
        self.assertEqual(post(SIGN, cdslib.order_sign_request(), bearer(tok)).status_code, 200)
        self.refused(bearer(tok), reason="replayed")

    def test_tampered_payload(self):
        tok = token(KEYS.ec384, "ES384", "ec384", claims(aud(SIGN)))
        header, payload, signature = tok.split(".")
        forged = json.loads(cdslib.base64.urlsafe_b64decode(payload + "=="))
        forged["iss"] = ISSUER
        forged["jti"] = str(uuid.uuid4())
        self.refused(bearer(header + "." + cdslib.b64u(json.dumps(forged).encode()) + "." + signature), reason="bad signature")
        # One bit of the signature flipped.
        raw = bytearray(cdslib.base64.urlsafe_b64decode(signature + "=="))
        raw[5] ^= 1
        self.refused(bearer(header + "." + payload + "." + cdslib.b64u(bytes(raw))), reason="bad signature")

    def test_jku_not_on_the_allowlist(self):
        tok = token(KEYS.ec384, "ES384", "ec384", claims(aud(SIGN)), headers={"jku": "https://evil.example/jwks.json"})
        self.refused(bearer(tok), reason="jku")

    def test_embedded_key(self):
        tok = token(KEYS.stranger, "ES384", "ec384", claims(aud(SIGN)),
                    headers={"jwk": cdslib.jwk_of(KEYS.stranger.public_key(), "x")})
        self.refused(bearer(tok), reason="own key")

    def test_missing_claims(self):
        for claim in ("iss", "aud", "exp", "iat", "jti"):
            self.refused(es384(SIGN, **{claim: None}))

    def test_wrong_typ(self):
        self.refused(bearer(token(KEYS.ec384, "ES384", "ec384", claims(aud(SIGN)), headers={"typ": "at+jwt"})), reason="typ")

    def test_tenant_must_match(self):
        tok = token(KEYS.other, "ES384", None, claims(aud(SIGN), iss=OTHER_ISSUER, tenant="evil"))
        self.refused(bearer(tok), reason="tenant")
        tok = token(KEYS.other, "ES384", None, claims(aud(SIGN), iss=OTHER_ISSUER))
        self.refused(bearer(tok), reason="tenant")

    def test_missing_or_malformed_header(self):
        self.refused({}, reason="no Authorization")
        self.refused({"Authorization": "Basic dXNlcjpwYXNz"}, reason="not a Bearer")
        self.refused({"Authorization": "Bearer"}, reason="not a Bearer")
        self.refused({"Authorization": "Bearer not-a-jwt"}, reason="compact")
        self.refused({"Authorization": "Bearer a.b.c"}, reason="header")
        self.refused({"Authorization": "Bearer " + "A" * 20000}, reason="too long")

    def test_feedback_and_discovery_are_protected_too(self):
        self.refused({}, path=FEEDBACK)
        r = requests.get(url("/cds-services"), headers=es384(SIGN), timeout=10)
        self.assertEqual(r.status_code, 401)


class Statuses(unittest.TestCase):
    def test_unknown_path_is_404_before_anything_else(self):
        for path in ("/", "/cds-services/", "/cds-services/other", "/cds-services/regimen-guard-order-sign/x",
                     "/cds-services/other/feedback"):
            self.assertEqual(requests.post(url(path), data="x" * 10, timeout=10).status_code, 404, path)

    def test_wrong_method_is_405_with_allow(self):
        r = requests.get(url(SIGN), timeout=10)
        self.assertEqual(r.status_code, 405)
        self.assertEqual(r.headers["Allow"], "POST, OPTIONS")
        r = requests.delete(url("/cds-services"), timeout=10)
        self.assertEqual((r.status_code, r.headers["Allow"]), (405, "GET, OPTIONS"))
        r = requests.post(url("/healthz"), timeout=10)
        self.assertEqual((r.status_code, r.headers["Allow"]), (405, "GET"))

    def test_cors_preflight_needs_no_auth(self):
        r = requests.options(url(SIGN), headers={"Origin": "https://app.example.org",
                                                 "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "authorization, content-type"},
                             timeout=10)
        self.assertEqual(r.status_code, 204)
        self.assertEqual(r.headers["Access-Control-Allow-Origin"], "https://app.example.org")
        allowed = {h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")}
        self.assertTrue({"authorization", "content-type"} <= allowed)
        self.assertIn("POST", r.headers["Access-Control-Allow-Methods"])

    def test_cors_other_origin_gets_no_allow_origin(self):
        r = requests.options(url(SIGN), headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
                             timeout=10)
        self.assertNotIn("Access-Control-Allow-Origin", r.headers)
        r = post(SIGN, cdslib.order_sign_request(), dict(es384(SIGN), Origin="https://app.example.org"))
        self.assertEqual(r.headers["Access-Control-Allow-Origin"], "https://app.example.org")

    def test_body_over_the_limit_is_413_before_auth(self):
        big = b'{"hook":"order-sign","x":"' + b"a" * (1 << 20) + b'"}'
        r = post(SIGN, big, {})
        self.assertEqual(r.status_code, 413)

    def test_chunked_body_over_the_limit_is_413_while_reading(self):
        def chunks():
            yield b'{"hook":"order-sign","x":"'
            for _ in range(40):
                yield b"a" * 65536
            yield b'"}'
        try:
            r = requests.post(url(SIGN), data=chunks(), headers={"Content-Type": "application/json"}, timeout=10)
            self.assertEqual(r.status_code, 413)
        except requests.ConnectionError:
            self.fail("the server closed without answering 413")

    def test_400_with_a_short_reason_and_no_echo(self):
        base = cdslib.order_sign_request()
        cases = {
            "not json": b'{"hook": "order-sign", ' + PATIENT_ID.encode(),
            "no hook": {k: v for k, v in base.items() if k != "hook"},
            "no hookInstance": {k: v for k, v in base.items() if k != "hookInstance"},
            "no context": {k: v for k, v in base.items() if k != "context"},
            "other hook": dict(base, hook="order-select"),
            "array": [base],
        }
        for name, body in cases.items():
            r = post(SIGN, body)
            self.assertEqual(r.status_code, 400, name)
            self.assertLess(len(r.content), 200, name)
            self.assertNotIn(PATIENT_ID, r.text, name)
            self.assertIn("error", r.json(), name)

    def test_412_for_missing_or_incomplete_prefetch(self):
        request = cdslib.order_sign_request()
        del request["prefetch"]["observations"]
        request["prefetch"]["conditions"] = cdslib.searchset([], next_page=True)
        request["prefetch"]["medicationHistory"] = {"resourceType": "OperationOutcome",
                                                    "issue": [{"severity": "error", "code": "timeout"}]}
        r = post(SIGN, request)
        self.assertEqual(r.status_code, 412)
        outcome = r.json()
        self.assertEqual(outcome["resourceType"], "OperationOutcome")
        self.assertEqual({i["code"] for i in outcome["issue"]}, {"incomplete"})
        self.assertEqual(sorted(e for i in outcome["issue"] for e in i["expression"]),
                         ["conditions", "medicationHistory", "observations"])

    def test_no_prefetch_at_all_is_412_naming_every_needed_key(self):
        request = cdslib.order_sign_request()
        del request["prefetch"]
        r = post(SIGN, request)
        self.assertEqual(r.status_code, 412)
        self.assertEqual(sorted(e for i in r.json()["issue"] for e in i["expression"]),
                         ["conditions", "medicationHistory", "observations", "patient"])

    def test_optional_keys_absent_and_null_are_no_data(self):
        request = cdslib.order_sign_request()
        for key in ("medicationStatements", "administrations", "adverseEvents"):
            request["prefetch"].pop(key, None)
        request["prefetch"]["medicationHistory"] = None
        self.assertEqual(post(SIGN, request).status_code, 200)


class Cards(unittest.TestCase):
    def test_an_unreadable_order_is_one_warning_card_never_silence(self):
        request = cdslib.order_sign_request(drafts=[{"resourceType": "MedicationRequest", "id": "mr-x", "status": "draft"}])
        r = post(SIGN, request)
        self.assertEqual(r.status_code, 200)
        cards = r.json()["cards"]
        self.assertEqual(len(cards), 1)
        check_card_shape(self, cards[0])
        self.assertEqual(cards[0]["indicator"], "warning")
        self.assertEqual(cards[0]["summary"], "This order could not be checked")
        self.assertNotIn(PATIENT_ID, cards[0]["detail"])

    def test_cards_come_with_journal_entries_by_uuid(self):
        request = cdslib.order_sign_request()
        r = post(SIGN, request)
        cards = r.json()["cards"]
        entries = wait_for_journal(f"MESSAGE_ID={REQUEST_ID}", f"REGIMEN_GUARD_HOOK_INSTANCE={request['hookInstance']}")
        self.assertEqual(len(entries), 1)
        entry = entries[0]
        self.assertEqual(entry["REGIMEN_GUARD_HOOK"], "order-sign")
        self.assertEqual(entry["REGIMEN_GUARD_USER_ID"], "Practitioner/prac-1")
        self.assertEqual(entry["REGIMEN_GUARD_CARD_COUNT"], str(len(cards)))
        self.assertIn("REGIMEN_GUARD_DURATION_MS", entry)
        self.assertIn(entry["REGIMEN_GUARD_DECISION"], ("accept", "review", "reject", "invalid"))
        for card in cards:
            logged = wait_for_journal(f"MESSAGE_ID={CARD_ID}", f"REGIMEN_GUARD_CARD_UUID={card['uuid']}")
            self.assertEqual(len(logged), 1)
            self.assertEqual(logged[0]["REGIMEN_GUARD_RULE"], card["source"]["topic"]["code"])
            self.assertEqual(logged[0]["REGIMEN_GUARD_INDICATOR"], card["indicator"])
            self.assertEqual(logged[0]["REGIMEN_GUARD_HOOK_INSTANCE"], request["hookInstance"])
            self.assertRegex(logged[0]["REGIMEN_GUARD_FINGERPRINT"], "^[0-9a-f]{16}$")

    @unittest.skipUnless(os.environ.get("CDS_FORCE_FINDINGS") or cdslib.fhir_reader_present(),
                         "NEEDS THE FHIR READER: the core does not read FHIR Bundles yet (FHIR issue)")
    def test_findings_become_cards_in_severity_order_with_delete_suggestions(self):
        # Trastuzumab with epirubicin, no LVEF: her2-anthracycline-concurrent (critical) with a delete suggestion
        # for the anthracycline draft.
        drafts = [cdslib.med_request("mr-trast", "224905", "trastuzumab", "2026-12-01"),
                  cdslib.med_request("mr-epi", "3995", "epirubicin", "2026-12-01", cycles=4)]
        r = post(SIGN, cdslib.order_sign_request(drafts=drafts))
        cards = r.json()["cards"]
        order = {"critical": 0, "warning": 1, "info": 2}
        self.assertEqual([c["indicator"] for c in cards], sorted((c["indicator"] for c in cards), key=order.get))
        concurrent = [c for c in cards if c["source"]["topic"]["code"] == "her2-anthracycline-concurrent"]
        self.assertEqual(len(concurrent), 1)
        self.assertEqual(concurrent[0]["indicator"], "critical")
        actions = [a for s in concurrent[0]["suggestions"] for a in s["actions"]]
        self.assertEqual(actions[0]["type"], "delete")
        self.assertEqual(actions[0]["resourceId"], "MedicationRequest/mr-epi")
        self.assertIn("MedicationRequest/mr-epi", concurrent[0]["detail"])

    @unittest.skipUnless(os.environ.get("CDS_FORCE_FINDINGS") or cdslib.fhir_reader_present(),
                         "NEEDS THE FHIR READER: the core does not read FHIR Bundles yet (FHIR issue)")
    def test_order_select_shows_only_findings_on_the_selection_at_most_warning(self):
        drafts = [cdslib.med_request("mr-trast", "224905", "trastuzumab", "2026-12-01"),
                  cdslib.med_request("mr-epi", "3995", "epirubicin", "2026-12-01", cycles=4),
                  cdslib.med_request("mr-letro", "72965", "letrozole", "2026-12-01")]
        selected = cdslib.order_sign_request(drafts=drafts, hook="order-select", selections=["MedicationRequest/mr-epi"])
        cards = post(SELECT, selected, es384(SELECT)).json()["cards"]
        self.assertTrue(cards)
        self.assertTrue(all(c["indicator"] in ("info", "warning") for c in cards))
        self.assertIn("her2-anthracycline-concurrent", {c["source"]["topic"]["code"] for c in cards})
        other = cdslib.order_sign_request(drafts=drafts, hook="order-select", selections=["MedicationRequest/none"])
        self.assertEqual(post(SELECT, other, es384(SELECT)).json()["cards"], [])


class TwinParity(unittest.TestCase):
    """Every FHIR clinical twin (FHIR.md section 5) sent as an order-sign request gives cards matching its file verdict:
    the same rules at the same severities, or one could-not-be-checked card for an invalid verdict."""

    @unittest.skipUnless(cdslib.fhir_reader_present(), "NEEDS THE FHIR READER and its twins (FHIR issue)")
    def test_twins(self):
        patterns = os.environ.get("CDS_TWINS_GLOB", "Policies/tests/*.fhir.json:Examples/spool/incoming/*.fhir.json").split(":")
        twins = sorted({path for pattern in patterns
                        for path in glob.glob(os.path.join(cdslib.REPO, pattern), recursive=True)})
        self.assertTrue(twins, "no FHIR twins found")
        checked = 0
        for path in twins:
            with open(path) as f:
                bundle = json.load(f)
            request = twin_request(bundle)
            if request is None:
                continue
            out = subprocess.run([cdslib.binary(), "validate", "--format", "json", "--policies",
                                  os.path.join(cdslib.REPO, "Policies"), path], capture_output=True, text=True)
            verdict = json.loads(out.stdout)
            if verdict["decision"] == "invalid" and all(
                    e["path"] == "Bundle.id" or e["path"].startswith("Bundle.identifier") for e in verdict["errors"]):
                continue  # the order id of a request is its hookInstance: a bad Bundle identifier has no CDS form
            cards = post(SIGN, request).json()["cards"]
            if verdict["decision"] == "invalid":
                self.assertEqual([c["summary"] for c in cards], ["This order could not be checked"], path)
            else:
                want = sorted((f["rule"], f["severity"]) for f in verdict["findings"] if not f.get("overridden"))
                got = sorted((c["source"]["topic"]["code"], c["indicator"]) for c in cards)
                self.assertEqual(got, want, path)
            checked += 1
        self.assertGreater(checked, 0)


def twin_request(bundle):
    """The CDS Hooks form of a FHIR order Bundle: drafts (or active/on-hold when none) as draftOrders, the rest as
    prefetch. None for a twin with no CDS Hooks form (native overrides, not one patient)."""
    resources = [e["resource"] for e in bundle.get("entry", []) if "resource" in e]
    if any(r["resourceType"] == "DetectedIssue" for r in resources):
        return None
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    if len(patients) != 1:
        return None
    mrs = [r for r in resources if r["resourceType"] == "MedicationRequest"]
    drafts = [r for r in mrs if r.get("status") == "draft"] or [r for r in mrs if r.get("status") in ("active", "on-hold")]
    rest = [r for r in resources if r not in drafts and r["resourceType"] != "Patient"]
    by_type = {}
    for r in rest:
        by_type.setdefault(r["resourceType"], []).append(r)
    medications = by_type.get("Medication", [])
    prefetch = {"patient": patients[0],
                "observations": cdslib.searchset(by_type.get("Observation", [])),
                "conditions": cdslib.searchset(by_type.get("Condition", [])),
                "medicationHistory": cdslib.searchset(by_type.get("MedicationRequest", []) + medications),
                "medicationStatements": cdslib.searchset(by_type.get("MedicationStatement", [])),
                "administrations": cdslib.searchset(by_type.get("MedicationAdministration", [])),
                "adverseEvents": cdslib.searchset(by_type.get("AdverseEvent", []))}
    request = cdslib.order_sign_request(drafts=drafts, prefetch=prefetch)
    request["context"]["patientId"] = patients[0]["id"]
    return request


class Feedback(unittest.TestCase):
    def test_feedback_items_are_recorded_in_the_journal(self):
        card = str(uuid.uuid4())  # a card another instance issued: still recorded
        accepted = str(uuid.uuid4())
        body = {"feedback": [
            {"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:00:00Z",
             "overrideReason": {"reason": {"code": "trial-protocol", "system": "urn:regimen-guard:override-reason",
                                           "display": "Trial protocol"},
                                "userComment": "PATIENT-SECRET-42 is on NCT01234567"}},
            {"card": accepted, "outcome": "accepted", "outcomeTimestamp": "2026-12-01T10:00:01Z",
             "acceptedSuggestions": [{"id": str(uuid.uuid4())}]},
        ]}
        r = post(FEEDBACK, body, es384(FEEDBACK))
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json(), {})
        overridden = wait_for_journal(f"MESSAGE_ID={FEEDBACK_ID}", f"REGIMEN_GUARD_CARD_UUID={card}")
        self.assertEqual(len(overridden), 1)
        self.assertEqual(overridden[0]["REGIMEN_GUARD_OUTCOME"], "overridden")
        self.assertEqual(overridden[0]["REGIMEN_GUARD_OVERRIDE_REASON"], "trial-protocol")
        self.assertEqual(overridden[0]["REGIMEN_GUARD_COMMENT_GIVEN"], "1")
        ok = wait_for_journal(f"MESSAGE_ID={FEEDBACK_ID}", f"REGIMEN_GUARD_CARD_UUID={accepted}")
        self.assertEqual(ok[0]["REGIMEN_GUARD_OUTCOME"], "accepted")
        self.assertEqual(ok[0]["REGIMEN_GUARD_ACCEPTED_SUGGESTIONS"], "1")
        self.assertEqual(ok[0]["REGIMEN_GUARD_COMMENT_GIVEN"], "0")
        self.assertNotIn("NCT01234567", json.dumps(journal()))

    def test_malformed_feedback_is_400(self):
        for body in ({"feedback": [{"card": "x y", "outcome": "accepted"}]},
                     {"feedback": [{"card": str(uuid.uuid4()), "outcome": "maybe"}]}, {"nope": []}):
            self.assertEqual(post(FEEDBACK, body, es384(FEEDBACK)).status_code, 400)


class ZZNoSecretsInTheJournal(unittest.TestCase):
    """Runs last (alphabetical): no token, access token, patient id or demographic ever reached the journal."""

    def test_no_secrets_in_any_entry(self):
        text = json.dumps(journal())
        self.assertIn(REQUEST_ID, text)
        self.assertNotIn(ACCESS_TOKEN, text)
        self.assertNotIn(PATIENT_ID, text)
        self.assertNotIn("1961-04-02", text)
        self.assertGreater(len(SENT_TOKENS), 20)
        for tok in SENT_TOKENS:
            for part in tok.split("."):
                if len(part) > 16:
                    self.assertNotIn(part, text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
