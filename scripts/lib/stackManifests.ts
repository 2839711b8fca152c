// Everything a stack sends to the Kubernetes API: the objects the program creates itself (Namespaces,
// Secrets, NetworkPolicies, PrometheusRules) and every Helm release rendered by its chart. The program runs
// in a child process under Pulumi mocks (the compiled program `pulumi up` runs), so what is rendered is
// exactly what it passes to `k8s.helm.v3.Release`.
import { pinnedChartKey, SUPPORTED_KUBERNETES } from "../../components/charts";
import { type Evaluation, ensureBuilt, evaluateInChild } from "./childEvaluation";
import { HELM_RELEASE_TYPE, helmTemplate, type KubernetesObject, type ReleaseToRender, type RenderedRelease } from "./helmTemplate";

const DATASOURCE_TYPE = "grafana:oss/dataSource:DataSource";

export interface StackManifests {
    stack: string;
    /** The API groups passed to `helm template --api-versions`: what the stack's own CRDs serve. */
    apiVersions: string[];
    releases: RenderedRelease[];
    /** Objects the program registers as Kubernetes resources of its own, as the API server receives them. */
    programObjects: KubernetesObject[];
    /** Grafana's datasources as the program creates them: Grafana connects to each `url` from its pods. */
    datasources: Array<{ name: string; type: string; url: string }>;
}

/** group/version and group/version/Kind of every version the stack's CRDs serve. */
function servedApis(objects: KubernetesObject[]): string[] {
    const apis = new Set<string>();
    for (const crd of objects.filter((o) => o.kind === "CustomResourceDefinition")) {
        for (const version of crd.spec?.versions ?? []) {
            if (version.served === false) continue;
            apis.add(`${crd.spec.group}/${version.name}`);
            apis.add(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`);
        }
    }
    return [...apis].sort();
}

/** Renders every release of a stack and collects the objects the program creates itself. */
export function renderStack(stack: string, overrides: Record<string, unknown> = {}): StackManifests {
    ensureBuilt();
    const evaluation: Evaluation = evaluateInChild({ runtime: "compiled", mode: "program", stack, overrides, collect: ["kubernetes"] });
    if (evaluation.error) throw new Error(`the ${stack} program failed under mocks: ${evaluation.error}`);
    const releases = evaluation.kubernetes.filter((resource) => resource.type === HELM_RELEASE_TYPE).map(({ inputs }) => releaseToRender(inputs));
    const programObjects = evaluation.kubernetes
        .filter((resource) => resource.type.startsWith("kubernetes:") && resource.type !== HELM_RELEASE_TYPE)
        .map(({ inputs }) => inputs as KubernetesObject);
    const datasources = evaluation.kubernetes
        .filter((resource) => resource.type === DATASOURCE_TYPE)
        .map(({ inputs }) => ({ name: inputs.name as string, type: inputs.type as string, url: inputs.url as string }));
    return { stack, ...renderReleases(releases), programObjects, datasources };
}

/** Helm release inputs as the program registers them (`name`, `namespace`, `chart`, `version`, `values`). */
export function releaseToRender(inputs: Record<string, any>): ReleaseToRender {
    // A chart from an OCI mirror (charts.repository "oci://...") is named by its reference: its last segment is the chart.
    const chart = String(inputs.chart).startsWith("oci://") ? String(inputs.chart).split("/").pop() : inputs.chart;
    return { name: inputs.name, namespace: inputs.namespace, chart: pinnedChartKey(chart, inputs.version), values: inputs.values ?? {} };
}

/**
 * Renders releases twice: once to learn which CRDs their charts install, then with those API groups present,
 * as on a cluster where the stack is installed (charts render ServiceMonitors only when the group exists).
 */
export function renderReleases(releases: ReleaseToRender[]): { apiVersions: string[]; releases: RenderedRelease[] } {
    const kubeVersion = SUPPORTED_KUBERNETES.oldest;
    const first = releases.map((release) => helmTemplate(release, { kubeVersion, apiVersions: [] }));
    const apiVersions = servedApis(first.flatMap((release) => release.objects));
    return { apiVersions, releases: releases.map((release) => helmTemplate(release, { kubeVersion, apiVersions })) };
}

/**
 * One release rendered as the cluster would render it once the stack is installed: the oldest supported
 * Kubernetes, with the CRD groups every stack's charts install (read from the dev stack's render), so charts
 * render their ServiceMonitors.
 */
export function renderAsInstalled(release: ReleaseToRender): RenderedRelease {
    return helmTemplate(release, { kubeVersion: SUPPORTED_KUBERNETES.oldest, apiVersions: committedStackManifests("dev").apiVersions });
}

const memo = new Map<string, StackManifests>();

/** renderStack of a committed stack, once per process. */
export function committedStackManifests(stack: string): StackManifests {
    if (!memo.has(stack)) memo.set(stack, renderStack(stack));
    return memo.get(stack)!;
}

export function allObjects(manifests: StackManifests): KubernetesObject[] {
    return [...manifests.programObjects, ...manifests.releases.flatMap((release) => release.objects)];
}
