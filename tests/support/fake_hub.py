#!/usr/bin/python3
"""A small fake Hugging Face Hub for jobmon's tests (Python 3 stdlib only).

Serves dataset repos from a directory (ROOT/<org>/<name>/...) on two ports of
127.0.0.1: the Hub API (tree listing with Link pagination, revision, raw,
resolve -> 302 to the second port, NDJSON commit, datasets-server /size) and
a "CDN" port that answers Range reads. Faults can be injected and every
request is logged through /_control endpoints. Revisions: "main" (and the
current sha) is ROOT/<org>/<name>; another revision R (refs/convert/parquet)
is ROOT/_revisions/<R, %-quoted>/<org>/<name> with a sha of its own; and
/_control/after_tree makes the branch move right after a listing (the old
commit frozen under its sha, so reads at that sha still see it). Prints one JSON line with the
ports on stdout once listening (both bound to port 0: the OS picks).
"""
import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {
    "faults": [],      # {"method","match","status","count","headers","body","port"}
    "log": [],         # {"port","method","path","auth","range"}
    "shas": {},        # repo -> current commit sha
    "commits": 0,
    "snapshots": {},   # listing snapshot id -> entries
    "next_snapshot": 0,
    "oids": {},        # (path, size, mtime_ns) -> oid
    "ignore_range": False,  # CDN answers 200 with the whole body, as some servers do
    "cdn_delay": 0.0,  # seconds each CDN answer waits (to observe concurrency)
    "cdn_active": 0,
    "cdn_max_active": 0,
    "revdirs": {},     # (repo, revision or sha) -> directory holding that revision
    "after_tree": {},  # repo -> {"copy": {path: source file}, "remove": [path]} applied after its next listing
}
ARGS = None


def git_oid(path, size, mtime_ns):
    key = (path, size, mtime_ns)
    with LOCK:
        if key in STATE["oids"]:
            return STATE["oids"][key]
    h = hashlib.sha1(b"blob %d\0" % size)
    with open(path, "rb") as f:
        h.update(f.read())
    oid = h.hexdigest()
    with LOCK:
        STATE["oids"][key] = oid
    return oid


