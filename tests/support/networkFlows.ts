// The connections a rendered stack makes, read from its manifests, and the verdict of a NetworkPolicy
// analyzer (tools/netflows, cyclonus' matcher) on each: every flow the stack needs must be allowed, and
// nothing from outside the stack may reach it. The flows are derived, not listed: Grafana's datasource URLs,
// the Services that each pod's mounted configuration names (Loki's and Tempo's rings, gRPC, caches, the
// collector's and the metrics generator's write targets), every ServiceMonitor and PodMonitor endpoint
// (scraped by Prometheus), every Ingress backend (the ingress controller), every admission webhook (the API
// server), and OTLP and pushed profiles (a pyroscope.receive_http in a pod's Alloy configuration) from every
// namespace that runs a declared service or is listed in the config.
import type { LabelSelector } from "../../components/flows";
import { runGoCheck } from "../../scripts/lib/goTools";
import type { KubernetesObject } from "../../scripts/lib/helmTemplate";
import { allObjects, type StackManifests } from "../../scripts/lib/stackManifests";

interface ContainerPort {
    name?: string;
    containerPort: number;
    protocol?: string;
}
export interface Pod {
    workload: string;
    namespace: string;
    labels: Record<string, string>;
    ports: ContainerPort[];
    ip: string;
    /** The pod's spec and the data of every ConfigMap and Secret it mounts, where the addresses it dials are. */
    text: string;
    /** Names of the ConfigMaps and Secrets it mounts (several components of a chart share one configuration). */
    configuration: string[];
}
interface ServicePort {
    name?: string;
    port: number;
    targetPort?: number | string;
    protocol?: string;
}
interface Service {
    name: string;
    namespace: string;
    selector?: Record<string, string>;
    ports: ServicePort[];
    labels: Record<string, string>;
}
export type Peer = { pod: Pod } | { namespace: string; labels: Record<string, string> } | { ip: string; what: string };
export interface Flow {
    id: string;
    from: Peer;
    to: Pod;
    port: number;
    portName?: string;
    protocol: string;
    why: string;
    /**
     * Flows read from a configuration that several workloads mount (Tempo's one config file holds the metrics
     * generator's remote write for every component): the address is needed by at least one of them, so the
     * group holds when any of its flows is allowed. Which component dials it is the application's business.
     */
    group?: string;
}
export interface Verdict extends Flow {
    allowed: boolean;
    ingressPolicies: string[];
}

/**
 * Label selector semantics (apimachinery's labels.SelectorFromSet / metav1.LabelSelectorAsSelector) for
 * choosing which Services a ServiceMonitor scrapes: the analyzer judges policies, not monitors, and the
 * Kubernetes library lives in Go; these four operators are the whole of it.
 */
function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
    return (
        Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value) &&
        (selector.matchExpressions ?? []).every(
            ({ key, operator, values = [] }) =>
                ({
                    In: key in labels && values.includes(labels[key]),
                    NotIn: !(key in labels) || !values.includes(labels[key]),
                    Exists: key in labels,
                    DoesNotExist: !(key in labels),
                })[operator],
        )
    );
}

const WORKLOADS = ["Deployment", "StatefulSet", "DaemonSet"];

const inventories = new WeakMap<StackManifests, { pods: Pod[]; services: Service[] }>();

/**
 * Pods of the rendered workloads, and of the Services whose pods an operator creates (Prometheus, Alertmanager),
 * read once per render so every flow of a stack names the same Pod objects.
 */
export function podsOf(manifests: StackManifests): { pods: Pod[]; services: Service[] } {
    const known = inventories.get(manifests);
    if (known) return known;
    const inventory = readPods(manifests);
    inventories.set(manifests, inventory);
    return inventory;
}

