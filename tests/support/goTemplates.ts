// Grafana notification templates read by Go's own text/template, through tools/gotemplate (Prometheus
// Alertmanager's template package and its DefaultFuncs, plus Grafana's function names): Go's parse error or
// the names a template defines and calls, and the output of contact point fields run as Grafana runs them.
import { runGoCheck } from "../../scripts/lib/goTools";

/** One of Grafana's notification templates: a name and a group of `{{ define }}` blocks. */
export interface NotificationTemplate {
    name: string;
    text: string;
}

export interface TemplateReading {
    name: string;
    /** Go's parse error (as Grafana's template validation reports it); the lists are then empty. */
    error?: string;
    /** Names the template's `define` and `block` actions add to the set. */
    defined: string[];
    /** Names called by `{{ template "name" }}` (and block) anywhere in the template. */
    called: string[];
    /** Text nodes of the top-level tree: what the template prints outside its defines. */
    topLevelText: string[];
}

type KV = Record<string, string>;
/** The fields of grafana/alerting's ExtendedAlert a sample alert sets; the rest are Go's zero values. */
export interface SampleAlert {
    status: "firing" | "resolved";
    labels?: KV;
    annotations?: KV;
    startsAt?: string;
    endsAt?: string;
    generatorURL?: string;
    fingerprint?: string;
    silenceURL?: string;
    dashboardURL?: string;
    panelURL?: string;
    values?: Record<string, number>;
    valueString?: string;
}
/** grafana/alerting's ExtendedData, the value a contact point's templated fields are executed with. */
export interface NotificationData {
    receiver?: string;
    status: "firing" | "resolved";
    alerts: SampleAlert[];
    groupLabels?: KV;
    commonLabels?: KV;
    commonAnnotations?: KV;
    externalURL?: string;
    groupKey?: string;
}

/** A contact point field (e.g. `{{ template "x.title" . }}`) executed against the set of every template given. */
export interface FieldExecution {
    text: string;
    data: NotificationData;
}
export interface ExecutionResult {
    text: string;
    output: string;
    error?: string;
}

/** Reads every template alone, and executes each field against all of them parsed into one set (as Grafana does). */
export function goTemplates(
    templates: NotificationTemplate[],
    executions: FieldExecution[] = [],
): { templates: TemplateReading[]; executions: ExecutionResult[] } {
    return runGoCheck("gotemplate", ["-"], JSON.stringify({ templates, executions }));
}

/** One template read by Go's parser. */
export function readGoTemplate(name: string, text: string): TemplateReading {
    return goTemplates([{ name, text }]).templates[0];
}
