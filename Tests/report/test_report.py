"""`regimen-guard report` against real parts: a private real journald (Tests/Support/with-journald.sh) fed by the real
`regimen-guard watch` (spool orders: accept, review, reject, invalid of two error shapes, an order with a documented
override, a flood order of one rule) and the real `regimen-guard serve` (PyJWT-signed order-sign calls, feedback
accepted and overridden with reason codes, one unsigned call); the journal files kept (--keep), then the real
`regimen-guard report` read them, and every figure is checked against what the services wrote (verdict files, CDS
responses) and what the test sent. JSON against Schemas/report.schema.json (jsonschema), Prometheus through
`promtool check metrics`, HTML rendered by a real headless Chromium (its DOM, and a screenshot for a person:
.build/report/report.png). Also: two journals of two machine ids read together and per host, an empty window, a
journal of other programs only, and --output's atomic write.

Usage: test_report.py (as root; Tests/report/run sets REGIMEN_GUARD_BIN and PYTHONPATH). Prints one "ok - ..." /
"not ok - ..." line per check, exits 1 if any failed. Inside a journald (with-journald.sh) it runs as
`test_report.py --phase NAME WORKDIR`, the service part of a scenario.

All orders are synthetic: made-up identifiers, no patient data."""
import datetime
import html.parser
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import cdslib  # Tests/cds (PYTHONPATH): the binary, keys, tokens and FHIR requests the CDS tests use too

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POLICIES = os.path.join(REPO, "Policies")
WITH_JOURNALD = os.path.join(REPO, "Tests", "Support", "with-journald.sh")
SCHEMA = os.path.join(REPO, "Schemas", "report.schema.json")
SCREENSHOT = os.path.join(REPO, ".build", "report", "report.png")
HOST_A, MACHINE_A = "rg-report-a", "1a2b3c4d5e6f40718293a4b5c6d7e8f9"
HOST_B, MACHINE_B = "rg-report-b", "9f8e7d6c5b4a40392817f6e5d4c3b2a1"
HOST_C, MACHINE_C = "rg-report-c", "0c0c0c0c0c0c40c0a0c0c0c0c0c0c0c0"
# Synthetic patient id and free texts: they must appear in no report output (the report prints counts and codes).
PATIENT = "RPT-SYNTHETIC-PATIENT-0001"
OVERRIDE_TEXT = "RPT-SYNTHETIC-OVERRIDE-NOTE trial arm per protocol"
COMMENT_TEXT = "RPT-SYNTHETIC-COMMENT clinician note"
# PATIENT-SECRET-42: the CDS requests' synthetic patient (Tests/cds/cdslib.py).
SECRETS = (PATIENT, OVERRIDE_TEXT, COMMENT_TEXT, "RPT-SYNTHETIC", "PATIENT-SECRET-42")


def wait_until(predicate, timeout, what):
    """Polls an observable effect until a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


# --- Orders (synthetic) ------------------------------------------------------------------------------------------

LVEF = [{"type": "lvef", "value": 60, "unit": "%", "date": "2026-11-20"}]
PATIENT_FIELDS = {"id": PATIENT, "her2_status": "positive", "hr_status": "positive", "disease_setting": "metastatic"}
THP = [{"drug": "trastuzumab", "start": "2026-12-01"}, {"drug": "pertuzumab", "start": "2026-12-01"},
       {"drug": "docetaxel", "start": "2026-12-01", "cycles": 6, "cycle_length_days": 21}]


def order(order_id, medications, patient=None, observations=None, **extra):
    body = {"order_id": order_id, "patient": dict(PATIENT_FIELDS, **(patient or {})), "line_of_therapy": 1,
            "medications": medications, "observations": LVEF if observations is None else observations}
    body.update(extra)
    return body


def spool_orders(prefix):
    """The scenario's spool orders: name -> (order, decision the contract gives it)."""
    anthracycline = [{"drug": "Ogivri", "start": "2026-12-01"},
                     {"drug": "epirubicin", "start": "2026-12-01", "cycles": 4, "cycle_length_days": 21}]
    her2, anthracyclines = ["trastuzumab", "pertuzumab", "Kadcyla"], ["epirubicin", "doxorubicin"]
    flood = [{"drug": her2[i % 3], "start": "2026-12-01"} for i in range(30)] + [
        {"drug": anthracyclines[i % 2], "start": "2026-12-01", "cycles": 4, "cycle_length_days": 21} for i in range(30)]
    early = {"disease_setting": "early", "menopausal_status": "postmenopausal"}
    trial = [{"drug": "fluorouracil", "start": "2026-12-01", "cycles": 3, "cycle_length_days": 21},
             {"drug": "epirubicin", "start": "2026-12-01", "cycles": 3, "cycle_length_days": 21},
             {"drug": "cyclophosphamide", "start": "2026-12-01", "cycles": 3, "cycle_length_days": 21},
             {"drug": "trastuzumab", "start": "2026-12-01", "cycles": 6, "cycle_length_days": 21},
             {"drug": "pertuzumab", "start": "2026-12-01", "cycles": 6, "cycle_length_days": 21},
             {"drug": "docetaxel", "start": "2027-02-02", "cycles": 3, "cycle_length_days": 21}]
    return {
        f"{prefix}-ACCEPT-1": (order(f"{prefix}-ACCEPT-1", THP), "accept"),
        f"{prefix}-ACCEPT-2": (order(f"{prefix}-ACCEPT-2", THP), "accept"),
        f"{prefix}-REVIEW-1": (order(f"{prefix}-REVIEW-1", THP + [{"drug": "letrozole", "start": "2026-12-01"}]), "review"),
        f"{prefix}-REJECT-1": (order(f"{prefix}-REJECT-1", anthracycline), "reject"),
        f"{prefix}-REJECT-2": (order(f"{prefix}-REJECT-2", anthracycline), "reject"),
        # Invalid, two error shapes: a misspelt drug (medications[N].drug, at two indexes) and a bad enum.
        f"{prefix}-INVALID-1": (order(f"{prefix}-INVALID-1", [{"drug": "trastuzamab", "start": "2026-12-01"}]), "invalid"),
        f"{prefix}-INVALID-2": (order(f"{prefix}-INVALID-2", [THP[0], {"drug": "pertuzumabb", "start": "2026-12-01"}]),
                                "invalid"),
        f"{prefix}-INVALID-3": (order(f"{prefix}-INVALID-3", THP, patient={"her2_status": "3+"}), "invalid"),
        # A documented override of the anthracycline rule: the finding stays, overridden, and no longer counts.
        f"{prefix}-OVERRIDE-1": (order(f"{prefix}-OVERRIDE-1", trial, patient=early, observations=[
            {"type": "lvef", "loinc": "18043-0", "value": 66, "unit": "%", "date": "2026-11-24"}],
            overrides=[{"rule": "her2-anthracycline-concurrent", "reason": OVERRIDE_TEXT, "by": "RPT-SYNTHETIC-PI"}]),
            "accept"),
        # One order's flood of one rule: the journal gives the rule one entry with its count.
        f"{prefix}-FLOOD-1": (order(f"{prefix}-FLOOD-1", flood), "reject"),
    }


