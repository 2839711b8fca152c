import type { EvaluationOptions } from "../lib/childEvaluation";
import { generatedServices, measure, ms, pairedRatio, table } from "./measure";

const SCALE = [1, 10, 100, 1000];

export function scale(runs: number): void {
    console.log(
        `\n2. Scale: production (compiled) with N services (a rule group each, packed into PrometheusRules of at most 512 KiB; one shared SLO dashboard and the SLO alerts), median of ${runs} rounds`,
    );
    const results = measure(
        SCALE.map(
            (count): EvaluationOptions => ({ runtime: "compiled", mode: "program", stack: "production", overrides: { services: generatedServices(count) } }),
        ),
        runs,
    ).map((result, index) => ({ count: SCALE[index], ...result }));
    table(
        ["services", "resources", "evaluated", "CPU", "wall", "max RSS MB"],
        results.map((r) => [r.count, r.registered, ms(r.evaluatedMs), ms(r.evaluatedCpuMs), ms(r.wallMs), r.maxRssMb.toFixed(0)]),
    );
    const first = results[0];
    const last = results[results.length - 1];
    console.log(
        `  time ${last.count} ÷ ${first.count} services = ${pairedRatio(last.runs, first.runs, (r) => r.evaluatedMs).toFixed(2)}× (goal ≤ 1.3×), ` +
            `CPU ${pairedRatio(last.runs, first.runs, (r) => r.evaluatedCpuMs).toFixed(2)}× (paired within rounds); memory ${(last.maxRssMb / first.maxRssMb).toFixed(2)}×`,
    );
    const slopes = results.slice(1).map((r, index) => (r.registered - results[index].registered) / (r.count - results[index].count));
    console.log(
        `  resources per added service: ${slopes.map((s) => s.toFixed(2)).join(", ")} (${new Set(slopes.map((s) => s.toFixed(6))).size === 1 ? "linear" : "not linear"})`,
    );
    const perService = results.slice(1).map((r, index) => (r.evaluatedMs - results[index].evaluatedMs) / (r.count - results[index].count));
    console.log(`  ms per added service: ${perService.map((s) => s.toFixed(1)).join(", ")}`);
}
