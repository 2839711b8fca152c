// Cases of Grafana's health rules (components/grafana/healthRules.ts).
import { GRAFANA_RELEASE } from "../../../components/grafana/names";
import type { RuleCases } from "./cases";
import { gauge, series } from "./syntheticSeries";

export const GRAFANA_CASES: RuleCases = {
    "stack-grafana-down": ({ namespace }) => {
        // The chart's ServiceMonitor leaves the job to be the Service's name, the release name.
        const grafana = { namespace, job: GRAFANA_RELEASE, instance: "10.0.0.5:3000", pod: "grafana-0" };
        return [
            {
                name: "Grafana stops answering after 5 minutes",
                series: [
                    series(
                        "up",
                        grafana,
                        gauge([
                            { minutes: 5, value: 1 },
                            { minutes: 15, value: 0 },
                        ]),
                    ),
                ],
                checks: [
                    { at: "9m", firing: [] },
                    { at: "10m", firing: [grafana] },
                ],
            },
            {
                name: "Grafana answers while another job is down",
                series: [
                    series("up", grafana, gauge([{ minutes: 20, value: 1 }])),
                    series("up", { ...grafana, job: "loki", pod: "loki-0" }, gauge([{ minutes: 20, value: 0 }])),
                ],
                checks: [{ at: "15m", firing: [] }],
            },
        ];
    },
};