def second_host_orders():
    anthracycline = [{"drug": "trastuzumab", "start": "2026-12-01"},
                     {"drug": "doxorubicin", "start": "2026-12-01", "cycles": 4, "cycle_length_days": 21}]
    return {"RPT-B-REJECT-1": (order("RPT-B-REJECT-1", anthracycline), "reject"),
            "RPT-B-REJECT-2": (order("RPT-B-REJECT-2", anthracycline), "reject"),
            "RPT-B-ACCEPT-1": (order("RPT-B-ACCEPT-1", THP), "accept")}


# --- Phases, run inside a private journald ------------------------------------------------------------------------

def run_watch(work, orders):
    """The real `regimen-guard watch` on a temporary spool: drops the orders (write elsewhere, rename in), waits for
    every verdict file, stops it with SIGTERM. Returns the verdicts by order name."""
    spool = os.path.join(work, "spool")
    os.makedirs(os.path.join(spool, "incoming"))
    log = open(os.path.join(work, "watch.log"), "w")
    watch = subprocess.Popen([cdslib.binary(), "watch", "--spool", spool, "--policies", POLICIES, "--settle-time", "0",
                              "--log-target", "journal"], stdout=log, stderr=subprocess.STDOUT)
    try:
        # Dropped while the service starts or after: either way they are judged (backlog, then inotify).
        for name, (body, _) in orders.items():
            staging = os.path.join(spool, f".staging-{name}")
            with open(staging, "w") as f:
                json.dump(body, f)
            os.rename(staging, os.path.join(spool, "incoming", f"{name}.json"))
        paths = {name: os.path.join(spool, "verdicts", f"{name}.json.verdict.json") for name in orders}

        def all_written():
            if watch.poll() is not None:
                raise AssertionError(f"regimen-guard watch exited with {watch.returncode}")
            return all(os.path.exists(p) and os.path.getsize(p) > 0 for p in paths.values())
        wait_until(all_written, 60, "every verdict file")
        verdicts = {}
        for name, path in paths.items():
            with open(path) as f:
                verdicts[name] = json.load(f)
    finally:
        if watch.poll() is None:
            watch.send_signal(signal.SIGTERM)
        status = watch.wait(timeout=30)
        log.close()
    if status != 0:
        raise AssertionError(f"regimen-guard watch ended with {status} after SIGTERM")
    return verdicts