function readPods(manifests: StackManifests): { pods: Pod[]; services: Service[] } {
    const namespaceOf = (object: KubernetesObject, release?: string) =>
        object.metadata.namespace ?? manifests.releases.find((r) => r.name === release)?.namespace ?? "default";
    const pods: Pod[] = [];
    const services: Service[] = [];
    for (const release of manifests.releases) {
        for (const object of release.objects) {
            const namespace = namespaceOf(object, release.name);
            if (WORKLOADS.includes(object.kind)) {
                const template = object.spec.template;
                const mounted = new Set<string>(
                    (template.spec.volumes ?? [])
                        .flatMap((volume: any) => [
                            volume.configMap?.name,
                            volume.secret?.secretName,
                            ...(volume.projected?.sources ?? []).flatMap((source: any) => [source.configMap?.name, source.secret?.secretName]),
                        ])
                        .filter(Boolean),
                );
                // What the pod is configured with: its own spec and every ConfigMap or Secret it mounts.
                const configuration = release.objects.filter((o) => ["ConfigMap", "Secret"].includes(o.kind) && mounted.has(o.metadata.name));
                pods.push({
                    workload: `${object.kind}/${object.metadata.name}`,
                    namespace,
                    labels: template.metadata?.labels ?? {},
                    ports: [...(template.spec.containers ?? []), ...(template.spec.initContainers ?? [])].flatMap((c: any) => c.ports ?? []),
                    ip: "",
                    configuration: [...mounted].sort(),
                    text: JSON.stringify([template.spec, ...configuration.map((c) => ({ ...c.data, ...c.stringData }))]),
                });
            }
            if (object.kind === "Service") {
                services.push({
                    name: object.metadata.name,
                    namespace,
                    selector: object.spec.selector,
                    ports: object.spec.ports ?? [],
                    labels: object.metadata.labels ?? {},
                });
            }
        }
    }
    // The operator's governing Service of every Prometheus StatefulSet (prometheus-operator
    // pkg/prometheus/server/operator.go, governingServiceName "prometheus-operated", selecting
    // app.kubernetes.io/name=prometheus, port "web" 9090): no chart renders it, yet Tempo's remote write
    // addresses each replica through it. Written out because the operator creates it at run time.
    for (const prometheus of manifests.releases.flatMap((r) => r.objects.map((o) => ({ o, r }))).filter(({ o }) => o.kind === "Prometheus")) {
        services.push({
            name: "prometheus-operated",
            namespace: prometheus.o.metadata.namespace ?? prometheus.r.namespace,
            labels: {},
            selector: { "app.kubernetes.io/name": "prometheus" },
            ports: [{ name: "web", port: 9090, targetPort: 9090 }],
        });
    }
    for (const service of services) {
        if (!service.selector || pods.some((pod) => pod.namespace === service.namespace && selects({ matchLabels: service.selector }, pod.labels))) continue;
        // No chart renders these pods: the operator does, with at least the labels its Service selects by.
        pods.push({
            workload: `operator-managed/${service.name}`,
            namespace: service.namespace,
            labels: service.selector,
            ip: "",
            text: "",
            configuration: [],
            ports: service.ports.map((p: ServicePort) => ({
                name: typeof p.targetPort === "string" ? p.targetPort : p.name,
                containerPort: typeof p.targetPort === "number" ? p.targetPort : p.port,
                protocol: p.protocol,
            })),
        });
    }
    pods.forEach((pod, index) => {
        pod.ip = `10.244.${Math.floor(index / 250)}.${(index % 250) + 2}`;
    });
    return { pods, services };
}

