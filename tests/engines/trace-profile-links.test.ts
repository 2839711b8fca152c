// Traces → profiles on what the producers really write. tools/profileproducers (tests/support/profileProducers.ts)
// runs otel-profiling-go around the OpenTelemetry SDK's tracer and pyroscope-go's profiler in one Go process: a root
// span and its child each burn CPU, the spans are recorded as the SDK ends them, and the CPU profile pyroscope-go
// uploads is captured by a local server. The Tempo datasource's tracesToProfiles (each stack's, as the Grafana
// provider receives it) and the service overview's flame graph are then run the way Grafana and Pyroscope run them
// over that output: which spans get a profiles link, the span selector, the label selector and the profile type.
//
// Producer sources (Apache-2.0; the versions tools/profileproducers/go.mod pins, checked below):
//   - github.com/grafana/otel-profiling-go v0.7.0 otelpyroscope.go profileTracer.Start: with the default scopes
//     (ScopeRootSpan) the first local span gets the attribute `pyroscope.profile.id` = its span ID, and the context
//     and goroutine get the pprof labels span_id (the local root's ID), span_name (the local root's name) and
//     trace_id (set on the local root; descendants inherit it), so the Go CPU profiler records them on samples.
//   - github.com/grafana/pyroscope-go v1.5.0: upstream/remote/remote.go uploadProfile (POST <ServerAddress>/ingest,
//     query name/from/until/spyName/sampleRate/units/aggregationType, multipart `profile` and, for some types,
//     `sample_type_config`); internal/semconv/labels.go MergeTagsWithAppName (name = ApplicationName{labels});
//     collector.go cpuProfileCollector.upload (the runtime's CPU pprof, spyName "gospy", no sample_type_config).
// Consumer sources, ported below because both are AGPL (read, never a dependency or a process here):
//   - grafana/pyroscope v2.2.1: pkg/ingester/pyroscope/ingest_handler.go parseInputMetadataFromRequest (labelset.Parse
//     of `name`; the tool runs that parser from the Apache-2.0 module github.com/grafana/pyroscope/api v1.5.0, the
//     version v2.2.1's go.mod requires, its model/labelset identical to v2.2.1's api/model/labelset);
//     pkg/og/convert/pprof/profile.go RawProfile.createLabels (__name__ from metricName, __delta__, pyroscope_spy,
//     service_name = the LabelSet's ServiceName() unless the name carries service_name, then every label not
//     starting with "__" but __session_id__: pkg/model/labels.go IsLabelAllowedForIngestion) and metricName (with
//     pkg/og/storage/tree/pprof.go DefaultSampleTypeMapping when the upload has no sample_type_config);
//     pkg/model/labels.go LabelNameServiceName = "service_name"; pkg/model/pprofsplit/pprof_split.go
//     VisitSampleSeries (sample labels other than span_id and trace_id join the series labels, the series' own
//     first); pkg/phlaredb/labels/labels.go CreateProfileLabels (one series per sample type, __profile_type__ =
//     name:sample type:sample unit:period type:period unit); pkg/model/profile.go ParseProfileTypeSelector and
//     SelectorFromProfileType (a query's profile type ID is matched against __profile_type__), NewSpanSelector
//     (16 hex digits, little-endian uint64); pkg/pprof/pprof.go SpanIDLabelName "span_id", ProfileSpans /
//     spanIDFromLabels (each sample's span ID, decoded the same way); pkg/model/labels.go ParseMetricSelector
//     (Prometheus' parser: Prometheus matcher semantics).
//   - grafana/grafana: public/app/features/explore/TraceView/createSpanLink.tsx (pyroscopeProfileIdTagKey =
//     'pyroscope.profile.id'; a span's link is of type Profiles only when the tracesToProfiles datasource's type is
//     'grafana-pyroscope-datasource' and the span's tags include that key; scopedVarsFromTags / getFormattedTags:
//     `__tags` = `${mapping.value || mapping.key}="<value>"` for each mapped key among the span's process (resource)
//     tags, its tags, spanId, traceId, name and duration, joined by ", "; defaultProfilingKeys when no tags are set);
//     public/app/plugins/datasource/tempo/resultTransformer.ts transformTrace (the link's Pyroscope query:
//     labelSelector `{${__tags}}` unless customQuery, profileTypeId, queryType 'profile', spanSelector
//     [`${__span.tags["pyroscope.profile.id"]}`]); TraceTimelineViewer/SpanDetail/SpanFlameGraph.tsx (the flame graph
//     in the span's details: the same selectors); pkg/tsdb/tempo/trace_transform.go (resource attributes become the
//     span's process tags). The stored copies could not be tied to one Grafana tag; these lines are the same in
//     every stored copy that has tracesToProfiles.
import "../helpers/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { DASHBOARD_UIDS } from "../../components/grafana/uids";
import { allPanels, targetsWithDatasource } from "../helpers/dashboardQueries";
import { type BuiltContent, buildContent, type RecordedDatasource } from "../helpers/grafanaContent";
import { substituteGrafanaVariables, syntaxErrors } from "../helpers/grammars";
import { type Matcher, selects } from "../helpers/labelMatchers";
import { REPO_ROOT, STACK_NAMES } from "../helpers/stacks";
import { type ProducedSpan, type ProducerReport, runProfileProducers, type Upload, type UploadedSample } from "../support/profileProducers";