def run_serve(work):
    """The real `regimen-guard serve` with a JWKS: order-sign calls producing cards, feedback on them, one unsigned
    call. Returns what was sent and answered."""
    import requests
    keys = cdslib.Keys()
    server = cdslib.Server(os.path.join(work, "cds"), keys)
    sign = "/cds-services/regimen-guard-order-sign"
    feedback = sign + "/feedback"

    def headers(path):
        tok = cdslib.token(keys.ec384, "ES384", "ec384", cdslib.claims(server.public_base_url + path))
        return {"Authorization": f"Bearer {tok}", "Content-Type": "application/json"}

    calls = []
    try:
        # The same rule set as the spool: a HER2 antibody with an anthracycline (three times), a clean THP, an
        # unreadable draft (one could-not-be-checked card).
        anthracycline = [cdslib.med_request("mr-trast", "224905", "trastuzumab", "2026-12-01"),
                         cdslib.med_request("mr-epi", "3995", "epirubicin", "2026-12-01", cycles=4)]
        bodies = [("anthracycline", cdslib.order_sign_request(drafts=anthracycline)) for _ in range(3)]
        bodies.append(("thp", cdslib.order_sign_request()))
        bodies.append(("unreadable", cdslib.order_sign_request(
            drafts=[{"resourceType": "MedicationRequest", "id": "mr-x", "status": "draft"}])))
        for kind, body in bodies:
            r = requests.post(server.base + sign, data=json.dumps(body), headers=headers(sign), timeout=20)
            if r.status_code != 200:
                raise AssertionError(f"order-sign answered {r.status_code}: {r.text[:200]}")
            calls.append({"kind": kind, "cards": [{"uuid": c["uuid"], "rule": c["source"]["topic"]["code"],
                                                   "indicator": c["indicator"], "summary": c["summary"],
                                                   "reasons": [o["code"] for o in c.get("overrideReasons", [])]}
                                                  for c in r.json()["cards"]]})
        # Feedback on the anthracycline rule's three cards: one accepted, two overridden with reason codes (one
        # with a free-text comment, which must never be counted or shown); plus one on a card no call issued.
        concurrent = [c for call in calls for c in call["cards"] if c["rule"] == "her2-anthracycline-concurrent"]
        if len(concurrent) != 3:
            raise AssertionError(f"expected 3 her2-anthracycline-concurrent cards, got {len(concurrent)}: {calls}")
        codes = concurrent[0]["reasons"]
        first_code, second_code = codes[0], codes[1 % len(codes)]
        items = [{"card": concurrent[0]["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-12-01T10:00:00Z",
                  "acceptedSuggestions": [{"id": str(uuid.uuid4())}]},
                 {"card": concurrent[1]["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:00:01Z",
                  "overrideReason": {"reason": {"code": first_code, "system": "urn:regimen-guard:override-reason"},
                                     "userComment": COMMENT_TEXT}},
                 {"card": concurrent[2]["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:00:02Z",
                  "overrideReason": {"reason": {"code": second_code, "system": "urn:regimen-guard:override-reason"}}},
                 {"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:00:03Z",
                  "overrideReason": {"reason": {"code": first_code, "system": "urn:regimen-guard:override-reason"}}}]
        r = requests.post(server.base + feedback, data=json.dumps({"feedback": items}), headers=headers(feedback),
                          timeout=20)
        if r.status_code != 200:
            raise AssertionError(f"feedback answered {r.status_code}")
        # One call with no token at all: 401, an auth-failure entry.
        r = requests.post(server.base + sign, data=json.dumps(bodies[3][1]),
                          headers={"Content-Type": "application/json"}, timeout=20)
        if r.status_code != 401:
            raise AssertionError(f"an unsigned call answered {r.status_code}, not 401")
        health = requests.get(server.base + "/healthz", timeout=10).json()
    finally:
        status = server.stop()
    if status != 0:
        raise AssertionError(f"regimen-guard serve ended with {status} after SIGTERM")
    return {"calls": calls, "feedback": items, "policy": health["policy"]}


def phase(name, work):
    """The service part of a scenario, inside with-journald.sh; writes what happened to WORK/facts.json."""
    facts = {"date_before": datetime.datetime.now(datetime.timezone.utc).date().isoformat()}
    if name == "a":
        facts["verdicts"] = run_watch(work, spool_orders("RPT-A"))
        facts["cds"] = run_serve(work)
    elif name == "b":
        facts["verdicts"] = run_watch(work, second_host_orders())
    elif name == "c":
        # Other programs only: plain lines through systemd-cat and logger, and our words in another program's text.
        subprocess.run(["systemd-cat", "-t", "other-program", "echo", "regimen-guard accept reject"], check=True)
        subprocess.run(["logger", "-t", "another", "her2-anthracycline-concurrent 408d9aae5cb44854861f8318c368e17e"],
                       check=True)
        subprocess.run(["systemd-cat", "-t", "regimen-guard-lookalike", "-p", "warning", "echo", "invalid"], check=True)
        facts["verdicts"] = {}
    facts["date_after"] = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    subprocess.run(["journalctl", "--sync"], check=False)
    with open(os.path.join(work, "facts.json"), "w") as f:
        json.dump(facts, f)


# --- Checks -------------------------------------------------------------------------------------------------------

class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, what, condition, detail=""):
        if condition:
            self.passed += 1
            print(f"ok - {what}", flush=True)
        else:
            self.failed += 1
            print(f"not ok - {what}", flush=True)
            if detail:
                for line in str(detail).splitlines()[:40]:
                    print(f"#   {line}", flush=True)
        return condition

    def equal(self, what, got, want):
        return self.check(what, got == want, f"got:  {json.dumps(got, sort_keys=True)[:3000]}\n"
                                             f"want: {json.dumps(want, sort_keys=True)[:3000]}")

    def run(self, what, function):
        """A check whose body raises on failure (AssertionError, a command that failed, bad JSON)."""
        try:
            function()
        except Exception as error:  # noqa: BLE001 - every failure is one "not ok" line
            return self.check(what, False, f"{type(error).__name__}: {error}")
        return self.check(what, True)


def report(*args, env=None, check=True):
    out = subprocess.run([cdslib.binary(), "report", *args], capture_output=True, text=True, env=env, timeout=120)
    if check and out.returncode != 0:
        raise AssertionError(f"regimen-guard report {' '.join(args)} exited {out.returncode}: {out.stderr[:2000]}")
    return out


def report_json(*args):
    return json.loads(report(*args, "--format", "json").stdout)


DECISIONS = ("accept", "review", "reject", "invalid")


def expected_spool(verdicts):
    """The spool figures, from the verdict files the service wrote (not from the journal)."""
    decisions = {d: 0 for d in DECISIONS}
    rules = {}
    shapes = {}
    digests = set()
    for verdict in verdicts.values():
        decisions[verdict["decision"]] += 1
        digests.add(verdict["policy"]["digest"])
        by_rule = {}
        for finding in verdict.get("findings", []):
            by_rule.setdefault(finding["rule"], []).append(finding)
        for rule, findings in by_rule.items():
            figures = rules.setdefault(rule, {"findings": 0, "orders": 0, "overridden": 0})
            figures["findings"] += len(findings)
            figures["orders"] += 1
            if any(f.get("overridden") for f in findings):
                figures["overridden"] += 1
        if verdict["decision"] == "invalid":
            for shape in {path_shape(e["path"]) for e in verdict.get("errors", [])}:
                shapes[shape] = shapes.get(shape, 0) + 1
    decisions["total"] = sum(decisions[d] for d in DECISIONS)
    return decisions, rules, shapes, digests


def path_shape(path):
    """An error path's shape: indexes erased (`medications[0].drug` -> `medications[].drug`), `(file)` for none."""
    if not path:
        return "(file)"
    out, i = [], 0
    while i < len(path):
        if path[i] == "[":
            j = path.index("]", i)
            out.append("[]")
            i = j + 1
        else:
            out.append(path[i])
            i += 1
    return "".join(out)


def expected_cds(cds):
    """The CDS figures, from the responses and the feedback sent."""
    cards = {}
    requests_by_decision = {}
    for call in cds["calls"]:
        for card in call["cards"]:
            cards.setdefault(card["rule"], []).append(card["uuid"])
        indicators = {c["indicator"] for c in call["cards"]}
        if [c["summary"] for c in call["cards"]] == ["This order could not be checked"]:
            decision = "invalid"
        elif "critical" in indicators:
            decision = "reject"
        elif "warning" in indicators:
            decision = "review"
        else:
            decision = "accept"
        requests_by_decision[decision] = requests_by_decision.get(decision, 0) + 1
    rules = {rule: {"cards": len(uuids), "cards_accepted": 0, "cards_overridden": 0, "override_reasons": {}}
             for rule, uuids in cards.items()}
    owner = {u: rule for rule, uuids in cards.items() for u in uuids}
    unmatched = {}
    for item in cds["feedback"]:
        rule = owner.get(item["card"])
        if rule is None:
            unmatched[item["outcome"]] = unmatched.get(item["outcome"], 0) + 1
            continue
        figures = rules[rule]
        if item["outcome"] == "accepted":
            figures["cards_accepted"] += 1
        else:
            figures["cards_overridden"] += 1
            code = item.get("overrideReason", {}).get("reason", {}).get("code") or "(none)"
            figures["override_reasons"][code] = figures["override_reasons"].get(code, 0) + 1
    for figures in rules.values():
        answered = figures["cards_accepted"] + figures["cards_overridden"]
        figures["override_rate"] = None if answered == 0 else figures["cards_overridden"] / answered
    return rules, {"order-sign": requests_by_decision}, unmatched


def rule_view(rules, keys):
    """The rules with a non-zero figure among `keys`, those figures only (override rates to 6 decimals: the JSON
    document's precision)."""
    def shown(key, value):
        return round(value, 6) if key == "override_rate" and value is not None else value
    return {rule: {k: shown(k, figures.get(k)) for k in keys} for rule, figures in rules.items()
            if any(figures.get(k) for k in keys if k not in ("override_rate", "override_reasons"))}


class MetricsParser:
    """The Prometheus text exposition format: samples as (name, labels, value), plus TYPE lines."""

    def __init__(self, text):
        self.samples = []
        self.types = {}
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split(None, 3)
                self.types[name] = kind
                continue
            if not line or line.startswith("#"):
                continue
            if "{" in line:
                name, rest = line.split("{", 1)
                labels_text, value = rest.rsplit("}", 1)
                labels = dict(self._labels(labels_text))
            else:
                name, value = line.split(None, 1)
                labels = {}
            self.samples.append((name, labels, float(value.split()[0])))

    @staticmethod
    def _labels(text):
        i = 0
        while i < len(text):
            eq = text.index("=", i)
            key = text[i:eq].strip().lstrip(",").strip()
            j = eq + 2
            value = []
            while text[j] != '"':
                if text[j] == "\\":
                    j += 1
                    value.append({"n": "\n"}.get(text[j], text[j]))
                else:
                    value.append(text[j])
                j += 1
            yield key, "".join(value)
            i = j + 1
            while i < len(text) and text[i] in ", ":
                i += 1

    def find(self, name, **labels):
        return [v for n, l, v in self.samples if n == name and all(l.get(k) == w for k, w in labels.items())]

    def one(self, name, **labels):
        values = self.find(name, **labels)
        if len(values) != 1:
            raise AssertionError(f"{len(values)} samples of {name}{labels}")
        return values[0]


class DOM(html.parser.HTMLParser):
    """The figures a rendered page marks: every element with data-rule / data-figure / data-decision attributes and
    its text; the tags seen; every src/href."""

    def __init__(self):
        super().__init__()
        self.stack = []
        self.marked = []  # (attrs dict, text)
        self.tags = set()
        self.links = []  # what the page would fetch

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        # What a browser would fetch: src anywhere, href of everything but a plain hyperlink (<a>).
        for key in ("src", "href", "xlink:href", "data"):
            if attrs.get(key) and not (tag == "a" and key == "href"):
                self.links.append(attrs[key])
        marks = {k: v for k, v in attrs.items() if k.startswith("data-")}
        if tag in ("br", "img", "meta", "link", "input", "hr", "col"):
            return
        self.stack.append((tag, marks, []))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, marks, text = self.stack.pop()
            content = "".join(text).strip()
            if self.stack:
                self.stack[-1][2].append("".join(text))
            if marks:
                self.marked.append((marks, content))
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)

    def figure(self, **marks):
        """The texts of the marked elements whose marks are exactly these (data-x keys without the prefix): a
        decision total, not a day's or a host's cell of it."""
        want = {f"data-{k.replace('_', '-')}": v for k, v in marks.items()}
        return [text for attrs, text in self.marked if all(attrs.get(k) == v for k, v in want.items())
                and set(attrs) - {"data-value"} == set(want)]


def number(text):
    """A figure as the page shows it: digits with optional separators, or a percentage."""
    text = text.strip().replace("\u202f", "").replace(",", "").replace("\u00a0", "")
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--phase":
        phase(sys.argv[2], sys.argv[3])
        return 0
    if os.geteuid() != 0:
        print("Tests/report: needs root (a private journald in its own namespaces)", file=sys.stderr)
        return 1

    c = Checks()
    work = tempfile.mkdtemp(prefix="report-test-")
    env = dict(os.environ, TZ="UTC")
    try:
        journals = {}
        facts = {}
        for name, host, machine in (("a", HOST_A, MACHINE_A), ("b", HOST_B, MACHINE_B), ("c", HOST_C, MACHINE_C)):
            phase_work = os.path.join(work, f"phase-{name}")
            os.makedirs(phase_work)
            keep = os.path.join(work, f"journal-{name}")
            out = subprocess.run([WITH_JOURNALD, os.path.join(phase_work, "journal.json"), "--keep", keep,
                                  "--machine-id", machine, "--hostname", host, "--",
                                  sys.executable, os.path.abspath(__file__), "--phase", name, phase_work],
                                 capture_output=True, text=True, timeout=300)
            ok = c.check(f"scenario {name} ({host}) ran beside a private journald and kept its journal files",
                         out.returncode == 0 and os.path.isdir(os.path.join(keep, machine)),
                         out.stdout[-2000:] + out.stderr[-3000:])
            if not ok:
                return 1
            journals[name] = keep
            with open(os.path.join(phase_work, "facts.json")) as f:
                facts[name] = json.load(f)
            with open(os.path.join(phase_work, "journal.json")) as f:
                c.check(f"scenario {name}: the synthetic patient id and free texts never reached the journal",
                        not any(s in f.read() for s in SECRETS))

        check_reports(c, work, journals, facts, env)
    except Exception as error:  # noqa: BLE001 - a report that cannot be read ends the checks with one "not ok"
        c.check("the report checks ran to the end", False, f"{type(error).__name__}: {error}")
    finally:
        if os.environ.get("REPORT_TEST_KEEP"):
            print(f"# kept {work} (REPORT_TEST_KEEP)")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"# {c.passed} passed, {c.failed} failed")
    return 0 if c.failed == 0 and c.passed > 0 else 1


