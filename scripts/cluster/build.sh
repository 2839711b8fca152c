#!/usr/bin/env bash
# Builds the local test cluster from the Go module proxy: kube-apiserver, kube-controller-manager and
# kube-scheduler of Kubernetes $KUBERNETES_VERSION, etcd $ETCD_VERSION (this module, go.mod) and kwok
# $KWOK_VERSION (plain `go install`), into $(go env GOPATH)/bin/oac-cluster-$KUBERNETES_VERSION/ (override with
# CLUSTER_BIN_DIR). Skipped when that directory already holds this set of versions. Prints the directory.
#   bash scripts/cluster/build.sh
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/cluster/versions.env
source versions.env

command -v go >/dev/null || { echo "cluster build: Go is needed (1.26 or later)" >&2; exit 1; }
BIN_DIR="${CLUSTER_BIN_DIR:-$(go env GOPATH)/bin/oac-cluster-$KUBERNETES_VERSION}"
mkdir -p "$(dirname "$BIN_DIR")"
STAMP="$BIN_DIR/versions.env"
if cmp -s versions.env "$STAMP" 2>/dev/null && cmp -s go.mod "$BIN_DIR/go.mod" 2>/dev/null; then
    echo "$BIN_DIR"
    exit 0
fi
grep -q "k8s.io/kubernetes $KUBERNETES_VERSION" go.mod && grep -q "go.etcd.io/etcd/server/v3 $ETCD_VERSION" go.mod \
    || { echo "cluster build: go.mod does not pin Kubernetes $KUBERNETES_VERSION and etcd $ETCD_VERSION of versions.env" >&2; exit 1; }
# Built beside the cache dir and moved into place when complete: a build that was interrupted, or one run at
# the same time by another checkout, never leaves a half-written set behind the stamp.
BUILD_DIR="$(mktemp -d "$(dirname "$BIN_DIR")/.oac-cluster-build.XXXXXX")"
chmod 755 "$BUILD_DIR"
trap 'rm -rf "$BUILD_DIR"' EXIT
started=$SECONDS

# The variables Kubernetes' own build sets (hack/lib/version.sh), so that /version and `helm` see the real
# server version (Helm checks charts' kubeVersion constraints against it) rather than v0.0.0-master.
minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
kube_ldflags="-s -w"
for package in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    kube_ldflags+=" -X $package.gitVersion=$KUBERNETES_VERSION -X $package.gitMajor=1 -X $package.gitMinor=$minor"
    kube_ldflags+=" -X $package.gitTreeState=clean -X $package.buildDate=1970-01-01T00:00:00Z"
done
echo "cluster build: kube-apiserver, kube-controller-manager, kube-scheduler $KUBERNETES_VERSION, etcd $ETCD_VERSION" >&2
go build -ldflags "$kube_ldflags" -o "$BUILD_DIR/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
# etcd's main package is its server module; its own version string is compiled in (go.etcd.io/etcd/api/v3/version).
go build -ldflags "-s -w" -o "$BUILD_DIR/etcd" go.etcd.io/etcd/server/v3

echo "cluster build: kwok $KWOK_VERSION" >&2
GOBIN="$BUILD_DIR" go install -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"

cp versions.env go.mod "$BUILD_DIR/"
rm -rf "$BIN_DIR"
mv "$BUILD_DIR" "$BIN_DIR"
echo "cluster build: done in $((SECONDS - started))s" >&2
echo "$BIN_DIR"
