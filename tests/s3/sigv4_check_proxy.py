#!/usr/bin/python3
"""HTTP proxy that checks every request's SigV4 signature, then forwards it.

s3rver accepts any signature, so this proxy is what proves jobmon's requests
are signed the way S3 checks them: it recomputes each signature with
botocore's S3 signer (vendored in Debian's awscli package), from the request
as the server sees it (query parameters decoded, then canonically encoded).
A mismatch is answered like S3 does (403 SignatureDoesNotMatch) and logged.

With FAIL_EVERY = n > 0, every n-th request is answered 503 SlowDown instead
(logged as "slowdown ..."), as a throttling bucket would: clients must retry.

usage: sigv4_check_proxy.py LISTEN_PORT UPSTREAM_PORT SECRET_KEY LOG_FILE [FAIL_EVERY]
Each checked request appends "ok METHOD TARGET" or "bad METHOD TARGET" to LOG_FILE.
"""
import http.client
import http.server
import sys
import threading
from urllib.parse import unquote

sys.path.insert(0, "/usr/lib/python3/dist-packages/awscli")  # Debian's awscli vendors botocore
from botocore.auth import S3SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

LISTEN, UPSTREAM, SECRET, LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
FAIL_EVERY = int(sys.argv[5]) if len(sys.argv) > 5 else 0
log_lock = threading.Lock()
seen = [0]
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


def expected_signature(method, target, headers):
    auth = headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return None, None
    fields = dict(part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    key, date, region, service, _ = fields["Credential"].split("/")
    signed = fields["SignedHeaders"].split(";")
    path, _, query = target.partition("?")
    params = {}
    for pair in filter(None, query.split("&")):
        k, _, v = pair.partition("=")
        params[unquote(k)] = unquote(v)
    lower = {k.lower(): v for k, v in headers.items()}
    request = AWSRequest(method=method, url="http://" + lower["host"] + path, params=params,
                         headers={h: lower[h] for h in signed})
    request.context["timestamp"] = lower["x-amz-date"]
    signer = S3SigV4Auth(Credentials(key, SECRET), service, region)
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request), fields["Signature"]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, code, message):
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>"
                f"<Message>{message}</Message></Error>").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        with log_lock:
            seen[0] += 1
            throttle = FAIL_EVERY > 0 and seen[0] % FAIL_EVERY == 0
            if throttle:
                with open(LOG, "a") as f:
                    f.write(f"slowdown {self.command} {self.path}\n")
        if throttle:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.reply(503, "SlowDown", "Please reduce your request rate.")
            return
        want, got = expected_signature(self.command, self.path, self.headers)
        ok = want is not None and want == got
        with log_lock, open(LOG, "a") as f:
            f.write(f"{'ok' if ok else 'bad'} {self.command} {self.path}\n")
        if not ok:
            self.reply(403, "SignatureDoesNotMatch",
                       "The request signature we calculated does not match the signature you provided.")
            return
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=60)
        upstream.request(self.command, self.path, body=payload,
                         headers={k: v for k, v in self.headers.items() if k.lower() not in HOP})
        response = upstream.getresponse()
        data = response.read()
        self.send_response(response.status)
        for k, v in response.getheaders():
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", response.getheader("Content-Length", str(len(data))) if self.command == "HEAD" else str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()

    do_GET = do_HEAD = do_PUT = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", LISTEN), Handler)
print("ready", flush=True)
server.serve_forever()