def check_reports(c, work, journals, facts, env):
    import jsonschema
    a = facts["a"]
    decisions, spool_rules, shapes, digests = expected_spool(a["verdicts"])
    card_rules, cds_requests, unmatched = expected_cds(a["cds"])
    wanted_decisions = {"accept": 3, "review": 1, "reject": 3, "invalid": 3}
    c.equal("the spool judged the scenario's orders as the contract says (verdict files)",
            {d: decisions[d] for d in DECISIONS}, wanted_decisions)
    flood = a["verdicts"]["RPT-A-FLOOD-1"]
    c.check("the flood order has many findings of one rule (the journal gives it one entry with a count)",
            sum(f["rule"] == "her2-anthracycline-concurrent" for f in flood["findings"]) > 1)
    c.check("the override order's anthracycline finding is overridden in its verdict",
            any(f["rule"] == "her2-anthracycline-concurrent" and f.get("overridden")
                for f in a["verdicts"]["RPT-A-OVERRIDE-1"]["findings"]))

    # --- JSON, figure by figure ----------------------------------------------------------------------
    out = report("--directory", journals["a"], "--format", "json", env=env)
    doc = json.loads(out.stdout)
    c.equal("json: decisions (accept, review, reject, invalid, total) are the spool's verdicts",
            doc["decisions"], decisions)
    if a["date_before"] == a["date_after"]:
        c.equal("json: days holds today's decisions", doc["days"],
                [{"date": a["date_before"], "decisions": decisions}])
    else:
        c.check("json: days add up to the decisions (the scenario crossed midnight)",
                sum(d["decisions"]["total"] for d in doc["days"]) == decisions["total"])
    got_rules = doc["rules"]
    c.equal("json: per rule findings, distinct orders and overridden orders are the verdict files'",
            rule_view(got_rules, ("findings", "orders", "overridden")),
            {r: f for r, f in spool_rules.items()})
    c.equal("json: the flood order's rule counts its findings, not its journal entries",
            got_rules.get("her2-anthracycline-concurrent", {}).get("findings"),
            spool_rules["her2-anthracycline-concurrent"]["findings"])
    c.equal("json: per rule CDS cards, accepted, overridden, override rate and reason codes are the service's",
            rule_view(got_rules, ("cards", "cards_accepted", "cards_overridden", "override_rate",
                                  "override_reasons")),
            rule_view(card_rules, ("cards", "cards_accepted", "cards_overridden", "override_rate",
                                   "override_reasons")))
    concurrent = got_rules.get("her2-anthracycline-concurrent", {})
    c.check("json: her2-anthracycline-concurrent override rate 2/3 from 1 accepted and 2 overridden cards",
            concurrent.get("cards_accepted") == 1 and concurrent.get("cards_overridden") == 2 and
            abs((concurrent.get("override_rate") or 0) - 2 / 3) < 1e-6, json.dumps(concurrent))
    c.check("json: a rule with cards and no feedback has a null override rate",
            all(got_rules.get(r, {}).get("override_rate", "missing") is None
                for r, f in card_rules.items() if f["cards_accepted"] + f["cards_overridden"] == 0),
            json.dumps({r: got_rules.get(r) for r in card_rules}))
    c.equal("json: invalid orders by error shape (indexes erased), each order once per shape",
            doc["invalid_errors"], shapes)
    c.equal("json: cds requests by hook and decision", doc["cds"]["requests"], cds_requests)
    c.equal("json: feedback on a card no call issued is unmatched, by outcome", doc["cds"]["unmatched_feedback"],
            unmatched)
    c.equal("json: the unsigned call is one auth failure", doc["cds"]["auth_failures"], 1)
    c.equal("json: no faults", doc["faults"], {"service_faults": 0, "quarantined": 0, "reloads_failed": 0,
                                               "key_reloads_failed": 0})
    c.equal("json: one policy, the verdicts' digest and version (the CDS service's too)",
            [(p["digest"], p["version"]) for p in doc["policies"]],
            [(digests.pop(), a["verdicts"]["RPT-A-ACCEPT-1"]["policy"]["version"])] if len(digests) == 1 else [])
    c.check("json: the policy's digest is the one the CDS service's /healthz named",
            [p["digest"] for p in doc["policies"]] == [a["cds"]["policy"]["digest"]])
    c.check("json: the policy's first and last seen bound the scenario",
            all(p["first_seen"] <= p["last_seen"] for p in doc["policies"]), json.dumps(doc["policies"]))
    c.equal("json: hosts", doc["hosts"], [HOST_A])
    c.check("json: the window is open at its start when no --since is given, and ends now or is open",
            doc["window"].get("since") is None and (doc["window"].get("until") is None or
                                                    all(doc["window"]["until"] >= p["last_seen"] for p in doc["policies"])),
            json.dumps(doc["window"]))

    schema = None
    if os.path.exists(SCHEMA):
        with open(SCHEMA) as f:
            schema = json.load(f)
    c.check("Schemas/report.schema.json exists", schema is not None)
    if schema:
        c.run("Schemas/report.schema.json is a valid draft 2020-12 schema",
              lambda: jsonschema.Draft202012Validator.check_schema(schema))

    def valid(document):
        jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)
    if schema:
        c.run("json: the document is valid against Schemas/report.schema.json", lambda: valid(doc))

    outputs = {"json": out.stdout}
    for fmt in ("text", "prometheus", "html"):
        outputs[fmt] = report("--directory", journals["a"], "--format", fmt, env=env).stdout
    c.check("no format prints the synthetic patient id, the override's text or the feedback comment",
            not any(s in text for text in outputs.values() for s in SECRETS))

    # --- Prometheus ---------------------------------------------------------------------------------
    prom = os.path.join(work, "a.prom")
    with open(prom, "w") as f:
        f.write(outputs["prometheus"])
    promtool = subprocess.run(["promtool", "check", "metrics"], input=outputs["prometheus"], capture_output=True,
                              text=True)
    c.check("prometheus: promtool check metrics passes (no errors, no lint)", promtool.returncode == 0,
            promtool.stdout + promtool.stderr)
    check_prometheus(c, MetricsParser(outputs["prometheus"]), doc)

    # --- Text ---------------------------------------------------------------------------------------
    text = outputs["text"]
    c.check("text: names every rule with findings or cards, and the invalid shapes",
            all(r in text for r in got_rules) and all(s in text for s in shapes),
            text[:3000])
    def words(line):
        return set(line.replace("|", " ").replace(":", " ").split())

    lines = text.splitlines()
    c.check("text: each rule's line holds its findings count, each decision's line its count",
            all(any(rule in line and str(f["findings"]) in words(line) for line in lines)
                for rule, f in spool_rules.items()) and
            all(any(d in line.lower() and str(decisions[d]) in words(line) for line in lines) for d in DECISIONS),
            text[:3000])

    # --- HTML in a real headless Chromium -------------------------------------------------------------
    check_html(c, work, outputs["html"], doc, decisions, spool_rules, card_rules)

    # --- Two journals of two machines -----------------------------------------------------------------
    b_decisions, b_rules, _, _ = expected_spool(facts["b"]["verdicts"])
    both = report_json("--directory", journals["a"], "--directory", journals["b"])
    c.equal("two --directory: decisions add up", both["decisions"],
            {k: decisions[k] + b_decisions[k] for k in decisions})
    c.equal("two --directory: per rule findings and orders add up",
            {r: (f["findings"], f["orders"]) for r, f in both["rules"].items() if f["findings"]},
            {r: (spool_rules.get(r, {}).get("findings", 0) + b_rules.get(r, {}).get("findings", 0),
                 spool_rules.get(r, {}).get("orders", 0) + b_rules.get(r, {}).get("orders", 0))
             for r in set(spool_rules) | set(b_rules)})
    c.equal("two --directory: both hosts", both["hosts"], sorted([HOST_A, HOST_B]))
    per = report_json("--directory", journals["a"], "--directory", journals["b"], "--per-host")
    c.check("--per-host: one report per host", sorted(per.get("per_host") or {}) == sorted([HOST_A, HOST_B]),
            json.dumps(per.get("per_host"))[:500])
    if sorted(per.get("per_host") or {}) == sorted([HOST_A, HOST_B]):
        c.equal("--per-host: host a's decisions are scenario a's", per["per_host"][HOST_A]["decisions"], decisions)
        c.equal("--per-host: host b's decisions are scenario b's", per["per_host"][HOST_B]["decisions"],
                b_decisions)
        c.equal("--per-host: only host a has CDS auth failures",
                (per["per_host"][HOST_A]["cds"]["auth_failures"], per["per_host"][HOST_B]["cds"]["auth_failures"]),
                (1, 0))
        c.equal("--per-host: the totals are still the sum", per["decisions"], both["decisions"])
    if schema:
        c.run("--per-host: the document is valid against the schema", lambda: valid(per))
    per_prom = report("--directory", journals["a"], "--directory", journals["b"], "--per-host",
                      "--format", "prometheus").stdout
    promtool = subprocess.run(["promtool", "check", "metrics"], input=per_prom, capture_output=True, text=True)
    c.check("--per-host prometheus: promtool check metrics passes", promtool.returncode == 0,
            promtool.stdout + promtool.stderr)

    # --- Empty window, other programs only --------------------------------------------------------------
    for label, args in (("an empty window (--since in the future)",
                         ("--directory", journals["a"], "--since", "2099-01-01 00:00:00")),
                        ("a journal of other programs only", ("--directory", journals["c"]))):
        check_zeros(c, label, args, schema and valid, env)

    # --- --output: atomic, whole, 0644 --------------------------------------------------------------------
    check_output(c, work, journals["a"], env)