/** The application both SDKs are given, as a service would name itself in both. */
const APP = "checkout";

// ---- Grafana (createSpanLink.tsx, resultTransformer.ts) ----

const PYROSCOPE_PROFILE_ID_TAG_KEY = "pyroscope.profile.id";
const PYROSCOPE_DATASOURCE_TYPE = "grafana-pyroscope-datasource";
/** formatDefaultKeys(['service.name', 'service.namespace']): the first "." of each key becomes "_". */
const DEFAULT_PROFILING_KEYS = [
    { key: "service.name", value: "service_name" },
    { key: "service.namespace", value: "service_namespace" },
];

interface KeyValue {
    key: string;
    value: string;
}
/** A span as Grafana's trace view holds it: resource attributes as process tags, span attributes as tags. */
interface GrafanaSpan {
    spanID: string;
    traceID: string;
    operationName: string;
    process: { tags: KeyValue[] };
    tags: KeyValue[];
}
interface ProfilesQuery {
    labelSelector: string;
    profileTypeId: string;
    queryType: string;
    spanSelector: string[];
    datasource: RecordedDatasource;
}

const entries = (record: Record<string, string>): KeyValue[] => Object.entries(record).map(([key, value]) => ({ key, value }));
const asGrafanaSpan = (span: ProducedSpan, resource: Record<string, string> = span.resource): GrafanaSpan => ({
    spanID: span.spanId,
    traceID: span.traceId,
    operationName: span.name,
    process: { tags: entries(resource) },
    tags: entries(span.attributes),
});

function getFormattedTags(span: GrafanaSpan, mappings: Array<{ key: string; value?: string }>): string {
    return [
        ...span.process.tags,
        ...span.tags,
        { key: "spanId", value: span.spanID },
        { key: "traceId", value: span.traceID },
        { key: "name", value: span.operationName },
    ]
        .flatMap((tag) => {
            const mapping = mappings.find((m) => m.key === tag.key);
            return mapping ? [`${mapping.value ? mapping.value : mapping.key}="${tag.value}"`] : [];
        })
        .join(", ");
}

/** The span's "Profiles for this span" query, or undefined when Grafana offers none for it. */
function grafanaProfilesLink(tempo: RecordedDatasource, datasources: RecordedDatasource[], span: GrafanaSpan): ProfilesQuery | undefined {
    const options = tempo.jsonData.tracesToProfiles;
    const datasource = datasources.find((ds) => ds.uid === options?.datasourceUid);
    if (!options || !datasource || datasource.type !== PYROSCOPE_DATASOURCE_TYPE) return undefined;
    const profileId = span.tags.find((tag) => tag.key === PYROSCOPE_PROFILE_ID_TAG_KEY);
    if (!profileId) return undefined;
    const mappings = options.tags?.length > 0 ? options.tags : DEFAULT_PROFILING_KEYS;
    return {
        labelSelector: options.customQuery ? options.query : `{${getFormattedTags(span, mappings)}}`,
        profileTypeId: options.profileTypeId ?? "",
        queryType: "profile",
        spanSelector: [profileId.value],
        datasource,
    };
}

