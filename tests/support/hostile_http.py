#!/usr/bin/env python3
"""A hostile HTTP server for tests of the remote clients (S3 and Hub).

Listens on 127.0.0.1 (an OS-chosen port) and prints {"port": N, "sink_port": M}
on its first stdout line. The first path segment after /m/ picks the
behaviour, so a client is pointed at it with an endpoint such as
http://127.0.0.1:N/m/trickle:

  s3-endless     ListObjectsV2 pages of 1000 keys, IsTruncated true forever, a new token each page
  tree-endless   a Hub tree page with one file and a Link rel="next" to the following page, forever
  trickle        200, Content-Length 100000, then 2 bytes a second
  retry-after    429 with Retry-After: 300 (503 + SlowDown XML for S3 paths with list-type)
  nul-header     a status line, then a header line that starts with a NUL byte, then silence
  redirect       302 to the URL in the next path segment (percent-encoded)
  bad-sizes      a Hub tree page whose entries have sizes -5, 1e30, "12", none, and one good
                 shard (the --parquet file, served with Range support under .../resolve/...)

The sink port is a raw TCP listener that records what any client sends it
(a redirect to gopher://127.0.0.1:SINK/ would deliver bytes there).
GET /_control/sink answers {"connections": n, "bytes": b}.
"""
import argparse
import json
import re
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SINK = {"connections": 0, "bytes": 0}
SINK_LOCK = threading.Lock()
PARQUET = {"path": None}


def run_sink(listener):
    while True:
        conn, _ = listener.accept()
        with SINK_LOCK:
            SINK["connections"] += 1
        conn.settimeout(2)
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                with SINK_LOCK:
                    SINK["bytes"] += len(data)
        except OSError:
            pass
        conn.close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body in two writes: no 40 ms delayed-ACK stall per page

    def log_message(self, *args):
        pass

    def send_bytes(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_control/sink":
            with SINK_LOCK:
                body = json.dumps(SINK).encode()
            return self.send_bytes(200, body, [("Content-Type", "application/json")])
        parts = url.path.split("/")
        if len(parts) < 3 or parts[1] != "m":
            return self.send_bytes(404, b"no mode")
        mode = parts[2]
        query = urllib.parse.parse_qs(url.query)
        getattr(self, "mode_" + mode.replace("-", "_"))(parts, query)

    def mode_s3_endless(self, parts, query):
        token = query.get("continuation-token", ["0"])[0]
        n = int(token) + 1 if token.isdigit() else 1
        prefix = query.get("prefix", [""])[0]
        keys = "".join(
            f"<Contents><Key>{prefix}k{n:08d}-{i:04d}</Key><Size>1</Size>"
            f"<LastModified>2024-01-01T00:00:00.000Z</LastModified></Contents>"
            for i in range(1000))
        body = ('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult>'
                f"<Prefix>{prefix}</Prefix><KeyCount>1000</KeyCount><MaxKeys>1000</MaxKeys>"
                f"<IsTruncated>true</IsTruncated><NextContinuationToken>{n}</NextContinuationToken>"
                f"{keys}</ListBucketResult>").encode()
        self.send_bytes(200, body, [("Content-Type", "application/xml")])

    def mode_tree_endless(self, parts, query):
        page = int(query.get("page", ["0"])[0])
        base = urllib.parse.urlsplit(self.path).path
        host = self.headers.get("Host")
        body = json.dumps([{"type": "file", "path": f"data/f{page}.parquet", "oid": f"o{page}", "size": 100}])
        self.send_bytes(200, body.encode(), [("Content-Type", "application/json"),
                                              ("Link", f'<http://{host}{base}?recursive=true&page={page + 1}>; rel="next"')])

    def mode_trickle(self, parts, query):
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        try:
            for _ in range(100000):
                self.wfile.write(b"[]")
                self.wfile.flush()
                time.sleep(1)
        except OSError:
            pass
        self.close_connection = True

    def mode_retry_after(self, parts, query):
        if "list-type" in query:
            body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            return self.send_bytes(503, body, [("Retry-After", "300")])
        self.send_bytes(429, b'{"error":"rate limited"}', [("Retry-After", "300")])

    def mode_nul_header(self, parts, query):
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\x00X-Evil: 1\r\n")
            self.wfile.flush()
            time.sleep(600)
        except OSError:
            pass
        self.close_connection = True

    def mode_redirect(self, parts, query):
        target = urllib.parse.unquote(parts[3])
        self.send_bytes(302, b"", [("Location", target)])

    def mode_bad_sizes(self, parts, query):
        path = urllib.parse.unquote("/".join(parts[3:]))
        data = open(PARQUET["path"], "rb").read()
        if "/tree/" in path:
            entries = [
                {"type": "file", "path": "data/negative.parquet", "oid": "a", "size": -5},
                {"type": "file", "path": "data/huge.parquet", "oid": "b", "size": 1e30},
                {"type": "file", "path": "data/string.parquet", "oid": "c", "size": "12"},
                {"type": "file", "path": "data/none.parquet", "oid": "d"},
                {"type": "file", "path": "data/lfs.parquet", "oid": "e", "size": 10, "lfs": {"size": 1.5}},
                {"type": "file", "path": "data/good.parquet", "oid": "f", "size": len(data)},
            ]
            return self.send_bytes(200, json.dumps(entries).encode(), [("Content-Type", "application/json")])
        if "/resolve/" in path and path.endswith("good.parquet"):
            m = re.match(r"bytes=(\d+)-(\d+)", self.headers.get("Range", ""))
            if m:
                first, last = int(m.group(1)), int(m.group(2))
                return self.send_bytes(206, data[first:last + 1])
            return self.send_bytes(200, data)
        if "/revision/" in path:
            return self.send_bytes(200, b'{"sha":"0123"}', [("Content-Type", "application/json")])
        self.send_bytes(404, b'{"error":"not found"}', [("X-Error-Code", "EntryNotFound")])


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up on a hostile answer are the point


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--parquet", default=None, help="the good shard of the bad-sizes listing")
    args = parser.parse_args()
    PARQUET["path"] = args.parquet
    sink = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sink.bind(("127.0.0.1", 0))
    sink.listen(16)
    threading.Thread(target=run_sink, args=(sink,), daemon=True).start()
    server = Server(("127.0.0.1", 0), Handler)
    print(json.dumps({"port": server.server_address[1], "sink_port": sink.getsockname()[1]}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