def check_prometheus(c, metrics, doc):
    """The exposition's values are the JSON document's (metric names: Docs/report.md). A family with nothing to
    count may be left out: a missing sample is a zero."""
    def value(name, **labels):
        values = metrics.find(name, **labels)
        if len(values) > 1:
            raise AssertionError(f"{len(values)} samples of {name}{labels}")
        return values[0] if values else 0

    def compare():
        problems = []

        def same(got, want, what):
            if got != want:
                problems.append(f"{what} = {got}, json {want}")
        for decision in DECISIONS:
            same(value("regimen_guard_orders_total", decision=decision), doc["decisions"][decision],
                 f"orders_total{{decision={decision}}}")
        for rule, figures in doc["rules"].items():
            for metric, key, labels in (("regimen_guard_rule_findings_total", "findings", {}),
                                        ("regimen_guard_rule_orders_total", "orders", {}),
                                        ("regimen_guard_rule_overridden_orders_total", "overridden", {}),
                                        ("regimen_guard_cds_cards_total", "cards", {}),
                                        ("regimen_guard_cds_feedback_total", "cards_accepted", {"outcome": "accepted"}),
                                        ("regimen_guard_cds_feedback_total", "cards_overridden",
                                         {"outcome": "overridden"})):
                same(value(metric, rule=rule, **labels), figures[key], f"{metric}{{rule={rule} {labels}}}")
            for code, n in figures["override_reasons"].items():
                same(value("regimen_guard_cds_override_reasons_total", rule=rule, reason=code), n,
                     f"override reason {rule}/{code}")
            ratio = metrics.find("regimen_guard_rule_override_ratio", rule=rule)
            if figures["override_rate"] is None:
                same(ratio, [], f"override ratio of {rule} (no feedback: no sample)")
            elif len(ratio) != 1 or abs(ratio[0] - figures["override_rate"]) > 1e-6:
                problems.append(f"override ratio of {rule} = {ratio}, json {figures['override_rate']}")
        for shape, n in doc["invalid_errors"].items():
            same(value("regimen_guard_invalid_orders_total", error=shape), n, f"invalid_orders_total{{error={shape}}}")
        for hook, by_decision in doc["cds"]["requests"].items():
            for decision, n in by_decision.items():
                same(value("regimen_guard_cds_requests_total", hook=hook, decision=decision), n,
                     f"cds requests {hook}/{decision}")
        for outcome, n in doc["cds"]["unmatched_feedback"].items():
            same(value("regimen_guard_cds_unmatched_feedback_total", outcome=outcome), n, f"unmatched {outcome}")
        same(value("regimen_guard_cds_auth_failures_total"), doc["cds"]["auth_failures"], "auth failures")
        for metric, key in (("regimen_guard_service_faults_total", "service_faults"),
                            ("regimen_guard_quarantined_total", "quarantined"),
                            ("regimen_guard_policy_reloads_failed_total", "reloads_failed"),
                            ("regimen_guard_cds_key_reloads_failed_total", "key_reloads_failed")):
            same(value(metric), doc["faults"][key], metric)
        for policy in doc["policies"]:
            same(value("regimen_guard_policy_info", digest=policy["digest"], version=policy["version"]), 1,
                 f"policy_info {policy['digest']}")
        if problems:
            raise AssertionError("; ".join(problems))
    c.run("prometheus: decisions, per-rule figures, feedback, reason codes, override ratios, invalid shapes, CDS "
          "requests, auth failures, faults and the policy equal the JSON's", compare)
    counters = [n for n, kind in metrics.types.items() if kind == "counter"]
    c.check("prometheus: counters are typed counter and end in _total",
            counters and all(n.endswith("_total") for n in counters), json.dumps(metrics.types))


