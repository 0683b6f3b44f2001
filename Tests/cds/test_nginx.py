"""regimen-guard serve behind real nginx (Debian's package) with TLS: the shipped site file
(Packaging/nginx/regimen-guard-cds.conf), a self-signed certificate made here with openssl, two instances; a
request through nginx is answered, and with one instance killed the other still answers."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import requests

import cdslib
from cdslib import claims, token

SIGN = "/cds-services/regimen-guard-order-sign"


def site_for_test(port, upstreams, cert, key, logs):
    """The shipped site file with this test's ports, certificate and log paths, and nothing else changed."""
    with open(os.path.join(cdslib.REPO, "Packaging", "nginx", "regimen-guard-cds.conf")) as f:
        site = f.read()
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n" for p in upstreams)
    site = re.sub(r"(    server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers, site)
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;")
    site = site.replace("listen [::]:443 ssl http2;\n", "")
    site = site.replace("/etc/ssl/certs/regimen-guard-cds.pem", cert).replace("/etc/ssl/private/regimen-guard-cds.key", key)
    site = site.replace("/var/log/nginx/regimen-guard-cds.access.log", os.path.join(logs, "access.log"))
    return site


class BehindNginx(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="cds-nginx-")
        w = cls.work
        os.chmod(w, 0o755)  # nginx's workers run as nobody
        cls.cert, cls.key = os.path.join(w, "cert.pem"), os.path.join(w, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", cls.key, "-out", cls.cert, "-days", "1", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
        cls.port = cdslib.free_port()
        cls.public = f"https://127.0.0.1:{cls.port}"
        cls.keys = cdslib.Keys()
        cls.instances = [cdslib.Server(os.path.join(w, f"i{i}"), cls.keys, public_base_url=cls.public, log_target="stderr")
                         for i in range(2)]
        with open(os.path.join(w, "nginx.conf"), "w") as f:
            f.write(f"""pid {w}/nginx.pid;
error_log {w}/error.log;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {w}/body; proxy_temp_path {w}/proxy;
    fastcgi_temp_path {w}/fastcgi; uwsgi_temp_path {w}/uwsgi; scgi_temp_path {w}/scgi;
{site_for_test(cls.port, [s.port for s in cls.instances], cls.cert, cls.key, w)}
}}
""")
        cls.nginx = subprocess.Popen(["nginx", "-p", w, "-c", os.path.join(w, "nginx.conf"), "-g", "daemon off;"],
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                requests.get(cls.public + "/healthz", verify=cls.cert, timeout=1)
                break
            except requests.ConnectionError:
                if cls.nginx.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("nginx did not start: " + cls.nginx.stderr.read().decode())
                time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.terminate()
        cls.nginx.wait(timeout=10)
        for s in cls.instances:
            s.stop()
        with open(os.path.join(cls.work, "error.log")) as f:
            errors = [line for line in f if "[emerg]" in line or "[alert]" in line or "[crit]" in line]
        shutil.rmtree(cls.work, ignore_errors=True)
        if errors:
            raise AssertionError("nginx errors: " + "".join(errors))

    def sign(self):
        tok = token(self.keys.ec384, "ES384", "ec384", claims(self.public + SIGN))
        return requests.post(self.public + SIGN, json=cdslib.order_sign_request(), verify=self.cert, timeout=10,
                             headers={"Authorization": f"Bearer {tok}"})

    def test_1_a_request_through_nginx_is_answered_by_both_instances(self):
        for _ in range(6):
            r = self.sign()
            self.assertEqual(r.status_code, 200, r.text)
            self.assertIn("cards", r.json())
        # Both instances took requests (least_conn over sequential requests alternates).
        answered = [s.read_log().count("HTTP 200") for s in self.instances]
        self.assertTrue(all(n > 0 for n in answered), answered)

    def test_2_one_instance_killed_the_other_answers(self):
        victim = self.instances[0]
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(timeout=10)
        for _ in range(6):
            r = self.sign()
            self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(requests.get(self.public + "/healthz", verify=self.cert, timeout=5).status_code, 200)

    def test_3_tls_is_required_and_checked(self):
        with self.assertRaises(requests.exceptions.SSLError):
            requests.get(self.public + "/healthz", timeout=5)  # the self-signed certificate is not trusted by default


if __name__ == "__main__":
    unittest.main(verbosity=2)
