#!/usr/bin/env bash
# Makes sure a Redis answers at REDIS_URL (default redis://127.0.0.1:6379) before the tests:
# 1. PING it (redis-cli, else node + ioredis); 2. if nothing answers, start `redis-server
# --daemonize yes` on that port (installing redis-server with apt-get when the binary is
# missing and apt-get is usable); 3. exit non-zero with a clear message otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

url="${REDIS_URL:-redis://127.0.0.1:6379}"
hostport="${url#*://}"
hostport="${hostport##*@}"
hostport="${hostport%%/*}"
host="${hostport%%:*}"
port="${hostport##*:}"
[ "$port" = "$hostport" ] && port=6379

ping_redis() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(timeout 3 redis-cli -u "$url" ping 2>/dev/null)" = "PONG" ]
  else
    REDIS_URL="$url" node -e "
      const { Redis } = require('ioredis');
      const c = new Redis(process.env.REDIS_URL, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
      c.on('error', () => {});
      c.connect().then(() => c.ping()).then((r) => { c.disconnect(); process.exit(r === 'PONG' ? 0 : 1); }, () => { c.disconnect(); process.exit(1); });
    " >/dev/null 2>&1
  fi
}

wait_for_redis() {
  for _ in $(seq 1 50); do
    ping_redis && return 0
    sleep 0.1
  done
  return 1
}

if ping_redis; then
  echo "ensure-redis: Redis answers at ${host}:${port}"
  exit 0
fi

case "$host" in
  127.0.0.1|localhost|::1) ;;
  *) echo "ensure-redis: no Redis answers at ${host}:${port} (REDIS_URL) and it is not local, so it cannot be started here" >&2; exit 1 ;;
esac

if ! command -v redis-server >/dev/null 2>&1; then
  echo "ensure-redis: redis-server not found; installing it with apt-get"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
  if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null || true
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "ensure-redis: no Redis at ${host}:${port} and redis-server could not be installed. Install it (apt-get install redis-server, brew install redis) or run one (docker run -p ${port}:6379 redis:7), or set REDIS_URL." >&2
    exit 1
  fi
fi

echo "ensure-redis: starting redis-server on ${host}:${port}"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >/dev/null
if wait_for_redis; then
  echo "ensure-redis: Redis answers at ${host}:${port}"
  exit 0
fi
echo "ensure-redis: started redis-server on port ${port} but it does not answer PING within 5 s" >&2
exit 1