def check_html(c, work, page, doc, decisions, spool_rules, card_rules):
    written = DOM()
    written.feed(page)
    lower = page.lower()
    c.check("html: no <script>, and nothing loaded from elsewhere (src/href, CSS url() or @import) in the page as written",
            "<script" not in lower and "@import" not in lower and "url(" not in lower.replace("url(#", "") and
            not [link for link in written.links if not link.startswith(("#", "data:"))], f"{written.links} {page[:300]}")
    path = os.path.join(work, "report.html")
    with open(path, "w") as f:
        f.write(page)
    chromium = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", f"--user-data-dir={os.path.join(work, 'chromium-profile')}"]
    out = subprocess.run(chromium + ["--dump-dom", f"file://{path}"], capture_output=True, text=True, timeout=120)
    ok = c.check("html: headless Chromium renders the page (--dump-dom)", out.returncode == 0 and "<html" in out.stdout,
                 out.stderr[-2000:])
    if not ok:
        return
    dom = DOM()
    dom.feed(out.stdout)
    c.check("html: the rendered DOM has no <script>, <iframe>, <link>, <object> or <embed>, and fetches nothing",
            not dom.tags & {"script", "iframe", "link", "object", "embed"} and
            not [link for link in dom.links if not link.startswith(("#", "data:"))], f"{sorted(dom.tags)} {dom.links}")
    c.check("html: inline SVG charts are in the DOM", "svg" in dom.tags)

    def figures():
        problems = []
        for decision in DECISIONS:
            got = dom.figure(decision=decision)
            if not got or any(number(t) != decisions[decision] for t in got):
                problems.append(f"decision {decision}: {got}, want {decisions[decision]}")
        for rule, figures in doc["rules"].items():
            for key in ("findings", "orders", "overridden", "cards", "cards_accepted", "cards_overridden"):
                got = dom.figure(rule=rule, figure=key)
                if not got or any(number(t) != figures[key] for t in got):
                    problems.append(f"{rule}/{key}: {got}, want {figures[key]}")
            if figures["override_rate"] is not None:
                got = dom.figure(rule=rule, figure="override_rate")
                if not got or any(abs(number(t) - figures["override_rate"]) > 0.006 for t in got):
                    problems.append(f"{rule}/override_rate: {got}, want {figures['override_rate']}")
        if problems:
            raise AssertionError("; ".join(problems) + f"\nmarked: {dom.marked[:40]}")
    c.run("html: the DOM's marked cells hold the decisions and every rule's figures (data-decision, data-rule + "
          "data-figure)", figures)

    def more_figures():
        problems = []

        def same(got, want, what):
            if not got or any(number(t) != want for t in got):
                problems.append(f"{what}: {got}, want {want}")
        for day in doc["days"]:
            for decision in DECISIONS + ("total",):
                same(dom.figure(date=day["date"], decision=decision), day["decisions"][decision],
                     f"day {day['date']} {decision}")
        for hook, by_decision in doc["cds"]["requests"].items():
            for decision, n in by_decision.items():
                same(dom.figure(hook=hook, decision=decision), n, f"requests {hook}/{decision}")
        same(dom.figure(figure="auth_failures"), doc["cds"]["auth_failures"], "auth failures")
        for shape, n in doc["invalid_errors"].items():
            same(dom.figure(error=shape), n, f"invalid {shape}")
        for rule, figures in doc["rules"].items():
            for code, n in figures["override_reasons"].items():
                got = dom.figure(rule=rule, reason=code)
                if not got or any(t.split()[-1] != str(n) for t in got):
                    problems.append(f"reason {rule}/{code}: {got}, want {n}")
        digests = [attrs["data-digest"] for attrs, _ in dom.marked if "data-digest" in attrs]
        if digests != [p["digest"] for p in doc["policies"]]:
            problems.append(f"policy digests {digests}")
        if problems:
            raise AssertionError("; ".join(problems))
    c.run("html: the DOM also holds the decisions per day, CDS calls by hook and decision, auth failures, invalid "
          "orders by shape, override reason codes and the policy digest", more_figures)
    os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
    if os.path.exists(SCREENSHOT):
        os.unlink(SCREENSHOT)
    shot = subprocess.run(chromium + [f"--screenshot={SCREENSHOT}", "--window-size=1280,3200",
                                      "--hide-scrollbars", f"file://{path}"], capture_output=True, text=True,
                          timeout=120)
    good = os.path.exists(SCREENSHOT) and open(SCREENSHOT, "rb").read(8) == b"\x89PNG\r\n\x1a\n" and \
        os.path.getsize(SCREENSHOT) > 10000
    c.check(f"html: a screenshot for a person to look at: {SCREENSHOT}", shot.returncode == 0 and good,
            shot.stderr[-1000:])


