#!/usr/bin/env bash
# Provides the Pulumi engine the engine tests (tests/engines/engine.test.ts) and `npm run up:dev` on the local cluster
# run: the Pulumi CLI $PULUMI_VERSION and the Kubernetes provider $KUBERNETES_PROVIDER_VERSION of versions.env, in
# $(go env GOPATH)/bin/oac-engine-$PULUMI_VERSION/bin/ (the layout the Automation API's PulumiCommand expects;
# override the parent with ENGINE_BIN_DIR). Skipped when that directory already holds this set. Prints the directory.
# Each binary is linked from one at exactly the pinned version when this machine has it or, where the network
# allows, can download it, as a CI runner with internet access can: the CLI from PATH, else from the `pulumi` npm
# package (package.json; it fetches the version PULUMI_VERSION names into ${PULUMI_HOME:-~/.pulumi}/versions), the
# provider from the plugins directory, else `pulumi plugin install`. What is not found is built from the Go module
# proxy (cli/go.mod, kubernetes/go.mod). ENGINE_DOWNLOADS=false: no download attempts.
#   bash scripts/engine/build.sh
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/engine/versions.env
source versions.env

command -v go >/dev/null || { echo "engine build: Go is needed (1.26 or later)" >&2; exit 1; }
BIN_DIR="${ENGINE_BIN_DIR:-$(go env GOPATH)/bin/oac-engine-$PULUMI_VERSION}"
mkdir -p "$(dirname "$BIN_DIR")"
if cmp -s versions.env "$BIN_DIR/versions.env" 2>/dev/null && cmp -s cli/go.sum "$BIN_DIR/cli.go.sum" 2>/dev/null \
    && cmp -s kubernetes/go.sum "$BIN_DIR/kubernetes.go.sum" 2>/dev/null \
    && [ -x "$BIN_DIR/bin/pulumi-resource-kubernetes" ] && [ "$("$BIN_DIR/bin/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ]; then
    echo "$BIN_DIR"
    exit 0
fi

PULUMI_HOME_DIR="${PULUMI_HOME:-$HOME/.pulumi}"
# Where the `pulumi` npm package keeps the CLI versions it downloads (its lib/cache.js), and its launcher.
NPM_PACKAGE_CLI="$PULUMI_HOME_DIR/versions/${PULUMI_VERSION#v}/bin/pulumi"
NPM_LAUNCHER="$(cd ../.. && pwd)/node_modules/pulumi/run.js"
PROVIDER_PLUGIN="$PULUMI_HOME_DIR/plugins/resource-kubernetes-v$KUBERNETES_PROVIDER_VERSION/pulumi-resource-kubernetes"
downloads() { [ "${ENGINE_DOWNLOADS:-true}" != false ]; }
is_pinned_cli() { [ -x "$1" ] && [ "$("$1" version 2>/dev/null)" = "$PULUMI_VERSION" ]; }

# The CLI at exactly $PULUMI_VERSION: on PATH (past node_modules/.bin, where `npm run` puts the npm package's
# launcher), in the npm package's cache, or downloaded there by the npm package.
obtained_cli() {
    local dir
    local IFS=:
    for dir in $PATH; do
        # Absolute directories only: the link made to it must not depend on where it is read from.
        [[ $dir == /* && $dir != */node_modules/.bin ]] || continue
        if is_pinned_cli "$dir/pulumi"; then
            echo "engine build: pulumi $PULUMI_VERSION installed at $dir/pulumi" >&2
            echo "$dir/pulumi"
            return 0
        fi
    done
    if ! is_pinned_cli "$NPM_PACKAGE_CLI" && downloads && [ -f "$NPM_LAUNCHER" ]; then
        PULUMI_VERSION="${PULUMI_VERSION#v}" PULUMI_HOME="$PULUMI_HOME_DIR" timeout 600 node "$NPM_LAUNCHER" version >/dev/null 2>&1 || true
    fi
    if is_pinned_cli "$NPM_PACKAGE_CLI"; then
        echo "engine build: pulumi $PULUMI_VERSION from the pulumi npm package at $NPM_PACKAGE_CLI" >&2
        echo "$NPM_PACKAGE_CLI"
        return 0
    fi
    return 1
}
# The provider plugin as `pulumi plugin install` lays it out (the directory name carries its version), installed
# with the CLI ($1) when missing.
obtained_provider() {
    if [ ! -x "$PROVIDER_PLUGIN" ] && downloads; then
        PULUMI_HOME="$PULUMI_HOME_DIR" timeout 600 "$1" plugin install resource kubernetes "v$KUBERNETES_PROVIDER_VERSION" --non-interactive >/dev/null 2>&1 || true
    fi
    [ -x "$PROVIDER_PLUGIN" ] || return 1
    echo "engine build: pulumi-resource-kubernetes $KUBERNETES_PROVIDER_VERSION installed at $PROVIDER_PLUGIN" >&2
    echo "$PROVIDER_PLUGIN"
}
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

if cli="$(obtained_cli)"; then
    ln -s "$cli" "$BUILD_DIR/bin/pulumi"
else
    echo "engine build: pulumi $PULUMI_VERSION" >&2
    (cd cli && go build -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
        -o "$BUILD_DIR/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
    echo "engine build: pulumi done at $((SECONDS - started))s" >&2
fi

# The provider's main package embeds schema-embed.json and terraform-mapping-embed.json, which its
# generate.go writes and the module does not hold: build from a copy of the module (checked against
# kubernetes/go.sum when downloaded) in which generate.go has run, replaced into a copy of kubernetes/go.mod.
build_provider_from_source() {
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
}
if provider="$(obtained_provider "$BUILD_DIR/bin/pulumi")"; then
    ln -s "$provider" "$BUILD_DIR/bin/pulumi-resource-kubernetes"
else
    build_provider_from_source
fi

cp versions.env "$BUILD_DIR/"
cp cli/go.sum "$BUILD_DIR/cli.go.sum"
cp kubernetes/go.sum "$BUILD_DIR/kubernetes.go.sum"
rm -rf "$BIN_DIR"
mv "$BUILD_DIR" "$BIN_DIR"
trap - EXIT
echo "engine build: done in $((SECONDS - started))s" >&2
echo "$BIN_DIR"