// ---- Pyroscope v2.2.1 (ingest labels, profile types, span selection, matchers) ----

const SERVICE_NAME_LABEL = "service_name";
const SPAN_ID_LABEL = "span_id";
const TRACE_ID_LABEL = "trace_id";
/** DefaultSampleTypeMapping's display names. */
const DEFAULT_DISPLAY_NAMES: Record<string, string> = { samples: "cpu", goroutine: "goroutines", contentions: "mutex_count", delay: "mutex_duration" };

/** RawProfile.metricName: the profile's __name__. */
function profileName(upload: Upload): string {
    const types = upload.profile.sampleTypes.map((t) => t.type);
    if (types.includes("wall")) return "wall";
    const displayName = (type: string) =>
        upload.sampleTypeConfig ? upload.sampleTypeConfig[type]?.["display-name"] || type : DEFAULT_DISPLAY_NAMES[type] || type;
    let st = "";
    for (const type of types) {
        st = displayName(type);
        if (st.includes("cpu")) return "process_cpu";
        if (st.includes("alloc_") || st.includes("inuse_") || st === "space" || st === "objects") return "memory";
        if (st.includes("mutex_")) return "mutex";
        if (st.includes("block_")) return "block";
        if (st.includes("goroutines")) return "goroutines";
    }
    return st;
}

/** The labels of the series a sample is stored under (createLabels, then VisitSampleSeries), without __profile_type__. */
function seriesLabels(upload: Upload, sample: UploadedSample): Record<string, string> {
    const fromName = upload.name.labels;
    const labels: Record<string, string> = { __name__: profileName(upload), __delta__: "false", pyroscope_spy: upload.query.spyName || "unknown" };
    if (!(SERVICE_NAME_LABEL in fromName)) labels[SERVICE_NAME_LABEL] = upload.name.serviceName;
    for (const [name, value] of Object.entries(fromName)) if (!name.startsWith("__") || name === "__session_id__") labels[name] = value;
    for (const [name, value] of Object.entries(sample.labels)) if (name !== SPAN_ID_LABEL && name !== TRACE_ID_LABEL && !labels[name]) labels[name] = value;
    return labels;
}

/** CreateProfileLabels: the profile type ID of each sample type of the upload, in the pprof's order. */
function profileTypeIds(upload: Upload): Array<{ sampleType: string; sampleUnit: string; id: string }> {
    const period = upload.profile.periodType;
    assert.ok(period, "the upload has no period type");
    return upload.profile.sampleTypes.map((t) => ({
        sampleType: t.type,
        sampleUnit: t.unit,
        id: [profileName(upload), t.type, t.unit, period.type, period.unit].join(":"),
    }));
}

/** NewSpanSelector / spanIDFromLabels: 16 hex digits as a little-endian uint64; anything else selects nothing. */
function spanKey(id: string | undefined): bigint | undefined {
    if (id === undefined || !/^[0-9a-fA-F]{16}$/.test(id)) return undefined;
    return Buffer.from(id, "hex").readBigUInt64LE();
}

/** The matchers of a label selector, read from the PromQL grammar's tree (the parser Pyroscope uses). */
function selectorMatchers(selector: string): Matcher[] {
    assert.deepStrictEqual(syntaxErrors("profileselector", selector), [], selector);
    const { parser } = require("@prometheus-io/lezer-promql");
    const matchers: Matcher[] = [];
    parser.parse(selector).iterate({
        enter: (node: any) => {
            if (!node.name.endsWith("LabelMatcher")) return;
            const name = node.node.getChild("LabelName");
            const op = node.node.getChild("MatchOp");
            const value = node.node.getChild("StringLiteral");
            matchers.push({
                name: selector.slice(name.from, name.to),
                op: selector.slice(op.from, op.to) as Matcher["op"],
                value: JSON.parse(selector.slice(value.from, value.to)),
            });
            return false;
        },
    });
    return matchers;
}