def check_zeros(c, label, args, validate, env):
    doc = report_json(*args)
    zero = {"accept": 0, "review": 0, "reject": 0, "invalid": 0, "total": 0}
    c.equal(f"{label}: json decisions are zeros", doc["decisions"], zero)
    c.check(f"{label}: json has no days, rule figures, invalid shapes, CDS calls or policies",
            doc["days"] == [] and not any(v for f in doc["rules"].values() for k, v in f.items()
                                          if k not in ("override_rate", "override_reasons")) and
            doc["invalid_errors"] == {} and doc["cds"]["requests"] == {} and doc["cds"]["auth_failures"] == 0 and
            doc["policies"] == [], json.dumps(doc)[:2000])
    if validate:
        c.run(f"{label}: json is valid against the schema", lambda: validate(doc))
    prom = report(*args, "--format", "prometheus", env=env).stdout
    promtool = subprocess.run(["promtool", "check", "metrics"], input=prom, capture_output=True, text=True)
    metrics = MetricsParser(prom)
    c.check(f"{label}: prometheus passes promtool and its order counts are zero",
            promtool.returncode == 0 and all(v == 0 for v in metrics.find("regimen_guard_orders_total")),
            promtool.stdout + promtool.stderr + prom[:1000])
    text = report(*args, "--format", "text", env=env)
    page = report(*args, "--format", "html", env=env)
    c.check(f"{label}: text and html render (exit 0, no script)",
            text.returncode == 0 and text.stdout.strip() != "" and page.returncode == 0 and
            "<html" in page.stdout.lower() and "<script" not in page.stdout.lower())