def repo_sha(repo):
    with LOCK:
        if repo not in STATE["shas"]:
            STATE["shas"][repo] = hashlib.sha1(("initial " + repo).encode()).hexdigest()
        return STATE["shas"][repo]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeHub/1.0"
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def log_message(self, fmt, *args):  # quiet
        pass

    # --- plumbing -------------------------------------------------------
    def send(self, status, body=b"", headers=None, content_type="application/json"):
        if isinstance(body, str):
            body = body.encode()
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message):
        self.send(status, {"error": message}, {"X-Error-Code": code, "X-Error-Message": message})

    def port_name(self):
        return "cdn" if self.server.server_address[1] == ARGS.cdn_port_actual else "hub"

    def record(self):
        auth = self.headers.get("Authorization")
        entry = {"port": self.port_name(), "method": self.command, "path": self.path,
                 "auth": auth is not None, "range": self.headers.get("Range")}
        if auth is not None and ARGS.token and auth != "Bearer " + ARGS.token:
            entry["bad_auth"] = True
        if ARGS.token and (ARGS.token in self.path or any(ARGS.token in v for v in self.headers.values()
                                                         if v != "Bearer " + ARGS.token)):
            entry["token_leak"] = True
        if ARGS.token and entry["port"] == "cdn" and auth is not None:
            entry["token_leak"] = True
        if self.command == "POST" and "/commit/" in self.path:
            try:
                for line in self.body.decode().splitlines():
                    d = json.loads(line) if line.strip() else {}
                    if d.get("key") == "header":
                        entry["parent_commit"] = d["value"].get("parentCommit")
            except (ValueError, AttributeError):
                pass
        with LOCK:
            STATE["log"].append(entry)

    def fault(self):
        with LOCK:
            for f in STATE["faults"]:
                if f["count"] == 0:
                    continue
                if f.get("method") and f["method"] != self.command:
                    continue
                if f.get("port") and f["port"] != self.port_name():
                    continue
                if not re.search(f["match"], self.path):
                    continue
                f["count"] -= 1
                return f
        return None

    def authorized(self):
        if not ARGS.token:
            return True
        return self.headers.get("Authorization") == "Bearer " + ARGS.token

    # --- dispatch -------------------------------------------------------
    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/_control/"):
            return self.control(url)
        self.record()
        f = self.fault()
        if f:
            return self.send(f["status"], f.get("body", ""), f.get("headers", {}))
        if self.port_name() == "cdn":
            with LOCK:
                STATE["cdn_active"] += 1
                STATE["cdn_max_active"] = max(STATE["cdn_max_active"], STATE["cdn_active"])
                delay = STATE["cdn_delay"]
            try:
                if delay:
                    time.sleep(delay)
                return self.cdn(url)
            finally:
                with LOCK:
                    STATE["cdn_active"] -= 1
        if ARGS.token and not self.authorized() and not url.path.startswith("/size"):
            return self.error(401, "Unauthorized", "Invalid credentials in Authorization header")
        m = re.match(r"^/api/datasets/([^/]+)/([^/]+)/tree/([^/]+)(?:/(.*))?$", url.path)
        if m and self.command == "GET":
            return self.tree(m, url)
        m = re.match(r"^/api/datasets/([^/]+)/([^/]+)/revision/([^/]+)$", url.path)
        if m and self.command == "GET":
            return self.revision(m)
        m = re.match(r"^/api/datasets/([^/]+)/([^/]+)/commit/([^/]+)$", url.path)
        if m and self.command == "POST":
            return self.commit(m)
        m = re.match(r"^/datasets/([^/]+)/([^/]+)/(raw|resolve)/([^/]+)/(.+)$", url.path)
        if m and self.command == "GET":
            return self.file(m)
        if url.path == "/size":
            return self.size(url)
        return self.error(404, "NotFound", "no such endpoint: " + url.path)

    def repo_dir(self, org, name, revision="main"):
        repo_id = urllib.parse.unquote(org) + "/" + urllib.parse.unquote(name)
        rev = urllib.parse.unquote(revision)
        with LOCK:
            d = STATE["revdirs"].get((repo_id, rev))
        if d is None:
            d = named_revision_dir(repo_id, rev)
        if d is None or not os.path.isdir(d):
            d = os.path.join(ARGS.root, urllib.parse.unquote(org), urllib.parse.unquote(name))
        return d if os.path.isdir(d) else None

    def tree(self, m, url):
        repo = self.repo_dir(m.group(1), m.group(2), m.group(3))
        if not repo:
            return self.error(404, "RepoNotFound", "Repository not found")
        sub = urllib.parse.unquote(m.group(4) or "").strip("/")
        query = urllib.parse.parse_qs(url.query)
        cursor = query.get("cursor", [None])[0]
        if cursor is None:
            base = os.path.join(repo, sub)
            if sub and not os.path.isdir(base):
                return self.error(404, "EntryNotFound", "%s does not exist on \"main\"" % sub)
            entries = []
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames.sort()
                for d in dirnames:
                    rel = os.path.relpath(os.path.join(dirpath, d), repo)
                    entries.append({"type": "directory", "oid": hashlib.sha1(rel.encode()).hexdigest(),
                                    "size": 0, "path": rel})
                for fn in sorted(filenames):
                    full = os.path.join(dirpath, fn)
                    st = os.stat(full)
                    rel = os.path.relpath(full, repo)
                    oid = git_oid(full, st.st_size, st.st_mtime_ns)
                    e = {"type": "file", "oid": oid, "size": st.st_size, "path": rel}
                    if fn.endswith(".parquet"):
                        e["lfs"] = {"oid": hashlib.sha256(oid.encode()).hexdigest(), "size": st.st_size,
                                    "pointerSize": 134}
                    entries.append(e)
            with LOCK:
                snap = STATE["next_snapshot"]
                STATE["next_snapshot"] += 1
                STATE["snapshots"][snap] = entries
            start = 0
            move_after_listing(urllib.parse.unquote(m.group(1)) + "/" + urllib.parse.unquote(m.group(2)))
        else:
            snap, start = (int(x) for x in cursor.split(":"))
            with LOCK:
                entries = STATE["snapshots"].get(snap)
            if entries is None:
                return self.error(400, "BadCursor", "unknown cursor")
        page = entries[start:start + ARGS.page_size]
        headers = {}
        if start + ARGS.page_size < len(entries):
            q = {"recursive": "true", "cursor": "%d:%d" % (snap, start + ARGS.page_size)}
            next_url = "http://127.0.0.1:%d%s?%s" % (ARGS.hub_port_actual, url.path, urllib.parse.urlencode(q))
            headers["Link"] = '<%s>; rel="next"' % next_url
        return self.send(200, page, headers)

    def revision(self, m):
        repo = self.repo_dir(m.group(1), m.group(2))
        if not repo:
            return self.error(404, "RepoNotFound", "Repository not found")
        repo_id = m.group(1) + "/" + m.group(2)
        rev = urllib.parse.unquote(m.group(3))
        named = named_revision_dir(repo_id, rev)
        if named:
            sha = hashlib.sha1(("revision %s %s" % (rev, repo_id)).encode()).hexdigest()
            with LOCK:
                STATE["revdirs"][(repo_id, sha)] = named
            return self.send(200, {"id": repo_id, "sha": sha})
        if rev.startswith("refs/"):
            return self.error(404, "RevisionNotFound", "Invalid rev id: " + rev)
        return self.send(200, {"id": repo_id, "sha": repo_sha(repo_id)})

    def file(self, m):
        repo = self.repo_dir(m.group(1), m.group(2), m.group(4))
        if not repo:
            return self.error(404, "RepoNotFound", "Repository not found")
        rel = urllib.parse.unquote(m.group(5))
        full = os.path.join(repo, rel)
        if not os.path.isfile(full):
            return self.error(404, "EntryNotFound", "Entry not found")
        if m.group(3) == "raw":
            with open(full, "rb") as f:
                return self.send(200, f.read(), content_type="text/plain; charset=utf-8")
        target = "http://127.0.0.1:%d/blob/%s/%s/%s/%s?sig=abc" % (
            ARGS.cdn_port_actual, m.group(1), m.group(2), urllib.parse.quote(urllib.parse.unquote(m.group(4)), safe=""),
            urllib.parse.quote(rel))
        return self.send(302, b"", {"Location": target})

    def cdn(self, url):
        m = re.match(r"^/blob/([^/]+)/([^/]+)/([^/]+)/(.+)$", url.path)
        repo = m and self.repo_dir(m.group(1), m.group(2), m.group(3))
        if not repo:
            return self.send(404, b"no such blob", content_type="text/plain")
        full = os.path.join(repo, urllib.parse.unquote(m.group(4)))
        if not os.path.isfile(full):
            return self.send(404, b"no such blob", content_type="text/plain")
        with open(full, "rb") as f:
            data = f.read()
        rng = self.headers.get("Range")
        with LOCK:
            ignore = STATE["ignore_range"]
        if not rng or ignore:
            return self.send(200, data, content_type="application/octet-stream")
        mm = re.match(r"^bytes=(\d+)-(\d+)$", rng)
        if not mm:  # suffix or open ranges are refused on purpose: use explicit ranges
            return self.send(416, b"explicit ranges only", content_type="text/plain")
        a, b = int(mm.group(1)), int(mm.group(2))
        if a >= len(data):
            return self.send(416, b"range not satisfiable", {"Content-Range": "bytes */%d" % len(data)},
                             content_type="text/plain")
        b = min(b, len(data) - 1)
        return self.send(206, data[a:b + 1], {"Content-Range": "bytes %d-%d/%d" % (a, b, len(data))},
                         content_type="application/octet-stream")

    def commit(self, m):
        repo_id = m.group(1) + "/" + m.group(2)
        repo = self.repo_dir(m.group(1), m.group(2))
        if not repo:
            return self.error(404, "RepoNotFound", "Repository not found")
        if self.headers.get("Content-Type") != "application/x-ndjson":
            return self.error(400, "BadRequest", "expected application/x-ndjson")
        lines = [json.loads(l) for l in self.body.decode().splitlines() if l.strip()]
        header = [l for l in lines if l.get("key") == "header"]
        files = [l for l in lines if l.get("key") == "file"]
        if len(header) != 1 or not files:
            return self.error(400, "BadRequest", "header and file lines expected")
        parent = header[0]["value"].get("parentCommit")
        if parent and parent != repo_sha(repo_id):
            return self.error(412, "PreconditionFailed", "A commit has happened since. Please refresh and try again.")
        for f in files:
            v = f["value"]
            if v.get("encoding") != "base64":
                return self.error(400, "BadRequest", "base64 expected")
            path = os.path.join(repo, v["path"])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as out:
                out.write(base64.b64decode(v["content"]))
        with LOCK:
            STATE["commits"] += 1
            sha = hashlib.sha1(("commit %d %s" % (STATE["commits"], repo_id)).encode()).hexdigest()
            STATE["shas"][repo_id] = sha
        return self.send(200, {"success": True, "commitOid": sha,
                               "commitUrl": "http://127.0.0.1/datasets/%s/commit/%s" % (repo_id, sha)})

    def size(self, url):
        q = urllib.parse.parse_qs(url.query)
        dataset = q.get("dataset", [""])[0]
        path = os.path.join(ARGS.root, "_size", dataset.replace("/", "__") + ".json")
        if not os.path.isfile(path):
            return self.error(404, "DatasetNotFound", "dataset not found")
        with open(path, "rb") as f:
            return self.send(200, f.read())

    # --- control --------------------------------------------------------
    def control(self, url):
        what = url.path[len("/_control/"):]
        if what == "fault" and self.command == "POST":
            with LOCK:
                STATE["faults"].append(json.loads(self.body))
            return self.send(200, {"ok": True})
        if what == "log":
            with LOCK:
                return self.send(200, STATE["log"])
        if what == "stats":
            with LOCK:
                return self.send(200, {"cdn_max_active": STATE["cdn_max_active"], "commits": STATE["commits"]})
        if what == "delay" and self.command == "POST":
            with LOCK:
                STATE["cdn_delay"] = float(json.loads(self.body)["seconds"])
                STATE["cdn_max_active"] = 0
            return self.send(200, {"ok": True})
        if what == "ignore_range" and self.command == "POST":
            with LOCK:
                STATE["ignore_range"] = bool(json.loads(self.body)["on"])
            return self.send(200, {"ok": True})
        if what == "after_tree" and self.command == "POST":
            spec = json.loads(self.body)
            with LOCK:
                STATE["after_tree"][spec["repo"]] = spec
            return self.send(200, {"ok": True})
        if what == "reset":
            with LOCK:
                STATE["faults"].clear()
                STATE["log"].clear()
            return self.send(200, {"ok": True})
        if what == "move":  # someone else commits: the branch moves
            repo_id = urllib.parse.parse_qs(url.query)["repo"][0]
            with LOCK:
                STATE["commits"] += 1
                STATE["shas"][repo_id] = hashlib.sha1(("moved %d" % STATE["commits"]).encode()).hexdigest()
            return self.send(200, {"ok": True})
        return self.send(404, {"error": "unknown control"})


