#!/usr/bin/env bash
# Installs the pinned real engines the test suite runs, from the Go module proxy, into $(go env GOPATH)/bin,
# and builds this repository's small Go checks (tools/*). Each tool is skipped when the right version is
# already there; Go's build and module caches (the defaults) make a rerun on the same machine fast.
#   bash scripts/install-tools.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/tool-versions.env
source scripts/tool-versions.env

command -v go >/dev/null || { echo "install-tools: Go is needed (https://go.dev/dl, 1.26 or later)" >&2; exit 1; }
GOBIN_DIR="$(go env GOPATH)/bin"
mkdir -p "$GOBIN_DIR"

installed_version() { "$GOBIN_DIR/$1" "${@:2}" 2>/dev/null || true; }

if [ "$(installed_version helm version --template '{{.Version}}')" != "$HELM_VERSION" ]; then
    echo "install-tools: helm $HELM_VERSION"
    # Helm takes its version from ldflags; without them `helm version` says only the minor.
    go install -ldflags "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi
if [ "$(installed_version kubeconform -v)" != "$KUBECONFORM_VERSION" ]; then
    echo "install-tools: kubeconform $KUBECONFORM_VERSION"
    go install -ldflags "-X main.version=$KUBECONFORM_VERSION" "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
fi
"$GOBIN_DIR/helm" version --template 'helm {{.Version}}{{"\n"}}'
echo "kubeconform $("$GOBIN_DIR/kubeconform" -v)"

# This repository's checks built on Kubernetes' own libraries (each folder has its own go.mod and README).
for tool in tools/*/; do
    [ -f "$tool/go.mod" ] || continue
    name="$(basename "$tool")"
    (cd "$tool" && go build -o "$GOBIN_DIR/oac-$name" .)
    echo "built $GOBIN_DIR/oac-$name"
done
