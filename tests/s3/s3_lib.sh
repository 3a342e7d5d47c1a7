# Helpers for tests and benches that need a real S3-compatible server
# (sourced). s3rver (tests/s3/node_modules, from scripts/install-deps.sh
# --test) runs on 127.0.0.1 with its data under a directory the caller owns;
# fixtures go up with an independent client, the AWS CLI.
S3_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
S3RVER="$S3_DIR/node_modules/.bin/s3rver"
S3_PID=""
# s3rver's test account; s3rver checks the key id but not SigV4 signatures.
S3_KEY=S3RVER
S3_SECRET=S3RVER

# The Debian package's aws first: the one on PATH may be another install.
aws_cli() { if [[ -x /usr/bin/aws ]]; then /usr/bin/aws "$@"; else aws "$@"; fi; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# s3_start DATA_DIR BUCKET...: starts s3rver with those buckets, sets
# S3_PORT, S3_ENDPOINT and the AWS_* environment for jobmon and the CLI.
s3_start() {
  local data=$1; shift
  if [[ ! -x "$S3RVER" ]]; then
    echo "s3rver is not installed: run scripts/install-deps.sh --test" >&2
    return 1
  fi
  mkdir -p "$data"
  S3_PORT=$(free_port)
  local args=(-d "$data" -a 127.0.0.1 -p "$S3_PORT" --silent) b
  for b in "$@"; do args+=(--configure-bucket "$b"); done
  # Node 20's OpenSSL 3 needs the legacy provider for s3rver's DES
  # continuation tokens (paginated listings fail without it).
  NODE_OPTIONS=--openssl-legacy-provider "$S3RVER" "${args[@]}" >"$data.log" 2>&1 &
  S3_PID=$!
  local i
  for i in $(seq 1 100); do
    if /usr/bin/python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$S3_PORT),0.2)" 2>/dev/null; then break; fi
    if ! kill -0 "$S3_PID" 2>/dev/null; then echo "s3rver exited:" >&2; cat "$data.log" >&2; return 1; fi
    sleep 0.1
  done
  S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
  export AWS_ACCESS_KEY_ID=$S3_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET AWS_REGION=us-east-1
  export AWS_ENDPOINT_URL=$S3_ENDPOINT AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
}

s3_stop() {
  if [[ -n "$S3_PID" ]]; then kill "$S3_PID" 2>/dev/null || true; wait "$S3_PID" 2>/dev/null || true; S3_PID=""; fi
}

# s3_upload LOCAL_DIR S3_URL: the tree's files, keys relative to LOCAL_DIR.
s3_upload() { aws_cli --endpoint-url "$S3_ENDPOINT" s3 cp --recursive --only-show-errors "$1" "$2"; }

# s3_copy_times_to_local S3_URL LOCAL_DIR: sets each local file's mtime to
# its object's LastModified (as the AWS CLI reports it), and each
# completions/ dir's mtime to its newest marker, so the local copy and the
# bucket describe the same moments and jobmon's answers can match exactly.
s3_copy_times_to_local() {
  local url=$1 dir=$2 bucket prefix
  bucket=${url#s3://}; bucket=${bucket%%/*}
  prefix=${url#s3://$bucket}; prefix=${prefix#/}; prefix=${prefix%/}
  aws_cli --endpoint-url "$S3_ENDPOINT" s3api list-objects-v2 --bucket "$bucket" --prefix "$prefix/" --output json |
    /usr/bin/python3 -c '
import json, os, sys, datetime, collections
prefix, root = sys.argv[1] + "/", sys.argv[2]
newest = collections.defaultdict(float)
for obj in json.load(sys.stdin).get("Contents", []):
    t = datetime.datetime.fromisoformat(obj["LastModified"]).timestamp()
    path = os.path.join(root, obj["Key"][len(prefix):])
    os.utime(path, (t, t))
    parent, name = os.path.split(path)
    if os.path.basename(parent) == "completions" and name.isdigit():
        newest[parent] = max(newest[parent], t)
for d, t in newest.items():
    os.utime(d, (t, t))
' "$prefix" "$dir"
}
