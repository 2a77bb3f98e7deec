#!/usr/bin/env bash
# ./mesh up / status / down end to end, as a user runs them, on the e2e profile: its own ports and
# state, so it never touches a mesh started with a plain ./mesh up. Run by ./mesh test.
set -uo pipefail
cd "$(dirname "$0")/../../../.."

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
finish() {
  ./mesh down --profile e2e >/dev/null 2>&1 || true
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
trap finish EXIT

E2E_GATEWAY=3080
rm -rf .mesh/e2e

# Traces on, to a collector that is not there: the services must start and serve all the same.
up_out=$(./mesh up --profile e2e --scale profile-service=2 --otlp http://127.0.0.1:14318 2>&1)
up_rc=$?
echo "$up_out"
check "up exits 0" [ "$up_rc" -eq 0 ]
[ "$up_rc" -eq 0 ] || exit 1
check "up says where traces go" grep -q "Traces go to http://127.0.0.1:14318" <<<"$up_out"
check "up prints the gateway's URL" grep -q "api-gateway .*http://localhost:$E2E_GATEWAY" <<<"$up_out"
check "up prints an example request" grep -q "curl -s http://localhost:$((E2E_GATEWAY + 500))/q/health/ready" <<<"$up_out"

status_out=$(./mesh status --profile e2e)
status_rc=$?
echo "$status_out"
check "status exits 0 while everything is up" [ "$status_rc" -eq 0 ]
for name in redis postgres-0 postgres-0-replica postgres-1 postgres-1-replica kafka api-gateway-0 profile-service-0 profile-service-1 \
            task-service-0 notification-service-0 analytics-service-0 billing-service-0; do
  check "status shows $name up with a pid and memory" \
    grep -Eq "^$name +up +[0-9]+ +[0-9]+ +[0-9]+$" <<<"$status_out"
done
check "status sums the whole mesh" grep -Eq '^total +up +[0-9]+$' <<<"$status_out"

# Health and metrics are on each instance's management port (its port + 500), not its API port.
for port in 3080 3081 3091 3082 3083 3084 3085; do
  check "instance on port $port answers ready on port $((port + 500))" \
    bash -c "curl -sf http://127.0.0.1:$((port + 500))/q/health/ready | grep -q '\"status\": *\"UP\"'"
  check "instance on port $port has no /q/metrics on its API port" \
    bash -c "test \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/q/metrics)\" = 404"
done

# The README's flow, as a user pastes it (on the e2e profile's ports).
TOKEN=$(./mesh token alice --profile e2e)
check "token prints a JWT" grep -Eq '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' <<<"$TOKEN"
action_out=$(curl -s -X POST http://localhost:$E2E_GATEWAY/api/v1/actions \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"type": "purchase", "attributes": {"sku": "book-42"}}')
check "an action is accepted with its event id" grep -q '"eventId"' <<<"$action_out"
batch_out=$(curl -s -X POST "http://localhost:$E2E_GATEWAY/api/v1/actions:batch" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"actions": [{"type": "signup"}, {"type": "export"}]}')
check "a batch is accepted" grep -q '"eventIds"' <<<"$batch_out"
settled() {
  curl -s http://localhost:$E2E_GATEWAY/api/v1/billing/invoice -H "Authorization: Bearer $TOKEN" | grep -q '"totalMinor":124' &&
  curl -s http://localhost:$E2E_GATEWAY/api/v1/notifications -H "Authorization: Bearer $TOKEN" | grep -q 'Welcome to scalemesh'
}
for _ in $(seq 1 60); do settled && break; sleep 0.5; done
check "the invoice charges the purchase and the export (0.99 + 0.25)" settled
summary_out=$(curl -s http://localhost:$E2E_GATEWAY/api/v1/analytics/summary -H "Authorization: Bearer $(./mesh token ops --admin --profile e2e)")
check "analytics counts the actions" grep -q '"action.purchase":1' <<<"$summary_out"
# The side door of issue 19: straight to a backend, claiming to be an admin.
check "a backend refuses forged identity headers" bash -c "curl -s -o /dev/null -w '%{http_code}' \
  http://127.0.0.1:3084/api/v1/analytics/summary -H 'X-Mesh-User: eve' -H 'X-Mesh-Roles: admin' | grep -qx 401"
keys=$(mktemp -d)/identity
./mesh identity-keys "$keys" >/dev/null
check "identity-keys writes both signing keys and the JWKS files" bash -c "[ -s '$keys/api-gateway.pem' ] && \
  [ -s '$keys/task-service.pem' ] && grep -q '\"kid\":\"task-service\"' '$keys/gateway-and-tasks.jwks.json' && \
  ! grep -q task-service '$keys/gateway.jwks.json'"
bad_out=$(curl -s -i -X POST http://localhost:$E2E_GATEWAY/api/v1/actions -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' -d '{"type": "teleport"}')
check "a bad action is a 400 problem+json" bash -c "grep -q 'HTTP/1.1 400' <<<'$bad_out' && grep -qi 'content-type: application/problem+json' <<<'$bad_out'"

pids_before=$(grep -E ' up ' <<<"$status_out" | awk '{print $1, $4}')
again_out=$(./mesh up --profile e2e --scale profile-service=2 2>&1)
check "a second up starts nothing twice" grep -q "api-gateway-0 already running" <<<"$again_out"
pids_after=$(./mesh status --profile e2e | grep -E ' up ' | awk '{print $1, $4}')
check "a second up leaves every pid as it was" [ "$pids_before" = "$pids_after" ]

check "a bad --otlp is a clear error" bash -c "./mesh up --profile e2e --otlp not-a-url 2>&1 | grep -q \"takes a collector's URL\""
check "a bad --scale is a clear error" bash -c "./mesh up --profile e2e --scale nosuch=2 2>&1 | grep -q \"unknown service 'nosuch'\""

down_out=$(./mesh down --profile e2e 2>&1)
echo "$down_out"
check "down exits 0" grep -q "Stopped." <<<"$down_out"
after_out=$(./mesh status --profile e2e)
after_rc=$?
check "after down nothing is up" bash -c "! grep -q ' up ' <<<'$after_out'"
check "status exits 1 when pieces are down" [ "$after_rc" -eq 1 ]
check "after down the gateway port is closed" bash -c "! curl -s -o /dev/null http://127.0.0.1:$E2E_GATEWAY/api/v1/actions"

# Help, version and usage errors: at once, without a build, and without a stack trace.
usage_error() { [ "$1" -eq 2 ] && grep -q "$2" <<<"$3" && ! grep -q 'Exception' <<<"$3"; }
help_out=$(./mesh up --help 2>&1)
check "up --help prints up's usage" grep -q "^  up \[--scale SERVICE=N\]" <<<"$help_out"
check "up --help prints no other command" test -z "$(grep '^  down' <<<"$help_out")"
check "help chaos prints chaos's usage" grep -q '^  chaos ' <<<"$(./mesh help chaos)"
check "--version names the project's version" grep -Eq '^scalemesh [0-9]+\.[0-9]+' <<<"$(./mesh --version)"
load_out=$(./mesh load --rate fast 2>&1); load_rc=$?
check "a bad --rate is a usage error (exit 2), not a stack trace" usage_error "$load_rc" 'rate takes' "$load_out"
profile_out=$(./mesh status --profile nosuch 2>&1); profile_rc=$?
check "an unknown --profile is a usage error" usage_error "$profile_rc" 'profile takes dev, test, e2e or bench' "$profile_out"
