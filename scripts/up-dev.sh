#!/usr/bin/env bash
# Deploys the dev stack to the current kube context with a local Pulumi backend (no account needed); with
# --destroy (npm run down:dev) destroys it. The checks come first, then scripts/up-dev.ts runs the program inline
# through the Automation API, so only the Pulumi CLI is needed, not its Node.js language host.
# The Pulumi CLI: one on PATH at the pinned version or a later 3.x, else the `pulumi` npm package, which fetches it.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v kubectl >/dev/null || { echo "up:dev needs kubectl and a kube context (kind, k3d, minikube, Docker Desktop)" >&2; exit 1; }
context=$(kubectl config current-context 2>/dev/null) || { echo "no current kube context: create a local cluster first, e.g. 'kind create cluster'" >&2; exit 1; }
# Before building anything: the context must answer (a stopped kind cluster, a VPN, an expired token).
if ! kubectl --context "$context" get --raw /readyz --request-timeout=10s >/dev/null 2>&1; then
    echo "kube context '$context' is not reachable (kubectl get --raw /readyz failed). Start the cluster or pick another context: kubectl config use-context <name>" >&2
    exit 1
fi
# kind enforces NetworkPolicies (kindnet's sigs.k8s.io/kube-network-policies) from v0.24.0, whose kindnetd
# v20240813-c6f155d6 already exempts the kubelet's probes; an older kind ignores the stack's default-deny.
# The image tag starts with its build date (vYYYYMMDD-...), which orders kindnetd releases.
kindnet_image=$(kubectl --context "$context" --namespace kube-system get daemonset kindnet \
    -o 'jsonpath={.spec.template.spec.containers[0].image}' 2>/dev/null || true)
if [[ $kindnet_image =~ :v([0-9]{8}) ]] && [ "${BASH_REMATCH[1]}" -lt 20240813 ]; then
    echo "this cluster's kindnet ($kindnet_image) predates kind v0.24.0 and does not enforce NetworkPolicies:" \
        "on kind, upgrade kind (v0.24.0 or later) and recreate the cluster (kind delete cluster && kind create cluster);" \
        "on minikube's kindnet CNI, start it with a CNI that enforces them (minikube start --cni=calico)" >&2
    exit 1
fi
echo "Kube context '$context'"

# shellcheck source=scripts/dev-backend.sh
source scripts/dev-backend.sh
require_pulumi_cli
# Pulumi.yaml's main is the compiled program (bin/index.js), which scripts/up-dev.ts runs.
npm run build
# It keeps a kubectl port-forward to Grafana open while it runs when grafana.apiUrl is on this machine (the dev
# preset's http://localhost:3000), since the Grafana provider reaches Grafana there.
npx --no-install ts-node --transpile-only scripts/up-dev.ts "$@"
if [[ " $* " == *" --destroy "* ]]; then exit 0; fi
pulumi_cli stack output --stack dev
echo "Outputs again, with the Grafana admin password: npm run outputs:dev -- --show-secrets"