def check_output(c, work, journal, env):
    folder = os.path.join(work, "textfile")
    os.makedirs(folder)
    target = os.path.join(folder, "regimen-guard.prom")
    old = "# an older file\nold_metric 1\n"
    with open(target, "w") as f:
        f.write(old)
    seen, stop = set(), threading.Event()

    def reader():
        while not stop.is_set():
            try:
                with open(target) as f:
                    seen.add(f.read())
            except FileNotFoundError:
                seen.add(None)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        # Written with umask 077: the file is still 0644 (node_exporter runs as another user).
        for _ in range(8):
            subprocess.run(["sh", "-c", 'umask 077 && exec "$0" "$@"', cdslib.binary(), "report", "--directory", journal,
                            "--format", "prometheus", "--output", target], env=env, check=True, capture_output=True,
                           timeout=120)
    finally:
        stop.set()
        thread.join()
    with open(target) as f:
        final = f.read()
    whole = {old, final}
    c.check("--output: a reader polling the file saw only the old file or a whole new one, never none or a part",
            seen <= whole | {s for s in seen if s is not None and s.count("\n") == final.count("\n")
                             and s.endswith("\n")} and None not in seen and len(seen) >= 1,
            f"{len(seen)} distinct reads; none seen: {None in seen}")
    c.check("--output: the file is mode 0644 even under umask 077, and no temporary file is left beside it",
            oct(os.stat(target).st_mode & 0o7777) == "0o644" and os.listdir(folder) == ["regimen-guard.prom"],
            f"{oct(os.stat(target).st_mode)} {os.listdir(folder)}")
    stdout = report("--directory", journal, "--format", "prometheus", env=env).stdout
    c.check("--output: the file holds the same metrics as standard output", strip_times(final) == strip_times(stdout))
    missing = report("--directory", journal, "--format", "json", "--output", os.path.join(work, "no", "such", "f"),
                     env=env, check=False)
    c.check("--output into a missing folder fails (non-zero exit, a message) and writes nothing",
            missing.returncode != 0 and missing.stderr.strip() != "" and not os.path.exists(os.path.join(work, "no")))


def strip_times(text):
    """Drops lines that carry the generation time (the only thing two renderings of one journal may differ in)."""
    return [line for line in text.splitlines() if "generated" not in line and "timestamp" not in line]


if __name__ == "__main__":
    sys.exit(main())
