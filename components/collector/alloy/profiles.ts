// The profiles section of the collector's configuration: the pprof endpoints of pods that ask to be profiled,
// and the profiles applications push with a Pyroscope SDK, written to Pyroscope.
import { PROFILES_PUSH_PORT } from "../names";
import { POD_DISCOVERY, POD_LABEL_RULES } from "./logs";
import { quote } from "./syntax";

/**
 * The profile types a pod can ask for and the pyroscope.scrape block that collects each, in the convention of the
 * Pyroscope chart's own Alloy configuration (templates/configmap-alloy.yaml) and k8s-monitoring's profiling
 * feature (feature-profiling templates/_pprof.tpl): the annotation says `cpu`, the block is `process_cpu`.
 */
const PROFILE_BLOCKS = { memory: "memory", cpu: "process_cpu", goroutine: "goroutine", block: "block", mutex: "mutex", fgprof: "fgprof" } as const;
type ProfileType = keyof typeof PROFILE_BLOCKS;

/** The label discovery.kubernetes gives a pod annotation `profiles.grafana.com/<type>.<key>` (dots and slash as underscores). */
const annotation = (type: ProfileType, key: string) => `__meta_kubernetes_pod_annotation_profiles_grafana_com_${type}_${key}`;

/** The rules both ways of naming the port share: the scheme and the path, when the pod gives them. */
const schemeAndPathRules = (type: ProfileType) => `  rule {
    source_labels = ["${annotation(type, "scheme")}"]
    regex         = "(https?)"
    target_label  = "__scheme__"
  }
  rule {
    source_labels = ["${annotation(type, "path")}"]
    regex         = "(.+)"
    target_label  = "__profile_path__"
  }
`;

/**
 * How a pod names a type's port: by number (`<type>.port`, kept only while `<type>.port_name` is unset) or by
 * name. Either way the discovered container port must equal the annotation.
 */
const PORT_BY = {
    port: { portNameAnnotation: "keep", containerPort: "__meta_kubernetes_pod_container_port_number" },
    port_name: { portNameAnnotation: "drop", containerPort: "__meta_kubernetes_pod_container_port_name" },
} as const;

/** The relabeling that selects a type's targets whose port is named one way (PORT_BY). */
function portTargets(type: ProfileType, by: keyof typeof PORT_BY): string {
    const { portNameAnnotation, containerPort } = PORT_BY[by];
    return `discovery.relabel "profiles_${type}_${by}" {
  targets = discovery.relabel.pod_profiles.output

  rule {
    source_labels = ["${annotation(type, "scrape")}"]
    regex         = "true"
    action        = "keep"
  }
  rule {
    source_labels = ["${annotation(type, "port_name")}"]
    regex         = ""
    action        = "${portNameAnnotation}"
  }
  rule {
    source_labels = ["${containerPort}"]
    target_label  = "${annotation(type, by)}"
    action        = "keepequal"
  }
${schemeAndPathRules(type)}}
`;
}

/** The relabelings that select a type's targets: one per way of naming the port, by number or by name. */
function typeTargets(type: ProfileType): string {
    return `${portTargets(type, "port")}\n${portTargets(type, "port_name")}`;
}

/** One scrape per type, with only that type's block enabled: Alloy enables memory, block, goroutine, mutex and process_cpu by default. */
function typeScrape(type: ProfileType): string {
    const blocks = (Object.keys(PROFILE_BLOCKS) as ProfileType[])
        .map((other) => `    profile.${PROFILE_BLOCKS[other]} {\n      enabled = ${other === type}\n    }\n`)
        .join("");
    return `pyroscope.scrape "${type}" {
  targets    = array.concat(discovery.relabel.profiles_${type}_port.output, discovery.relabel.profiles_${type}_port_name.output)
  forward_to = [pyroscope.write.pyroscope.receiver]

  profiling_config {
${blocks}  }

  // With several replicas, each target is scraped by exactly one of them.
  clustering {
    enabled = true
  }
}
`;
}

/** Scrapes of annotated pods, labelled like their logs, and a push endpoint for Pyroscope SDKs, both to pyroscopeWriteUrl. */
export function profilesSection(pyroscopeWriteUrl: string): string {
    const types = (Object.keys(PROFILE_BLOCKS) as ProfileType[]).map((type) => `${typeTargets(type)}\n${typeScrape(type)}`);
    return `// ---- Profiles: the pprof endpoints of pods that ask for them, and what Pyroscope SDKs push ----

// A pod asks for a profile type with the annotation profiles.grafana.com/<type>.scrape: "true" and names its
// port by number (.port, a port its container declares) or by name (.port_name); .path and .scheme override
// Alloy's default path for the type and http. The convention of the Pyroscope chart's own Alloy configuration.
discovery.relabel "pod_profiles" {
  targets = ${POD_DISCOVERY}.targets

  // A pod that is not running has nothing to profile.
  rule {
    source_labels = ["__meta_kubernetes_pod_phase"]
    regex         = "Pending|Succeeded|Failed|Completed"
    action        = "drop"
  }
  // The labels of the pod's logs, so a service's profiles are found by the same selector.
${POD_LABEL_RULES}}

${types.join("\n")}
// Profiles applications push with a Pyroscope SDK, on the port the SDKs default to; they carry the
// service_name the SDK gives them (its application name).
pyroscope.receive_http "apps" {
  http {
    listen_address = "0.0.0.0"
    listen_port    = ${PROFILES_PUSH_PORT}
  }
  forward_to = [pyroscope.write.pyroscope.receiver]
}

pyroscope.write "pyroscope" {
  endpoint {
    url = ${quote(pyroscopeWriteUrl)}
  }
}
`;
}
