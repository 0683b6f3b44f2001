"""regimen-guard serve's life cycle, with the real binary and the sd_notify protocol read from a unix datagram socket
(no systemd needed): READY=1, WATCHDOG=1, SIGHUP reload of keys (rotation, a broken file keeping the last good
keys) between RELOADING=1 and READY=1, graceful stop (a request in flight finishes, new connections are refused,
STOPPING=1, exit 0), `auth: none` refused off loopback, exit 78 on a broken configuration."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import cdslib
from cdslib import claims, token

SIGN = "/cds-services/regimen-guard-order-sign"


class Notify:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.path = path

    def wait_for(self, state, timeout=15):
        """Reads notifications until one holds `state` (e.g. READY=1); returns every line read."""
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            seen += data.split("\n")
            if state in data.split("\n"):
                return seen
        raise AssertionError(f"no {state} within {timeout} s (saw {seen})")


class LifeCycle(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cds-life-")
        self.keys = cdslib.Keys()
        self.notify = Notify(os.path.join(self.work, "notify"))
        env = dict(os.environ, NOTIFY_SOCKET=self.notify.path, WATCHDOG_USEC="400000")
        self.server = cdslib.Server(self.work, self.keys, log_target="stderr", env=env)

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def call(self, key, kid, alg="ES384"):
        tok = token(key, alg, kid, claims(self.server.public_base_url + "/cds-services"))
        return cdslib.requests.get(self.server.base + "/cds-services", headers={"Authorization": f"Bearer {tok}"},
                                   timeout=10).status_code

    def test_ready_watchdog_reload_and_key_rotation(self):
        self.notify.wait_for("READY=1")
        self.notify.wait_for("WATCHDOG=1")
        self.assertEqual(self.call(self.keys.ec384, "ec384"), 200)
        # Rotation: the new JWKS has only a new key; after SIGHUP the new key verifies and the old one does not.
        new = cdslib.ec.generate_private_key(cdslib.ec.SECP384R1())
        with open(self.server.jwks_file, "w") as f:
            json.dump({"keys": [cdslib.jwk_of(new.public_key(), "ec384-2026")]}, f)
        self.server.process.send_signal(signal.SIGHUP)
        lines = self.notify.wait_for("READY=1")
        self.assertTrue(any(line == "RELOADING=1" for line in lines), lines)
        self.assertEqual(self.call(new, "ec384-2026"), 200)
        self.assertEqual(self.call(self.keys.ec384, "ec384"), 401)
        # A broken file keeps the last good keys.
        with open(self.server.jwks_file, "w") as f:
            f.write("{ not json")
        self.server.process.send_signal(signal.SIGHUP)
        self.notify.wait_for("READY=1")
        self.assertEqual(self.call(new, "ec384-2026"), 200)
        self.assertIn("JWKS reload failed", self.server.read_log())

    def test_graceful_stop_finishes_the_request_in_flight(self):
        self.notify.wait_for("READY=1")
        body = json.dumps(cdslib.order_sign_request()).encode()
        tok = token(self.keys.ec384, "ES384", "ec384", claims(self.server.public_base_url + SIGN))
        head = (f"POST {SIGN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer {tok}\r\n"
                f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode()
        inflight = socket.create_connection(("127.0.0.1", self.server.port))
        self.addCleanup(inflight.close)
        inflight.sendall(head)
        # "100 Continue" says the server has read the head: the request is in flight when the stop comes.
        inflight.settimeout(10)
        self.assertTrue(inflight.recv(4096).startswith(b"HTTP/1.1 100"))
        inflight.sendall(body[:100])
        self.server.process.send_signal(signal.SIGTERM)
        self.notify.wait_for("STOPPING=1")
        deadline = time.monotonic() + 10
        refused = False
        while time.monotonic() < deadline and not refused:
            try:
                socket.create_connection(("127.0.0.1", self.server.port), timeout=1).close()
                time.sleep(0.02)
            except ConnectionRefusedError:
                refused = True
        self.assertTrue(refused, "new connections are still accepted after SIGTERM")
        inflight.sendall(body[100:])
        inflight.settimeout(10)
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = inflight.recv(65536)
            if not chunk:
                break
            response += chunk
        self.assertTrue(response.startswith(b"HTTP/1.1 200"), response[:200])
        self.assertEqual(self.server.process.wait(timeout=15), 0)


class Refusals(unittest.TestCase):
    def run_serve(self, yaml_text, *extra):
        work = tempfile.mkdtemp(prefix="cds-refuse-")
        try:
            config = os.path.join(work, "c.yaml")
            with open(config, "w") as f:
                f.write(yaml_text)
            return subprocess.run([cdslib.binary(), "serve", "--config", config, "--policies",
                                   os.path.join(cdslib.REPO, "Policies"), "--log-target", "stderr", *extra],
                                  capture_output=True, text=True, timeout=30)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def test_no_authentication_is_refused_off_loopback(self):
        out = self.run_serve(f"auth: none\nlisten: 0.0.0.0:{cdslib.free_port()}\n")
        self.assertEqual(out.returncode, 78, out.stderr)
        self.assertIn("loopback", out.stderr)

    def test_listen_flag_wins_over_the_file(self):
        out = self.run_serve("auth: none\nlisten: 127.0.0.1:1\n", "--listen", f"0.0.0.0:{cdslib.free_port()}")
        self.assertEqual(out.returncode, 78, out.stderr)  # --listen moved it off loopback: refused

    def test_broken_configuration_exits_78_naming_the_key(self):
        out = self.run_serve("public_base_url: https://x\nissuers:\n  - iss: a\n    jwks_file: /nonexistent\nisuers: []\n")
        self.assertEqual(out.returncode, 78)
        self.assertIn("isuers: unknown key", out.stderr)
        out = self.run_serve("public_base_url: https://x\nissuers:\n  - iss: a\n    jwks_file: /nonexistent\n")
        self.assertEqual(out.returncode, 78)
        self.assertIn("/nonexistent", out.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