def named_revision_dir(repo_id, rev):
    """ROOT/_revisions/<rev>/<repo> when such a revision exists (refs/convert/parquet)."""
    d = os.path.join(ARGS.root, "_revisions", urllib.parse.quote(rev, safe=""), repo_id)
    return d if os.path.isdir(d) else None


def move_after_listing(repo_id):
    """Someone pushes right after a listing: the commit listed is frozen under
    its sha (reads at that sha still see it), then files change and the branch moves."""
    with LOCK:
        spec = STATE["after_tree"].pop(repo_id, None)
    if not spec:
        return
    live = os.path.join(ARGS.root, repo_id)
    old_sha = repo_sha(repo_id)
    frozen = os.path.join(ARGS.root, "_frozen", old_sha, repo_id)
    shutil.copytree(live, frozen, copy_function=shutil.copy2)
    for path, source in spec.get("copy", {}).items():
        shutil.copyfile(source, os.path.join(live, path))
    for path in spec.get("remove", []):
        os.remove(os.path.join(live, path))
    with LOCK:
        STATE["revdirs"][(repo_id, old_sha)] = frozen
        STATE["commits"] += 1
        STATE["shas"][repo_id] = hashlib.sha1(("pushed %d" % STATE["commits"]).encode()).hexdigest()


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--token", default="")
    p.add_argument("--page-size", type=int, default=1000)
    ARGS = p.parse_args()
    hub = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    cdn = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hub.daemon_threads = cdn.daemon_threads = True
    ARGS.hub_port_actual = hub.server_address[1]
    ARGS.cdn_port_actual = cdn.server_address[1]
    threading.Thread(target=cdn.serve_forever, daemon=True).start()
    print(json.dumps({"port": ARGS.hub_port_actual, "cdn_port": ARGS.cdn_port_actual}), flush=True)
    try:
        hub.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
