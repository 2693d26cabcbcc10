"""Serve a mirror directory over HTTPS on loopback with a freshly generated CA.

    python release/serve.py --root dist/mirror/network --certs dist/mirror/tls [--port 0]

Writes ``<certs>/ca.pem`` (point ``SSL_CERT_FILE`` at it: terraform and tofu honour it on Linux)
and a server certificate for ``127.0.0.1`` and ``localhost`` signed by that CA, then prints
``URL https://127.0.0.1:PORT/`` and ``CA <path>`` on stdout (flushed) and serves until
interrupted. Files without an extension (registry protocol answers) are sent as JSON.
"""
from __future__ import annotations

import argparse
import datetime as dt
import functools
import ipaddress
import signal
import ssl
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def make_ca_and_server_cert(certs: Path) -> tuple[Path, Path, Path]:
    """(ca.pem, server.pem, server-key.pem); the CA key is never written to disk."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Vessel mirror test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=7))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    certs.mkdir(parents=True, exist_ok=True)
    ca_pem, crt_pem, key_pem = certs / "ca.pem", certs / "server.pem", certs / "server-key.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    crt_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.touch(mode=0o600)
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return ca_pem, crt_pem, key_pem


class MirrorHandler(SimpleHTTPRequestHandler):
    def guess_type(self, path):  # registry answers have no extension
        return "application/json" if Path(str(path)).suffix in ("", ".json") else super().guess_type(path)

    def log_message(self, fmt, *args):  # access log on stderr, stdout stays for the URL line
        sys.stderr.write("mirror: " + (fmt % args) + "\n")


def start(root: Path, certs: Path, port: int = 0) -> tuple[ThreadingHTTPServer, str, Path]:
    """Serve in a background thread; returns (server, base URL, CA path). Stop with shutdown()."""
    ca_pem, crt_pem, key_pem = make_ca_and_server_cert(certs)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(crt_pem, key_pem)
    httpd = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(MirrorHandler, directory=str(root)))
    httpd.daemon_threads = True
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, name="mirror-https", daemon=True).start()
    return httpd, f"https://127.0.0.1:{httpd.server_address[1]}/", ca_pem


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, required=True, help="directory to serve (a mirror's network/)")
    ap.add_argument("--certs", type=Path, required=True, help="where ca.pem and the server certificate go")
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: a free one)")
    a = ap.parse_args(argv)
    if not a.root.is_dir():
        print(f"serve: no directory {a.root} (run make mirror first)", file=sys.stderr)
        return 1
    httpd, url, ca = start(a.root, a.certs.resolve(), a.port)
    print(f"URL {url}", flush=True)
    print(f"CA {ca}", flush=True)
    sys.stderr.write(
        f"serve: export SSL_CERT_FILE={ca}\n"
        f"serve: CLI config: provider_installation {{ network_mirror {{ url = \"{url}providers/\" }} }}\n"
        f"serve: or registry source \"localhost:{httpd.server_address[1]}/popsolutions/vessel\" with direct {{}}\n")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    httpd.shutdown()
    httpd.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
