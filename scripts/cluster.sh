#!/usr/bin/env bash
# A real local cluster on loopback (docs/CLUSTER.md): the local PostgreSQL
# server, NATS with JetStream, an S3 server (versitygw over a directory),
# 2 api nodes and 3 recorders, each a `vigilo serve` process. Prints the URLs
# and stops everything on Ctrl-C. State lives in $CLUSTER_DIR (default
# ./data-cluster); run it again to resume, delete the directory to start over.
set -euo pipefail
cd "$(dirname "$0")/.."

NATS_VERSION=v2.15.2
VERSITYGW_VERSION=v1.8.0
CLUSTER_DIR=${CLUSTER_DIR:-./data-cluster}
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
DB=${CLUSTER_DB:-vigilo_cluster}
ADMIN_EMAIL=${VIGILO_ADMIN_EMAIL:-admin@cluster.test}
ADMIN_PASSWORD=${VIGILO_ADMIN_PASSWORD:-cluster-admin-1}
NATS_PORT=${NATS_PORT:-14222}
S3_PORT=${S3_PORT:-19000}
GOBIN_DIR=$(go env GOPATH)/bin
for port in "$NATS_PORT" "$S3_PORT" 8080 8081 8091 8092 8093; do
  if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port on 127.0.0.1 is taken (NATS_PORT and S3_PORT move NATS and S3)"; exit 1
  fi
done

need() { # need NAME MODULE@VERSION: install a server at an exact version
  local bin=$GOBIN_DIR/$1
  if [ ! -x "$bin" ] || ! grep -q "mod[[:space:]].*[[:space:]]${2##*@}" <<<"$(go version -m "$bin" 2>/dev/null)"; then
    echo "installing $2"
    go install "$2"
  fi
}
need nats-server "github.com/nats-io/nats-server/v2@$NATS_VERSION"
need versitygw "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"

mkdir -p "$CLUSTER_DIR"/{nats,s3/video,logs}
echo "building bin/vigilo"
go build -o bin/vigilo ./cmd/vigilo

pg_isready -q -h 127.0.0.1 || { echo "PostgreSQL is not running on 127.0.0.1:5432"; exit 1; }
psql -q "$PG_ADMIN" -tc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
  psql -q "$PG_ADMIN" -c "CREATE DATABASE $DB"
DB_URL="postgres://postgres@127.0.0.1:5432/$DB?sslmode=disable"

pids=()
cleanup() {
  echo "stopping the cluster"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$GOBIN_DIR/nats-server" -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$CLUSTER_DIR/nats" >"$CLUSTER_DIR/logs/nats.log" 2>&1 &
pids+=($!)
"$GOBIN_DIR/versitygw" --access cluster --secret cluster-secret-key --region us-east-1 --port 127.0.0.1:"$S3_PORT" \
  posix "$CLUSTER_DIR/s3" >"$CLUSTER_DIR/logs/s3.log" 2>&1 &
pids+=($!)
sleep 1

# Every node gets the same camera credentials key file (made once; an older
# cluster directory's first node's key is kept).
KEY_FILE=$CLUSTER_DIR/secret.key
[ -f "$KEY_FILE" ] || [ ! -f "$CLUSTER_DIR/api-1/secret.key" ] || cp "$CLUSTER_DIR/api-1/secret.key" "$KEY_FILE"
[ -f "$KEY_FILE" ] || (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$KEY_FILE" && echo >>"$KEY_FILE")

common=(VIGILO_DB_URL="$DB_URL" VIGILO_SECRET_KEY_FILE="$KEY_FILE" VIGILO_NATS_URL=nats://127.0.0.1:"$NATS_PORT"
  VIGILO_S3_ENDPOINT=http://127.0.0.1:"$S3_PORT" VIGILO_S3_BUCKET=video VIGILO_S3_ACCESS_KEY_ID=cluster
  VIGILO_S3_SECRET_ACCESS_KEY=cluster-secret-key VIGILO_WEBRTC_UDP_PORT=0
  VIGILO_CAMERA_ALLOW="${VIGILO_CAMERA_ALLOW-127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16}")

start() { # start ID ROLES PORT
  local dir=$CLUSTER_DIR/$1
  mkdir -p "$dir"
  env "${common[@]}" VIGILO_NODE_ID="$1" VIGILO_ROLES="$2" VIGILO_HTTP_ADDR=127.0.0.1:"$3" VIGILO_DATA_DIR="$dir" \
    VIGILO_ADMIN_EMAIL="$ADMIN_EMAIL" VIGILO_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    ./bin/vigilo serve >"$CLUSTER_DIR/logs/$1.log" 2>&1 &
  pids+=($!)
}
start api-1 api 8080
for _ in $(seq 50); do curl -fs http://127.0.0.1:8080/healthz >/dev/null && break; sleep 0.2; done
start api-2 api 8081
start rec-1 recorder 8091
start rec-2 recorder 8092
start rec-3 recorder 8093

cat <<MSG

Vigilo cluster on loopback (logs in $CLUSTER_DIR/logs):
  api nodes:  http://localhost:8080  http://localhost:8081   (sign in as $ADMIN_EMAIL / $ADMIN_PASSWORD)
  recorders:  rec-1 :8091  rec-2 :8092  rec-3 :8093
  nodes:      curl -H "Authorization: Bearer <token>" http://localhost:8080/api/v1/cluster/nodes
  NATS nats://127.0.0.1:$NATS_PORT · S3 http://127.0.0.1:$S3_PORT (bucket video) · PostgreSQL database $DB
Ctrl-C stops everything.
MSG
wait
