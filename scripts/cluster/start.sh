#!/usr/bin/env bash
# Starts a local Kubernetes control plane with fake nodes, on 127.0.0.1 only: etcd, kube-apiserver (Pod
# Security and the default admission plugins on, RBAC, server-side validation), kube-controller-manager,
# kube-scheduler, and kwok standing in for the kubelets (nodes report Ready, pods become Ready without running,
# pods of Jobs complete). A default StorageClass and pre-created PersistentVolumes let claims bind.
#   bash scripts/cluster/start.sh            # runs until interrupted, or until the process that started it exits
# Prints `KUBECONFIG=<file>` then `cluster ready` on stdout; logs go to <state dir>/logs/. On exit every process
# it started is stopped and the state dir (certificates, etcd data) removed. CLUSTER_STATE_DIR overrides the
# temporary state dir (kept on exit then); CLUSTER_WATCH_PID (default: the parent) ends the cluster with it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/cluster/versions.env
source "$here/versions.env"
watch_pid="${CLUSTER_WATCH_PID:-$PPID}"
started=$SECONDS

BIN_DIR="$(bash "$here/build.sh" | tail -1)"
if [ -n "${CLUSTER_STATE_DIR:-}" ]; then STATE="$CLUSTER_STATE_DIR"; keep_state=1; mkdir -p "$STATE"
else STATE="$(mktemp -d "${TMPDIR:-/tmp}/oac-cluster.XXXXXX")"; keep_state=0; fi
mkdir -p "$STATE/logs" "$STATE/pki"
pids=()
stop_cluster() {
    trap - EXIT INT TERM
    # Reverse order, each given 10 s to stop cleanly: the API server's clients first, etcd last.
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null || continue
        for _ in $(seq 1 20); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.5; done
        kill -9 "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    [ "$keep_state" = 1 ] || rm -rf "$STATE"
}
trap stop_cluster EXIT
trap 'exit 143' INT TERM
fail() { echo "cluster start: $*" >&2; for log in "$STATE"/logs/*.log; do [ -f "$log" ] && { echo "--- tail of $log" >&2; tail -15 "$log" >&2; }; done; exit 1; }

# A free loopback port: the kernel's choice is not reachable from bash, so try random ones until one is closed,
# below the ephemeral range (32768 and up on Linux), where outgoing connections could take it meanwhile.
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 12000))
        [[ " $taken_ports " == *" $port "* ]] && continue
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { taken_ports+=" $port"; return; }
    done
}

# Certificates: one CA for the serving certificate and the admin client (system:masters); a service-account key.
pki="$STATE/pki"
issue() { # name subject extensions
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/$1.key" -subj "$2" -out "$pki/$1.csr" 2>/dev/null
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 2 -out "$pki/$1.crt" \
        -extfile <(printf '%s\n' "$3") 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/ca.key" -out "$pki/ca.crt" \
    -days 2 -subj "/CN=oac-test-cluster-ca" 2>/dev/null || fail "openssl could not create the CA"
issue apiserver "/CN=kube-apiserver" "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth" || fail "openssl could not issue the serving certificate"
issue admin "/O=system:masters/CN=oac-test-admin" "extendedKeyUsage=clientAuth" || fail "openssl could not issue the admin certificate"
{ openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/service-account.key" \
    && openssl pkey -in "$pki/service-account.key" -pubout -out "$pki/service-account.pub"; } 2>/dev/null \
    || fail "openssl could not create the service-account key"

taken_ports=""
free_port; etcd_client_port="${taken_ports##* }"; free_port; etcd_peer_port="${taken_ports##* }"
free_port; apiserver_port="${taken_ports##* }"
server="https://127.0.0.1:$apiserver_port"
kubeconfig="$STATE/kubeconfig"
cat >"$kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: oac-test
  cluster: { server: "$server", certificate-authority-data: "$(base64 -w0 "$pki/ca.crt")" }
users:
- name: oac-test-admin
  user: { client-certificate-data: "$(base64 -w0 "$pki/admin.crt")", client-key-data: "$(base64 -w0 "$pki/admin.key")" }
contexts:
- name: oac-test
  context: { cluster: oac-test, user: oac-test-admin }
current-context: oac-test
EOF
chmod 600 "$kubeconfig"

run() { # name binary args...: in the background, its output in logs/<name>.log
    local name="$1"; shift
    "$@" >"$STATE/logs/$name.log" 2>&1 &
    pids+=("$!")
}

# --unsafe-no-fsync: the data lives for one test run; fsync on every write is most of etcd's latency.
run etcd "$BIN_DIR/etcd" --name oac-test --data-dir "$STATE/etcd" --unsafe-no-fsync \
    --listen-client-urls "http://127.0.0.1:$etcd_client_port" --advertise-client-urls "http://127.0.0.1:$etcd_client_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "oac-test=http://127.0.0.1:$etcd_peer_port" --log-level warn

# PodSecurity is on by default; it is named so that a change of defaults cannot silently drop it.
# --endpoint-reconciler-type none: the Service `kubernetes` may not point at a loopback address, and no pod runs
# here that would call the API server through it.
run kube-apiserver "$BIN_DIR/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_client_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$apiserver_port" \
    --cert-dir "$pki" --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/service-account.pub" --service-account-signing-key-file "$pki/service-account.key" \
    --endpoint-reconciler-type none --service-cluster-ip-range 10.96.0.0/16 --authorization-mode Node,RBAC --allow-privileged=true \
    --enable-admission-plugins NodeRestriction,PodSecurity --profiling=false --v 1

for _ in $(seq 1 240); do
    curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$server/readyz" >/dev/null 2>&1 && break
    kill -0 "${pids[1]}" 2>/dev/null || fail "kube-apiserver exited"
    sleep 0.5
done
curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$server/readyz" >/dev/null 2>&1 \
    || fail "kube-apiserver not ready after 120 s"
echo "cluster start: kube-apiserver ready at $server after $((SECONDS - started))s" >&2

# The other components act as the admin: this cluster tests what is installed into it, not its own RBAC.
# --secure-port 0: no serving port of their own (only the API server listens, on loopback).
run kube-controller-manager "$BIN_DIR/kube-controller-manager" --kubeconfig "$kubeconfig" --secure-port 0 --leader-elect=false \
    --service-account-private-key-file "$pki/service-account.key" --root-ca-file "$pki/ca.crt" \
    --use-service-account-credentials=false --controllers '*' --node-monitor-grace-period 40s --v 1
run kube-scheduler "$BIN_DIR/kube-scheduler" --kubeconfig "$kubeconfig" --secure-port 0 --leader-elect=false --v 1

# kwok with the stages kwokctl installs by default (from the pinned module's source): nodes initialise and
# renew their leases, pods become Ready, pods owned by a Job succeed, deleted pods go away.
stages="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage"
[ -d "$stages" ] || (cd "$here" && go mod download "sigs.k8s.io/kwok@$KWOK_VERSION")
for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease pod/fast/pod-ready \
    pod/fast/pod-complete pod/fast/pod-delete; do
    cat "$stages/$stage.yaml"; echo "---"
done >"$STATE/kwok.yaml"
run kwok "$BIN_DIR/kwok" --kubeconfig "$kubeconfig" --config "$STATE/kwok.yaml" \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake --cidr 10.244.0.1/16 --node-lease-duration-seconds 40

# The fake nodes (one per zone, as a three-zone cloud cluster: hard anti-affinity and zone spreads can be met),
# the default StorageClass and the volumes, by server-side apply (as the test writes objects).
apply() { # API path, YAML body
    curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" -X PATCH \
        -H "Content-Type: application/apply-patch+yaml" --data-binary "$2" \
        "$server$1?fieldManager=oac-test-cluster&fieldValidation=Strict&force=true" >/dev/null \
        || fail "server-side apply of $1 failed"
}
for i in 0 1 2; do
    apply "/api/v1/nodes/kwok-node-$i" "
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations: { kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: '0' }
  labels: { kubernetes.io/hostname: kwok-node-$i, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok,
            topology.kubernetes.io/zone: zone-$i }
spec: {}"
done
# Immediate binding to pre-created volumes: no provisioner runs; the controller manager's binder binds claims.
apply /apis/storage.k8s.io/v1/storageclasses/oac-local "
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: oac-local, annotations: { storageclass.kubernetes.io/is-default-class: 'true' } }
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain"
for i in $(seq -w 1 "${CLUSTER_VOLUMES:-12}"); do
    apply "/api/v1/persistentvolumes/oac-volume-$i" "
apiVersion: v1
kind: PersistentVolume
metadata: { name: oac-volume-$i }
spec:
  storageClassName: oac-local
  capacity: { storage: 1Ti }
  accessModes: [ReadWriteOnce, ReadOnlyMany, ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  hostPath: { path: /nonexistent/oac-volume-$i }"
done

ready_nodes() {
    curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$server/api/v1/nodes" \
        | tr -d ' \n' | grep -o '"type":"Ready","status":"True"' | wc -l
}
for _ in $(seq 1 120); do [ "$(ready_nodes)" = 3 ] && break; sleep 0.5; done
[ "$(ready_nodes)" = 3 ] || fail "kwok did not make the 3 nodes Ready within 60 s"
for i in "${!pids[@]}"; do kill -0 "${pids[i]}" 2>/dev/null || fail "a component exited (see the logs above)"; done

echo "KUBECONFIG=$kubeconfig"
echo "cluster ready in $((SECONDS - started))s (state in $STATE)"
while kill -0 "$watch_pid" 2>/dev/null; do
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || fail "a component exited while the cluster was in use"; done
    sleep 1
done
