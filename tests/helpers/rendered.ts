// A component's Helm release rendered by its real chart (`helm template`, scripts/lib/helmTemplate.ts), so
// component tests read what Kubernetes would receive (Services, pods, containers, the config files the
// charts write) instead of predicting it from values plus the chart's defaults.
import * as assert from "assert";
import { parse } from "yaml";
import { HELM_RELEASE_TYPE, type KubernetesObject, type RenderedRelease } from "../../scripts/lib/helmTemplate";
import { releaseToRender, renderAsInstalled } from "../../scripts/lib/stackManifests";
import { captureResources, type RecordedResource } from "./pulumi";

/** Renders a recorded `k8s.helm.v3.Release`'s inputs as the cluster would, with the stack's CRD groups present. */
export function renderRelease(inputs: Record<string, any>): RenderedRelease {
    return renderAsInstalled(releaseToRender(inputs));
}

export interface ComponentRelease<T> {
    component: T;
    /** Everything the component registered under the mocks. */
    resources: RecordedResource[];
    /** The inputs of its one Helm release. */
    release: Record<string, any>;
    /** What Helm renders from that release. */
    rendered: RenderedRelease;
}

/** Builds a component that installs exactly one Helm release (asserted) under the mocks, and renders that release. */
export async function componentRelease<T>(create: () => T): Promise<ComponentRelease<T>> {
    let component: T | undefined;
    const resources = await captureResources(() => {
        component = create();
    });
    const releases = resources.filter((r) => r.type === HELM_RELEASE_TYPE);
    assert.strictEqual(releases.length, 1);
    return { component: component!, resources, release: releases[0].inputs, rendered: renderRelease(releases[0].inputs) };
}

const POD_OWNERS = ["Deployment", "StatefulSet", "DaemonSet", "Job"];

export function podSpecOf(object: KubernetesObject): any | undefined {
    if (object.kind === "CronJob") return object.spec?.jobTemplate?.spec?.template?.spec;
    return POD_OWNERS.includes(object.kind) ? object.spec?.template?.spec : undefined;
}

/** Objects that run pods. */
export function workloadsOf(objects: KubernetesObject[]): KubernetesObject[] {
    return objects.filter((object) => podSpecOf(object) !== undefined);
}

/** Init containers and containers of a pod spec, each with its kind. */
export function containersOf(spec: any): Array<{ init: boolean; container: any }> {
    return [
        ...(spec.initContainers ?? []).map((container: any) => ({ init: true, container })),
        ...(spec.containers ?? []).map((container: any) => ({ init: false, container })),
    ];
}

/** Every container of every pod template, init containers included, as "Kind/workload/container", with its pod's securityContext. */
export function renderedContainers(objects: KubernetesObject[]): Array<{ name: string; container: any; pod: any }> {
    return workloadsOf(objects).flatMap((object) => {
        const spec = podSpecOf(object);
        return containersOf(spec).map(({ container }) => ({
            name: `${object.kind}/${object.metadata.name}/${container.name}`,
            container,
            pod: spec.securityContext ?? {},
        }));
    });
}

export const hasRequestsAndLimits = (resources: any) =>
    Boolean(resources?.requests?.cpu && resources?.requests?.memory && resources?.limits?.cpu && resources?.limits?.memory);

/** The Deployment or StatefulSet of that name. */
export const workloadNamed = (objects: KubernetesObject[], name: string) =>
    objects.find((o) => ["Deployment", "StatefulSet"].includes(o.kind) && o.metadata.name === name);

export const mainContainer = (object: KubernetesObject) => podSpecOf(object).containers[0];

/** The name a chart gives a component's workload, Service and PodDisruptionBudget: ("loki", "queryFrontend") → "loki-query-frontend". */
export const componentName = (release: string, component: string) => `${release}-${component.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;

export function findObject(objects: KubernetesObject[], kind: string, name: string): KubernetesObject | undefined {
    return objects.find((object) => object.kind === kind && object.metadata.name === name);
}

export function namesOf(objects: KubernetesObject[], kind: string): string[] {
    return objects
        .filter((object) => object.kind === kind)
        .map((object) => object.metadata.name)
        .sort();
}

/** The ports a rendered Service listens on (empty when the chart renders no Service of that name). */
export function servicePorts(objects: KubernetesObject[], name: string): number[] {
    return (findObject(objects, "Service", name)?.spec?.ports ?? []).map((port: any) => port.port);
}

/** A YAML file a chart writes into a ConfigMap (Loki's and Tempo's config.yaml), parsed. */
export function configFile(objects: KubernetesObject[], configMap: string, key: string): any {
    const text = findObject(objects, "ConfigMap", configMap)?.data?.[key];
    if (typeof text !== "string") throw new Error(`the render has no ConfigMap ${configMap} with ${key}`);
    return parse(text);
}

/** Every key anywhere in the values, for checks that nothing secret-shaped is set inline. */
export function allKeys(node: unknown, found: string[] = []): string[] {
    if (Array.isArray(node)) for (const item of node) allKeys(item, found);
    else if (node && typeof node === "object")
        for (const [key, child] of Object.entries(node)) {
            found.push(key);
            allKeys(child, found);
        }
    return found;
}
