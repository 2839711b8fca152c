// Turns the resources a program evaluation registered (inputs already redacted) into review files:
// Helm values, dashboards, alerting as Grafana provisioning YAML and Prometheus rule files, and a summary.
import { stringify } from "yaml";
import { type Footprint, stackFootprint } from "./footprint";
import { HELM_RELEASE_TYPE, type RenderedRelease } from "./helmTemplate";

export interface RecordedInputs {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

const TYPES = {
    release: HELM_RELEASE_TYPE,
    prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    dashboard: "grafana:oss/dashboard:Dashboard",
    folder: "grafana:oss/folder:Folder",
    datasource: "grafana:oss/dataSource:DataSource",
    ruleGroup: "grafana:alerting/ruleGroup:RuleGroup",
    contactPoint: "grafana:alerting/contactPoint:ContactPoint",
    notificationPolicy: "grafana:alerting/notificationPolicy:NotificationPolicy",
    muteTiming: "grafana:alerting/muteTiming:MuteTiming",
    messageTemplate: "grafana:alerting/messageTemplate:MessageTemplate",
} as const;

const yaml = (value: unknown) => stringify(value, { lineWidth: 0, sortMapEntries: false });
const parseJson = (text: unknown) => (typeof text === "string" ? JSON.parse(text) : text);

/** Rule groups in Grafana's file-provisioning format (what `Export` in the alerting UI shows). */
function grafanaRuleProvisioning(groups: RecordedInputs[], folderTitles: Map<string, string>): unknown {
    return {
        apiVersion: 1,
        groups: groups.map(({ inputs }) => ({
            orgId: 1,
            name: inputs.name,
            folder: folderTitles.get(inputs.folderUid) ?? inputs.folderUid,
            interval: `${inputs.intervalSeconds}s`,
            rules: (inputs.rules ?? []).map((rule: Record<string, any>) => ({
                uid: rule.uid,
                title: rule.name,
                condition: rule.condition,
                data: (rule.datas ?? []).map((data: Record<string, any>) => ({
                    refId: data.refId,
                    relativeTimeRange: data.relativeTimeRange,
                    datasourceUid: data.datasourceUid,
                    model: parseJson(data.model),
                })),
                noDataState: rule.noDataState,
                execErrState: rule.execErrState,
                for: rule.for,
                labels: rule.labels,
                annotations: rule.annotations,
                isPaused: rule.isPaused ?? false,
            })),
        })),
    };
}

const cores = (value: number) => (Math.round(value * 1000) / 1000).toString();
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

function footprintRow(name: string, footprint: Footprint): string {
    return `| ${name} | ${cores(footprint.cpuRequest)} | ${gib(footprint.memoryRequest)} | ${cores(footprint.cpuLimit)} | ${gib(footprint.memoryLimit)} | ${gib(footprint.storage)} |`;
}

function summary(recorded: RecordedInputs[], prometheusRuleCount: number, rendered: RenderedRelease[]): string {
    const byType = new Map<string, number>();
    for (const { type } of recorded) byType.set(type, (byType.get(type) ?? 0) + 1);
    const releases = recorded.filter((r) => r.type === TYPES.release);
    const footprint = stackFootprint(rendered);
    const lines = [
        "## Summary",
        "",
        `${recorded.length} resources; ${prometheusRuleCount} Prometheus rules rendered for promtool.`,
        "",
        "| resource type | count |",
        "|---|---|",
        ...[...byType].sort(([a], [b]) => a.localeCompare(b)).map(([type, count]) => `| \`${type}\` | ${count} |`),
        "",
        "| release | chart | version |",
        "|---|---|---|",
        ...releases.map((r) => `| ${r.inputs.name} | ${r.inputs.chart} | ${r.inputs.version} |`),
        "",
        "Footprint of the rendered manifests (DaemonSets on one node; hook jobs excluded):",
        "",
        "| chart | CPU requested | memory requested | CPU limit | memory limit | storage |",
        "|---|---|---|---|---|---|",
        ...footprint.releases.map((release) => footprintRow(release.chart, release.total)),
        footprintRow("**total**", footprint.total),
        "",
    ];
    return lines.join("\n");
}

/** File name → content. `prometheusRules` is the same alert rules rendered as a Prometheus rule file. */
export function renderFiles(
    recorded: RecordedInputs[],
    prometheusRules: { groups: unknown[] } = { groups: [] },
    releases: RenderedRelease[] = [],
): Record<string, string> {
    const files: Record<string, string> = {};
    for (const release of releases) {
        files[`manifests/${release.name}.yaml`] = `# ${release.name}: helm template of ${release.source.description}\n${release.manifest}`;
    }
    const of = (type: string) => recorded.filter((r) => r.type === type);

    for (const { inputs } of of(TYPES.release)) {
        const header = `# ${inputs.name}: chart ${inputs.chart} ${inputs.version} from ${inputs.repositoryOpts?.repo}, namespace ${inputs.namespace}\n`;
        files[`helm/${inputs.name}.values.yaml`] = header + yaml(inputs.values ?? {});
    }
    for (const { inputs } of of(TYPES.dashboard)) {
        const model = parseJson(inputs.configJson) as { uid: string };
        files[`dashboards/${model.uid}.json`] = `${JSON.stringify(model, null, 2)}\n`;
    }
    const folderTitles = new Map(of(TYPES.folder).map(({ inputs }) => [inputs.uid as string, inputs.title as string]));
    files["grafana/folders.yaml"] = yaml([...folderTitles].map(([uid, title]) => ({ uid, title })));
    files["grafana/datasources.yaml"] = yaml({
        apiVersion: 1,
        datasources: of(TYPES.datasource).map(({ inputs }) => ({ ...inputs, jsonData: parseJson(inputs.jsonDataEncoded), jsonDataEncoded: undefined })),
    });
    files["alerting/grafana-rules.yaml"] = yaml(grafanaRuleProvisioning(of(TYPES.ruleGroup), folderTitles));
    files["alerting/prometheus-rules.yaml"] = yaml(prometheusRules);
    files["alerting/slo-recording-rules.yaml"] = yaml({ groups: of(TYPES.prometheusRule).flatMap(({ inputs }) => inputs.spec?.groups ?? []) });
    files["alerting/contact-points.yaml"] = yaml(of(TYPES.contactPoint).map(({ inputs }) => inputs));
    files["alerting/notification-policy.yaml"] = yaml(of(TYPES.notificationPolicy).map(({ inputs }) => inputs));
    files["alerting/mute-timings.yaml"] = yaml(of(TYPES.muteTiming).map(({ inputs }) => inputs));
    files["alerting/message-templates.yaml"] = yaml(of(TYPES.messageTemplate).map(({ inputs }) => inputs));
    const ruleCount = (prometheusRules.groups as Array<{ rules?: unknown[] }>).reduce((sum, group) => sum + (group.rules?.length ?? 0), 0);
    files["SUMMARY.md"] = summary(recorded, ruleCount, releases) + manifestSummary(releases);
    return files;
}

/** The objects each release renders, by kind and name (the rendered manifests are in manifests/). */
function manifestSummary(releases: RenderedRelease[]): string {
    if (releases.length === 0) return "";
    const lines = ["", "Rendered manifests (`helm template`, in manifests/):", "", "| release | chart source | objects |", "|---|---|---|"];
    for (const release of releases) {
        const names = release.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
        lines.push(`| ${release.name} | ${release.source.description} | ${names.length}: ${names.join(", ")} |`);
    }
    return `${lines.join("\n")}\n`;
}
