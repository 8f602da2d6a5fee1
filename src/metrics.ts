// Counters and histograms that only the process doing the work can observe
// (a delivery's latency, a schedule run's outcome, a webhook's answer). Each
// runtime has its own prom-client registry; the ops server adds the database
// gauges (outbox backlog) to it and serves it on /metrics.
import { Counter, Histogram, Registry } from "prom-client";

export interface StewardMetrics {
  registry: Registry;
  /** From the row's creation (the change that caused it) to its delivery. */
  deliveryLatency: Histogram<"kind">;
  /** Each delivery attempt's outcome: delivered, retry, failed, rate-limited, held. */
  deliveries: Counter<"result">;
  /** ran, already-ran, not-due per schedule; `failed` when the run threw. */
  scheduleRuns: Counter<"schedule" | "status">;
  scheduleFailures: Counter<"schedule">;
  /** Requests platforms send in (Slack events, Discord's OAuth2 redirect) by HTTP status. */
  webhooks: Counter<"source" | "status">;
  /** How long Slack's requests (its own HTTP receiver, not the ops server) take to answer. */
  webhookDuration: Histogram<"source" | "status">;
}

export function createMetrics(): StewardMetrics {
  const registry = new Registry();
  return {
    registry,
    deliveryLatency: new Histogram({
      name: "steward_outbox_delivery_seconds",
      help: "Seconds from an outbox row's creation to its delivery",
      labelNames: ["kind"],
      buckets: [0.1, 0.5, 1, 2, 5, 15, 60, 300, 1800, 3600, 6 * 3600, 24 * 3600],
      registers: [registry],
    }),
    deliveries: new Counter({ name: "steward_outbox_deliveries_total", help: "Outbox delivery attempts by result", labelNames: ["result"], registers: [registry] }),
    scheduleRuns: new Counter({ name: "steward_schedule_runs_total", help: "Schedule runs by schedule and outcome", labelNames: ["schedule", "status"], registers: [registry] }),
    scheduleFailures: new Counter({ name: "steward_schedule_failures_total", help: "Schedule runs that threw", labelNames: ["schedule"], registers: [registry] }),
    webhooks: new Counter({ name: "steward_webhook_requests_total", help: "Requests from platforms by source and HTTP status", labelNames: ["source", "status"], registers: [registry] }),
    webhookDuration: new Histogram({
      name: "steward_webhook_request_duration_seconds",
      help: "Seconds from a platform request's arrival on its own receiver (Slack's, SLACK_PORT) to its answer's end",
      labelNames: ["source", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
