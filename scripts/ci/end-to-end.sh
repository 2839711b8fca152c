#!/usr/bin/env bash
# End to end on a throwaway cluster (the current kube context, e.g. kind): deploy the dev stack with a
# local backend, prove it works through Grafana's HTTP API, and always destroy it at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
namespace=monitoring
export PULUMI_BACKEND_URL="file://$(mktemp -d)"
export PULUMI_CONFIG_PASSPHRASE="e2e-only"
# `stack init` and the Slack settings below write to Pulumi.dev.yaml: put the user's copy back at the end.
stack_file_copy=$(mktemp)
cp Pulumi.dev.yaml "$stack_file_copy"

forwarders=()
forward() { # <service> <local:remote>: keeps a port-forward up while the script runs
    ( while true; do kubectl --namespace "$namespace" port-forward "svc/$1" "$2" >/dev/null 2>&1 || true; sleep 2; done ) &
    forwarders+=("$!")
}
cleanup() {
    status=$?
    for pid in "${forwarders[@]}"; do pkill -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
    echo "--- destroying the dev stack"
    forward grafana 3000:80 # the provider deletes Grafana objects through the API first
    npx pulumi destroy --stack dev --yes --skip-preview || status=1
    for pid in "${forwarders[@]}"; do pkill -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
    cp "$stack_file_copy" Pulumi.dev.yaml && rm -f "$stack_file_copy"
    exit "$status"
}
trap cleanup EXIT

npm run build # Pulumi runs the compiled program (Pulumi.yaml main: bin/index.js)
npx pulumi stack init dev --secrets-provider passphrase
# A Slack contact point, so the run also proves what pulumi-grafana#379 breaks (below). Grafana stores the
# token without calling Slack; notifications from this throwaway stack fail, which is all right.
slack_token="xoxb-e2e-$(openssl rand -hex 8)"
npx pulumi config set --stack dev --path 'alerting.slack.enabled' true
npx pulumi config set --stack dev --secret slackToken "$slack_token"
forward grafana 3000:80
npx pulumi up --stack dev --yes --skip-preview