/** The pods behind a Service port and the container port each listens on. */
function behind(service: Service, port: ServicePort, pods: Pod[]): Array<{ pod: Pod; port: number; portName?: string }> {
    if (!service.selector) return [];
    return pods
        .filter((pod) => pod.namespace === service.namespace && selects({ matchLabels: service.selector }, pod.labels))
        .flatMap((pod) => {
            const target = port.targetPort ?? port.port;
            const container = typeof target === "string" ? pod.ports.find((p) => p.name === target) : pod.ports.find((p) => p.containerPort === target);
            if (typeof target === "string" && !container) return [];
            return [{ pod, port: container?.containerPort ?? (target as number), portName: container?.name }];
        });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Service ports a text names: `svc[.ns[.svc[.cluster.local]]]:port`, `http(s)://svc...`, `_name._tcp.svc...`
 * (an SRV lookup of a named port), or `svc.ns.svc...` alone for a single-port Service.
 */
function referencedPorts(text: string, service: Service): ServicePort[] {
    const host = `${escapeRegExp(service.name)}(?:\\.${escapeRegExp(service.namespace)}(?:\\.svc(?:\\.cluster\\.local)?)?)?\\.?`;
    const found = new Set<ServicePort>();
    const byNumber = (n: number) => service.ports.find((p) => p.port === n);
    // `pod-0.governing-service.ns.svc` is one pod of a StatefulSet, reached through its headless Service.
    const podOfService = `(?:[\\w-]+\\.)${escapeRegExp(service.name)}\\.${escapeRegExp(service.namespace)}\\.svc(?:\\.cluster\\.local)?\\.?`;
    for (const match of text.matchAll(new RegExp(`(https?://|_([\\w-]+)\\._tcp\\.)?(?<![\\w.-])(?:${host}|${podOfService})(?::(\\d+))?(?![\\w-])`, "g"))) {
        const [, scheme, srvName, number] = match;
        if (number) {
            const port = byNumber(Number(number));
            if (port) found.add(port);
            continue;
        }
        if (srvName) {
            const port = service.ports.find((p) => p.name === srvName);
            if (port) found.add(port);
            continue;
        }
        if (scheme?.startsWith("http")) {
            const port = byNumber(scheme === "https://" ? 443 : 80);
            if (port) found.add(port);
            continue;
        }
        // A bare host (memberlist's join_members) uses the client's default port, which is what a Service with
        // a single port serves; a bare name of a multi-port Service says nothing about the port.
        if (!scheme && service.ports.length === 1 && /\.svc/.test(match[0])) found.add(service.ports[0]);
    }
    return [...found];
}

export interface FlowContext {
    /** The stack's namespace: what "the stack" means for what may reach it. */
    namespace: string;
    ingressControllerNamespace: string;
    /** Namespaces whose applications send OTLP: `services[].namespace` and `collector.applicationNamespaces`. */
    otlpNamespaces: string[];
}

const OTLP_PORT_NAMES = ["otlp-grpc", "otlp-http"];

/**
 * The ports on which an Alloy configuration receives pushed profiles: each pyroscope.receive_http block's
 * `http.listen_port`, or Alloy's default HTTP server port 8080 without one (Alloy
 * internal/component/common/net/config.go DefaultHTTPPort).
 */
export function profilePushPorts(config: string): number[] {
    const ports: number[] = [];
    for (const start of config.matchAll(/^pyroscope\.receive_http\s+"[^"]*"\s*\{/gm)) {
        let depth = 0;
        let end = start.index;
        for (; end < config.length; end++) {
            if (config[end] === "{") depth++;
            if (config[end] === "}" && --depth === 0) break;
        }
        const port = /\blisten_port\s*=\s*(\d+)/.exec(config.slice(start.index, end));
        ports.push(port ? Number(port[1]) : 8080);
    }
    return ports;
}
/** The API server calling admission webhooks: from the control plane, an address outside the pod network. */
const API_SERVER: Peer = { ip: "172.31.0.10", what: "the API server" };

/** Every connection the stack needs. */
export function neededFlows(manifests: StackManifests, context: FlowContext): Flow[] {
    const { pods, services } = podsOf(manifests);
    const objects = allObjects(manifests);
    const flows: Flow[] = [];
    const add = (from: Peer, targets: ReturnType<typeof behind>, why: string, protocol = "TCP", group?: string) => {
        for (const target of targets) {
            const source = "pod" in from ? from.pod.workload : "ip" in from ? from.what : `${from.namespace}/*`;
            const id = `${source} -> ${target.pod.workload}:${target.port}/${protocol}`;
            // Two Services in front of the same pods (a headless one for peers) name the same connection.
            if (!flows.some((flow) => flow.id === id))
                flows.push({ id, from, to: target.pod, port: target.port, portName: target.portName, protocol, why, group });
        }
    };
    const service = (name: string, namespace: string) => services.find((s) => s.name === name && s.namespace === namespace);
    const grafanaPods = pods.filter((pod) => pod.labels["app.kubernetes.io/name"] === "grafana");
    for (const datasource of manifests.datasources) {
        const target = services.filter((s) => referencedPorts(datasource.url, s).length > 0);
        if (target.length === 0) throw new Error(`datasource ${datasource.name} (${datasource.url}) names no Service of the stack`);
        for (const s of target)
            for (const port of referencedPorts(datasource.url, s))
                for (const pod of grafanaPods) add({ pod }, behind(s, port, pods), `datasource ${datasource.name}`);
    }
    for (const pod of pods.filter((p) => p.text)) {
        for (const s of services) {
            for (const port of referencedPorts(pod.text, s)) {
                const sharing = pods.filter((other) => other.configuration.some((name) => pod.configuration.includes(name))).length;
                const group = sharing > 1 ? `${pod.configuration.join(",")} -> ${s.name}:${port.port}` : undefined;
                add({ pod }, behind(s, port, pods), `configured to reach ${s.name}:${port.port}`, port.protocol ?? "TCP", group);
            }
        }
    }
    const prometheusPods = pods.filter((pod) => pod.labels["app.kubernetes.io/name"] === "prometheus");
    // Prometheus sends its alerts to the Alertmanager Services its resource names (spec.alerting.alertmanagers).
    for (const prometheus of objects.filter((o) => o.kind === "Prometheus")) {
        for (const endpoint of prometheus.spec.alerting?.alertmanagers ?? []) {
            const s = service(endpoint.name, endpoint.namespace ?? prometheus.metadata.namespace ?? context.namespace);
            const port = s?.ports.find((p: ServicePort) => p.name === endpoint.port || p.port === endpoint.port);
            if (!s || !port)
                throw new Error(
                    `Prometheus ${prometheus.metadata.name} sends alerts to ${endpoint.name}:${endpoint.port}, which no Service of the stack serves`,
                );
            for (const pod of prometheusPods) add({ pod }, behind(s, port, pods), `alerts (Prometheus ${prometheus.metadata.name} to ${s.name})`);
        }
    }
    // Alertmanager replicas gossip silences and notification state on 9094, TCP and UDP: the operator starts each
    // with --cluster.peer=<pod>.alertmanager-operated:9094 (prometheus-operator pkg/alertmanager/statefulset.go).
    for (const alertmanager of objects.filter((o) => o.kind === "Alertmanager" && (o.spec.replicas ?? 1) > 1)) {
        const members = services.find(
            (s) => s.selector?.alertmanager === alertmanager.metadata.name && s.selector?.["app.kubernetes.io/name"] === "alertmanager",
        );
        if (!members) throw new Error(`no Service selects the pods of Alertmanager ${alertmanager.metadata.name}`);
        for (const member of pods.filter((pod) => pod.namespace === members.namespace && selects({ matchLabels: members.selector }, pod.labels))) {
            for (const protocol of ["TCP", "UDP"])
                add(
                    { pod: member },
                    behind(members, { port: 9094, targetPort: 9094, protocol }, pods),
                    "Alertmanager replicas gossip (cluster mesh)",
                    protocol,
                );
        }
    }
    for (const monitor of objects.filter((o) => o.kind === "ServiceMonitor")) {
        const namespaces = monitor.spec.namespaceSelector?.any
            ? undefined
            : (monitor.spec.namespaceSelector?.matchNames ?? [monitor.metadata.namespace ?? context.namespace]);
        for (const s of services.filter((s) => (!namespaces || namespaces.includes(s.namespace)) && selects(monitor.spec.selector ?? {}, s.labels))) {
            for (const endpoint of monitor.spec.endpoints ?? []) {
                const port = s.ports.find((p) =>
                    endpoint.port ? p.name === endpoint.port : p.targetPort === endpoint.targetPort || p.port === endpoint.targetPort,
                );
                if (port) for (const pod of prometheusPods) add({ pod }, behind(s, port, pods), `scrape (ServiceMonitor ${monitor.metadata.name})`);
            }
        }
    }
    for (const monitor of objects.filter((o) => o.kind === "PodMonitor")) {
        for (const target of pods.filter((p) => selects(monitor.spec.selector ?? {}, p.labels))) {
            for (const endpoint of monitor.spec.podMetricsEndpoints ?? []) {
                const port = target.ports.find((p) => p.name === endpoint.port || p.containerPort === endpoint.portNumber);
                if (port)
                    for (const pod of prometheusPods)
                        add({ pod }, [{ pod: target, port: port.containerPort, portName: port.name }], `scrape (PodMonitor ${monitor.metadata.name})`);
            }
        }
    }
    const controller = { namespace: context.ingressControllerNamespace, labels: { "app.kubernetes.io/name": "ingress-controller" } };
    for (const ingress of objects.filter((o) => o.kind === "Ingress")) {
        for (const path of (ingress.spec.rules ?? []).flatMap((rule: any) => rule.http?.paths ?? [])) {
            const backend = path.backend.service;
            const s = service(backend.name, ingress.metadata.namespace ?? context.namespace);
            const port = s?.ports.find((p: ServicePort) => p.port === backend.port.number || p.name === backend.port.name);
            if (s && port) add(controller, behind(s, port, pods), `ingress ${ingress.metadata.name}`);
        }
    }
    for (const webhook of objects.filter((o) => /WebhookConfiguration$/.test(o.kind)).flatMap((o) => o.webhooks ?? [])) {
        const reference = webhook.clientConfig?.service;
        const s = reference && service(reference.name, reference.namespace);
        const port = s?.ports.find((p: ServicePort) => p.port === (reference.port ?? 443));
        if (s && port) add(API_SERVER, behind(s, port, pods), `admission webhook ${webhook.name}`);
    }
    // Pods whose mounted configuration receives pushed profiles accept them from the same namespaces as OTLP.
    for (const release of manifests.releases) {
        for (const configMap of release.objects.filter((o) => o.kind === "ConfigMap")) {
            const ports = Object.values<string>(configMap.data ?? {}).flatMap(profilePushPorts);
            const receivers = pods.filter(
                (pod) => pod.configuration.includes(configMap.metadata.name) && pod.namespace === (configMap.metadata.namespace ?? release.namespace),
            );
            for (const s of services)
                for (const port of s.ports)
                    for (const target of behind(s, port, receivers).filter((t) => ports.includes(t.port)))
                        for (const namespace of context.otlpNamespaces)
                            add({ namespace, labels: { app: "an-application" } }, [target], `profiles pushed (pyroscope.receive_http) from ${namespace}`);
        }
    }
    const collector = services.filter((s) => s.ports.some((p) => OTLP_PORT_NAMES.includes(p.name ?? "")));
    for (const namespace of context.otlpNamespaces) {
        for (const s of collector)
            for (const port of s.ports.filter((p) => OTLP_PORT_NAMES.includes(p.name ?? ""))) {
                add({ namespace, labels: { app: "an-application" } }, behind(s, port, pods), `OTLP ${port.name} from ${namespace}`);
            }
    }
    return flows;
}

/** Connections from outside that the stack never needs: to every port of every pod of the stack. */
export function outsideFlows(manifests: StackManifests, context: FlowContext, needed: Flow[]): Flow[] {
    const { pods } = podsOf(manifests);
    const outsiders: Peer[] = [
        { namespace: "unrelated-team", labels: { app: "curious" } },
        ...context.otlpNamespaces.map((namespace) => ({ namespace, labels: { app: "an-application" } })),
        { namespace: context.ingressControllerNamespace, labels: { "app.kubernetes.io/name": "ingress-controller" } },
        { ip: "203.0.113.7", what: "outside the cluster" },
        API_SERVER,
    ];
    const describe = (peer: Peer) => ("pod" in peer ? peer.pod.workload : "ip" in peer ? peer.what : `${peer.namespace}/*`);
    const isNeeded = (peer: Peer, pod: Pod, port: ContainerPort) =>
        needed.some(
            (flow) =>
                describe(flow.from) === describe(peer) &&
                flow.to.workload === pod.workload &&
                flow.port === port.containerPort &&
                flow.protocol === (port.protocol ?? "TCP"),
        );
    return pods
        .filter((pod) => pod.namespace === context.namespace)
        .flatMap((pod) =>
            pod.ports.flatMap((port) =>
                outsiders
                    .filter((peer) => !isNeeded(peer, pod, port))
                    .map((from) => ({
                        id: `${describe(from)} -> ${pod.workload}:${port.containerPort}/${port.protocol ?? "TCP"}`,
                        from,
                        to: pod,
                        port: port.containerPort,
                        portName: port.name,
                        protocol: port.protocol ?? "TCP",
                        why: "not needed",
                    })),
            ),
        );
}

/** The analyzer's verdict on each flow, with the stack's NetworkPolicies. */
export function judge(manifests: StackManifests, flows: Flow[]): Verdict[] {
    const policies = allObjects(manifests).filter((o) => o.kind === "NetworkPolicy");
    const peer = (p: Peer) =>
        "pod" in p
            ? { namespace: p.pod.namespace, podLabels: p.pod.labels, ip: p.pod.ip }
            : "ip" in p
              ? { ip: p.ip }
              : { namespace: p.namespace, podLabels: p.labels, ip: "10.245.0.9" };
    const input = {
        policies,
        queries: flows.map((flow) => ({
            id: flow.id,
            from: peer(flow.from),
            to: peer({ pod: flow.to }),
            port: flow.port,
            portName: flow.portName ?? "",
            protocol: flow.protocol,
        })),
    };
    const { results } = runGoCheck<{ results: Array<{ id: string; allowed: boolean; ingressPolicies: string[] }> }>("netflows", ["-"], JSON.stringify(input));
    return flows.map((flow, index) => ({ ...flow, allowed: results[index].allowed, ingressPolicies: results[index].ingressPolicies }));
}

/** Needed flows that fail: denied, and (for a shared configuration) denied to every workload of its group. */
export function missingFlows(needed: Verdict[]): Verdict[] {
    return needed.filter((flow) => !flow.allowed && !(flow.group && needed.some((other) => other.group === flow.group && other.allowed)));
}