// ---- The producers' output ----

/** The module versions tools/profileproducers/go.mod requires. */
function pinnedModules(): Record<string, string> {
    const goMod = fs.readFileSync(path.join(REPO_ROOT, "tools", "profileproducers", "go.mod"), "utf8");
    return Object.fromEntries([...goMod.matchAll(/^\s+(\S+) (v\S+)/gm)].map((match) => [match[1], match[2]]));
}

const totalSamples = (samples: UploadedSample[]) => samples.reduce((sum, sample) => sum + sample.values[0], 0);

describe("Traces → profiles on what otel-profiling-go and pyroscope-go write", function () {
    this.timeout(300_000);
    let produced: ProducerReport;
    let root: ProducedSpan;
    let child: ProducedSpan;
    let cpu: Upload;
    const built: Record<string, BuiltContent> = {};
    const tempoOf = (stack: string) => built[stack].datasources.find((ds) => ds.type === "tempo")!;
    const linkOf = (stack: string, span: GrafanaSpan) => grafanaProfilesLink(tempoOf(stack), built[stack].datasources, span);

    before(async () => {
        produced = runProfileProducers(APP);
        root = produced.spans.find((span) => span.parentSpanId === "")!;
        child = produced.spans.find((span) => span.parentSpanId === root?.spanId)!;
        cpu = produced.uploads.find((upload) => upload.profile.samples.length > 0)!;
        for (const stack of STACK_NAMES) built[stack] = await buildContent(stack);
    });

    describe("what the producers write", () => {
        it("runs the pinned producers: a root span, its child, and a CPU profile uploaded to /ingest under the application's name", () => {
            const pinned = pinnedModules();
            for (const [module, version] of Object.entries(produced.modules)) assert.strictEqual(version, pinned[module], module);
            assert.deepStrictEqual(Object.keys(produced.modules).sort(), [
                "github.com/grafana/otel-profiling-go",
                "github.com/grafana/pyroscope-go",
                "github.com/grafana/pyroscope/api",
                "go.opentelemetry.io/otel/sdk",
            ]);
            assert.ok(root && child, JSON.stringify(produced.spans));
            assert.strictEqual(produced.spans.length, 2);
            assert.strictEqual(child.traceId, root.traceId);
            assert.strictEqual(root.resource["service.name"], APP);
            assert.ok(cpu, "no upload with samples");
            assert.deepStrictEqual([cpu.method, cpu.path, cpu.query.spyName], ["POST", "/ingest", "gospy"]);
            assert.strictEqual(cpu.name.serviceName, APP, cpu.query.name);
        });

        it("otel-profiling-go writes pyroscope.profile.id, the span's own ID, on the local root only", () => {
            assert.strictEqual(root.attributes[PYROSCOPE_PROFILE_ID_TAG_KEY], root.spanId);
            assert.ok(!(PYROSCOPE_PROFILE_ID_TAG_KEY in child.attributes), JSON.stringify(child.attributes));
        });

        it("otel-profiling-go labels the goroutine with the root's span_id while the root and its child run; pyroscope-go uploads them on the samples", () => {
            for (const span of [root, child]) assert.strictEqual(span.goroutineLabels[SPAN_ID_LABEL], root.spanId, span.name);
            for (const span of [root, child]) {
                const ran = cpu.profile.samples.filter((sample) => sample.functions.includes(span.work));
                assert.ok(ran.length > 0, `no CPU sample in ${span.work}`);
                for (const sample of ran) assert.strictEqual(sample.labels[SPAN_ID_LABEL], root.spanId, `${span.work}: ${JSON.stringify(sample.labels)}`);
            }
        });
    });

    for (const stack of STACK_NAMES) {
        describe(stack, () => {
            it("offers a span's profiles exactly when the span carries the attribute otel-profiling-go writes", () => {
                for (const span of produced.spans) {
                    const link = linkOf(stack, asGrafanaSpan(span));
                    assert.strictEqual(Boolean(link), PYROSCOPE_PROFILE_ID_TAG_KEY in span.attributes, span.name);
                }
                assert.ok(linkOf(stack, asGrafanaSpan(root)), "the root span gets no profiles link");
            });

            it("selects by span the samples taken in the root span and its child, and nothing else", () => {
                const link = linkOf(stack, asGrafanaSpan(root))!;
                assert.strictEqual(link.queryType, "profile");
                const wanted = link.spanSelector.map(spanKey).filter((key): key is bigint => key !== undefined);
                assert.strictEqual(wanted.length, link.spanSelector.length, `Pyroscope refuses the span selector ${link.spanSelector}`);
                const selected = cpu.profile.samples.filter((sample) => {
                    const key = spanKey(sample.labels[SPAN_ID_LABEL]);
                    return key !== undefined && wanted.includes(key);
                });
                const worked = cpu.profile.samples.filter((sample) => sample.functions.includes(root.work) || sample.functions.includes(child.work));
                assert.ok(totalSamples(worked) > 0);
                assert.deepStrictEqual(selected, worked);
                // The child's own ID is on no sample: with the default scope its CPU time is under the root's.
                assert.ok(!cpu.profile.samples.some((sample) => spanKey(sample.labels[SPAN_ID_LABEL]) === spanKey(child.spanId)));
            });

            it("selects by label the series Pyroscope stores the SDK's application under, and not another service's", () => {
                const link = linkOf(stack, asGrafanaSpan(root))!;
                const matchers = selectorMatchers(link.labelSelector);
                assert.ok(matchers.length > 0, link.labelSelector);
                for (const sample of cpu.profile.samples) {
                    const labels = seriesLabels(cpu, sample);
                    assert.ok(selects(matchers, labels), `${link.labelSelector} misses ${JSON.stringify(labels)}`);
                }
                const elsewhere = linkOf(stack, asGrafanaSpan(root, { ...root.resource, "service.name": "cart" }))!;
                assert.ok(!cpu.profile.samples.some((sample) => selects(selectorMatchers(elsewhere.labelSelector), seriesLabels(cpu, sample))));
            });

            it("asks for the CPU-time profile type of pyroscope-go's CPU upload", () => {
                const { profileTypeId } = linkOf(stack, asGrafanaSpan(root))!;
                const types = profileTypeIds(cpu);
                const cpuTime = types.filter((t) => t.sampleUnit === "nanoseconds");
                assert.strictEqual(cpuTime.length, 1, JSON.stringify(types));
                assert.strictEqual(profileTypeId, cpuTime[0].id);
                // ParseProfileTypeSelector takes five parts; SelectorFromProfileType joins them back into __profile_type__.
                assert.strictEqual(profileTypeId.split(":").length, 5);
            });
        });
    }

    it("the service overview's flame graph selects the same series, CPU time, for the service picked", () => {
        const model = built.dev.dashboards.find((d) => d.uid === DASHBOARD_UIDS.serviceOverview)!.model;
        const flameGraphs = allPanels(model).filter((panel) => panel.type === "flamegraph");
        assert.strictEqual(flameGraphs.length, 1);
        const targets = targetsWithDatasource(model).filter(({ panel }) => panel === flameGraphs[0]);
        assert.strictEqual(targets.length, 1);
        const { target, datasource } = targets[0];
        assert.strictEqual(built.dev.datasources.find((ds) => ds.uid === datasource?.uid)?.type, PYROSCOPE_DATASOURCE_TYPE);
        assert.strictEqual(target.queryType, "profile");
        const cpuTime = profileTypeIds(cpu).find((t) => t.sampleUnit === "nanoseconds")!;
        assert.strictEqual(target.profileTypeId, cpuTime.id);
        // $service holds the service's name (the value of the metrics' service label), here the application's.
        const withService = (service: string) => target.labelSelector.replaceAll("$service", service);
        assert.strictEqual(substituteGrafanaVariables(withService(APP)), withService(APP), "a variable other than $service");
        for (const sample of cpu.profile.samples) assert.ok(selects(selectorMatchers(withService(APP)), seriesLabels(cpu, sample)));
        assert.ok(!cpu.profile.samples.some((sample) => selects(selectorMatchers(withService("cart")), seriesLabels(cpu, sample))));
    });
});
