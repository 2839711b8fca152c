#!/usr/bin/env bash
# Deploys the dev stack to the current kube context with a local Pulumi backend (no account needed).
# The Pulumi CLI comes from the `pulumi` npm package, which fetches it on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v kubectl >/dev/null || { echo "up:dev needs kubectl and a kube context (kind, k3d, minikube, Docker Desktop)" >&2; exit 1; }
context=$(kubectl config current-context) || { echo "no current kube context: create a local cluster first, e.g. 'kind create cluster'" >&2; exit 1; }
namespace="${NAMESPACE:-monitoring}"
echo "Deploying the dev stack into namespace '$namespace' of kube context '$context'"

export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$HOME/.pulumi-local}"
mkdir -p "$HOME/.pulumi-local"
# A local dev stack encrypts its secrets with this passphrase; empty unless you choose one.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
[ -d node_modules ] || npm ci
# Pulumi runs the compiled program (Pulumi.yaml main: bin/index.js).
npm run build
npx pulumi stack select dev --create --secrets-provider passphrase

# The Grafana provider reaches Grafana through this port-forward (grafana.apiUrl in the dev preset is
# http://localhost:3000); it retries until the Grafana Service exists, and the provider retries too.
( while true; do kubectl --namespace "$namespace" port-forward svc/grafana 3000:80 >/dev/null 2>&1 || true; sleep 3; done ) &
forwarder=$!
trap 'pkill -P "$forwarder" 2>/dev/null || true; kill "$forwarder" 2>/dev/null || true' EXIT

npx pulumi up --stack dev --yes "$@"
npx pulumi stack output --stack dev
echo "Grafana admin password: npx pulumi stack output grafanaAdminPassword --show-secrets --stack dev"