password=$(npx pulumi stack output grafanaAdminPassword --show-secrets --stack dev)
user=$(npx pulumi stack output grafanaAdminUser --stack dev)
grafana() { curl --silent --show-error --fail --user "$user:$password" "http://localhost:3000$1" "${@:2}"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
retry() { # <attempts> <command...>: the pipeline is asynchronous (batching, flushes)
    local attempts=$1; shift
    for _ in $(seq "$attempts"); do "$@" && return 0; sleep 5; done
    return 1
}

echo "--- every datasource passes its health check"
for uid in $(npx pulumi stack output datasourceUids --json --stack dev | jq -r '.[]'); do
    grafana "/api/datasources/uid/$uid/health" | jq -e '.status == "OK"' >/dev/null || fail "datasource $uid unhealthy"
    echo "ok: $uid"
done

echo "--- dashboards and rule groups exist"
for uid in $(npx pulumi stack output dashboardUrls --json --stack dev | jq -r '.[] | split("/d/")[1]'); do
    grafana "/api/dashboards/uid/$uid" >/dev/null || fail "dashboard $uid missing"
    echo "ok: dashboard $uid"
done
rules=$(grafana /api/v1/provisioning/alert-rules | jq 'length')
[ "$rules" -gt 0 ] || fail "no alert rules"
echo "ok: $rules alert rules"

echo "--- a log line and a trace sent to the collector arrive in Loki and Tempo"
forward alloy 4318:4318
marker="e2e-$(date +%s)-$RANDOM"
trace_id=$(openssl rand -hex 16)
span_id=$(openssl rand -hex 8)
now_ns="$(date +%s)000000000"
resource='{"attributes":[{"key":"service.name","value":{"stringValue":"e2e-check"}}]}'
retry 12 curl --silent --fail -H 'Content-Type: application/json' http://localhost:4318/v1/logs -d \
    "{\"resourceLogs\":[{\"resource\":$resource,\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"$now_ns\",\"body\":{\"stringValue\":\"$marker\"}}]}]}]}" \
    || fail "collector refused the log"
retry 12 curl --silent --fail -H 'Content-Type: application/json' http://localhost:4318/v1/traces -d \
    "{\"resourceSpans\":[{\"resource\":$resource,\"scopeSpans\":[{\"spans\":[{\"traceId\":\"$trace_id\",\"spanId\":\"$span_id\",\"name\":\"e2e\",\"kind\":2,\"startTimeUnixNano\":\"$now_ns\",\"endTimeUnixNano\":\"$now_ns\"}]}]}]}" \
    || fail "collector refused the trace"

log_found() {
    grafana "/api/datasources/proxy/uid/loki/loki/api/v1/query_range" --get \
        --data-urlencode "query={service_name=\"e2e-check\"} |= \"$marker\"" --data-urlencode "since=15m" \
        | jq -e '.data.result | length > 0' >/dev/null
}
trace_found() { grafana "/api/datasources/proxy/uid/tempo/api/v2/traces/$trace_id" >/dev/null; }
retry 36 log_found || fail "log line $marker not found in Loki"
echo "ok: log line found in Loki"
retry 36 trace_found || fail "trace $trace_id not found in Tempo"
echo "ok: trace $trace_id found in Tempo"

echo "--- a profile pushed to the collector as Pyroscope's SDKs push it arrives in Pyroscope"
forward alloy 14040:4040
forward pyroscope 14041:4040
now=$(date +%s)
# Pyroscope's ingest API: `name` is the application (service_name), a body without `format` is folded stacks
# (pkg/ingester/pyroscope/ingest_handler.go); the collector's pyroscope.receive_http serves the same path.
retry 12 curl --silent --fail -X POST --data-binary 'main;e2e_work 100' \
    "http://localhost:14040/ingest?name=e2e-check&from=$((now - 10))&until=$now" || fail "collector refused the profile"
profile_found() {
    curl --silent --fail -H 'Content-Type: application/json' http://localhost:14041/querier.v1.QuerierService/LabelValues \
        -d "{\"name\":\"service_name\",\"start\":$(((now - 600) * 1000)),\"end\":$((($(date +%s) + 60) * 1000))}" \
        | jq -e '.names | index("e2e-check")' >/dev/null
}
retry 36 profile_found || fail "profile of e2e-check not found in Pyroscope"
echo "ok: profile found in Pyroscope"

echo "--- what Grafana stores reads back unchanged; a rotated Slack token is a change, and reaches Grafana"
# Every object of the program, the contact points with a secret included (pulumi-grafana#379), shows no
# change on a second preview: components/grafana/alerting/contactPointFingerprints.ts, docs/proven.md "State
# that reads back unchanged".
npx pulumi preview --stack dev --expect-no-changes --diff || fail "a preview right after up shows changes"
slack_token_in_grafana() {
    grafana "/api/v1/provisioning/contact-points/export?decrypt=true&format=json" \
        | jq -r '.contactPoints[] | select(.name == "Platform Team Slack") | .receivers[] | select(.type == "slack") | .settings.token'
}
[ "$(slack_token_in_grafana)" = "$slack_token" ] || fail "Grafana does not hold the Slack token the stack set"
slack_token="xoxb-e2e-rotated-$(openssl rand -hex 8)"
npx pulumi config set --stack dev --secret slackToken "$slack_token"
# The contact point itself must show the update (the Secret alertmanager-notifiers changes too, so "some change" proves nothing).
slack_step=$(npx pulumi preview --stack dev --json | jq -r '[.steps[] | select(.urn | endswith("-contact-point-slack")) | .op] | first // "none"')
[ "$slack_step" = "update" ] || fail "a rotated Slack token does not update the Slack contact point (preview: $slack_step)"
npx pulumi up --stack dev --yes --skip-preview
[ "$(slack_token_in_grafana)" = "$slack_token" ] || fail "the rotated Slack token did not reach Grafana"
npx pulumi preview --stack dev --expect-no-changes --diff || fail "a preview after the rotation shows changes"
echo "ok: no change on preview; the rotated token reached Grafana"
