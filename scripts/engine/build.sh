#!/usr/bin/env bash
# Builds the Pulumi engine the engine tests (tests/engines/engine.test.ts) and `npm run up:dev` on the local cluster
# run, from the Go module proxy: the Pulumi CLI $PULUMI_VERSION (cli/go.mod) and the Kubernetes provider
# (kubernetes/go.mod), at the versions of versions.env, into $(go env GOPATH)/bin/oac-engine-$PULUMI_VERSION/bin/
# (the layout the Automation API's PulumiCommand expects; override the parent with ENGINE_BIN_DIR). Skipped when that directory already holds this set. Prints the directory.
#   bash scripts/engine/build.sh
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/engine/versions.env
source versions.env

command -v go >/dev/null || { echo "engine build: Go is needed (1.26 or later)" >&2; exit 1; }
BIN_DIR="${ENGINE_BIN_DIR:-$(go env GOPATH)/bin/oac-engine-$PULUMI_VERSION}"
mkdir -p "$(dirname "$BIN_DIR")"
if cmp -s versions.env "$BIN_DIR/versions.env" 2>/dev/null && cmp -s cli/go.sum "$BIN_DIR/cli.go.sum" 2>/dev/null \
    && cmp -s kubernetes/go.sum "$BIN_DIR/kubernetes.go.sum" 2>/dev/null; then
    echo "$BIN_DIR"
    exit 0
fi
provider_module=github.com/pulumi/pulumi-kubernetes/provider/v4
grep -q "github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION" cli/go.mod \
    && grep -q "$provider_module $KUBERNETES_PROVIDER_MODULE" kubernetes/go.mod \
    || { echo "engine build: cli/go.mod or kubernetes/go.mod does not pin the versions of versions.env" >&2; exit 1; }
# Built beside the cache dir and moved into place when complete (as scripts/cluster/build.sh does).
BUILD_DIR="$(mktemp -d "$(dirname "$BIN_DIR")/.oac-engine-build.XXXXXX")"
chmod 755 "$BUILD_DIR"
mkdir "$BUILD_DIR/bin"
trap 'chmod -R u+w "$BUILD_DIR" 2>/dev/null; rm -rf "$BUILD_DIR"' EXIT
started=$SECONDS
export GOFLAGS=-buildvcs=false

echo "engine build: pulumi $PULUMI_VERSION" >&2
(cd cli && go build -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    -o "$BUILD_DIR/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
echo "engine build: pulumi done at $((SECONDS - started))s" >&2

# The provider's main package embeds schema-embed.json and terraform-mapping-embed.json, which its
# generate.go writes and the module does not hold: build from a copy of the module (checked against
# kubernetes/go.sum when downloaded) in which generate.go has run, replaced into a copy of kubernetes/go.mod.
echo "engine build: pulumi-resource-kubernetes $KUBERNETES_PROVIDER_VERSION ($provider_module $KUBERNETES_PROVIDER_MODULE)" >&2
src="$BUILD_DIR/src"
mkdir -p "$src/gen"
module_dir="$(cd kubernetes && go mod download -json "$provider_module" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
[ -d "$module_dir" ] || { echo "engine build: $provider_module was not downloaded" >&2; exit 1; }
cp -r "$module_dir" "$src/provider"
chmod -R u+w "$src/provider"
cp kubernetes/go.mod kubernetes/go.sum "$src/"
cp "$src/provider/cmd/pulumi-resource-kubernetes/generate.go" "$src/gen/"
(
    cd "$src"
    go mod edit -replace "$provider_module=./provider"
    go build -o gen/generate ./gen/generate.go
    cd provider/cmd/pulumi-resource-kubernetes
    VERSION="$KUBERNETES_PROVIDER_VERSION" "$src/gen/generate"
    cd "$src"
    go build -ldflags "-s -w -X $provider_module/pkg/version.Version=$KUBERNETES_PROVIDER_VERSION" \
        -o "$BUILD_DIR/bin/pulumi-resource-kubernetes" "$provider_module/cmd/pulumi-resource-kubernetes"
)
chmod -R u+w "$src"
rm -rf "$src"

cp versions.env "$BUILD_DIR/"
cp cli/go.sum "$BUILD_DIR/cli.go.sum"
cp kubernetes/go.sum "$BUILD_DIR/kubernetes.go.sum"
rm -rf "$BIN_DIR"
mv "$BUILD_DIR" "$BIN_DIR"
trap - EXIT
echo "engine build: done in $((SECONDS - started))s" >&2
echo "$BIN_DIR"
