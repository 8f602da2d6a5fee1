// Builds and starts the Bolt app: Socket Mode when SLACK_APP_TOKEN is set,
// the HTTP receiver otherwise (Bolt verifies the signing secret and refuses
// requests older than five minutes with 401; Steward refuses those more than
// five minutes in the future too; message events are taken before Bolt sees
// them, message-events.ts). SLACK_API_URL points both Web API clients
// elsewhere (GovSlack, a proxy, the tests' fake Slack).
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { App as BoltApp, HTTPReceiver, LogLevel, type Logger as BoltLogger } from "@slack/bolt";
import type { Registry } from "../../kit/framework.ts";
import { registerTarget, type DeliveryTarget } from "../../jobs/target.ts";
import type { Logger } from "../../log.ts";
import type { Runtime } from "../../runtime.ts";
import { registerActions } from "./actions.ts";
import { SlackActors } from "./actors.ts";
import { registerCommands } from "./slash.ts";
import type { SlackContext } from "./context.ts";
import { homeView, registerEvents } from "./events.ts";
import { acceptMessageEvents } from "./message-events.ts";
import { outboxClient, slackTarget } from "./target.ts";

export const SLACK_EVENTS_PATH = "/slack/events";

export interface SlackOptions {
  /** Overrides SLACK_PORT (0: any free port; the tests use it). */
  port?: number;
  /** Where the HTTP receiver listens; default all interfaces, the tests use 127.0.0.1. */
  host?: string;
}

export interface RunningSlack {
  target: DeliveryTarget;
  /** The HTTP receiver's port; undefined in Socket Mode. */
  port: number | undefined;
  /** For listeners added by other features (and the tests). */
  context: SlackContext;
  stop(): Promise<void>;
}

/** Slack's window for X-Slack-Request-Timestamp, either way from now. */
const TIMESTAMP_WINDOW_SEC = 5 * 60;

/**
 * Bolt's receiver refuses a timestamp older than the window but takes any
 * timestamp ahead of the clock, so a signed request would stay valid for as
 * long as its timestamp is ahead. Requests from further in the future than
 * the window are refused here, before Bolt reads them, the way Bolt refuses
 * stale ones: 401 and nothing done. (Socket Mode has no timestamps.)
 */
export function refuseFutureRequests(receiver: HTTPReceiver, log: Logger, nowMs: () => number = Date.now): void {
  const handle = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    const timestamp = Number(req.headers["x-slack-request-timestamp"]);
    if (Number.isFinite(timestamp) && timestamp > Math.floor(nowMs() / 1000) + TIMESTAMP_WINDOW_SEC) {
      log.warn({ timestamp, path: req.url }, "Slack request refused: X-Slack-Request-Timestamp is more than 5 minutes in the future");
      res.writeHead(401).end();
      return;
    }
    handle(req, res);
  };
}

/** Every request Slack sends in, by the status it got, and how long it took (steward_webhook_requests_total, steward_webhook_request_duration_seconds). */
function countResults(receiver: HTTPReceiver, app: Runtime["app"]): void {
  const handle = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    const stop = app.metrics?.webhookDuration.startTimer();
    res.once("finish", () => {
      app.metrics?.webhooks.inc({ source: "slack", status: String(res.statusCode) });
      stop?.({ source: "slack", status: String(res.statusCode) });
    });
    handle(req, res);
  };
}

/** Bolt logs through Steward's logger, so one LOG_LEVEL governs both. */
function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const write = (fn: "debug" | "info" | "warn" | "error") => (...msg: unknown[]) => log[fn]({ component: "bolt" }, msg.map(String).join(" "));
  return {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

export async function startSlack(runtime: Runtime, registry: Registry, options: SlackOptions = {}): Promise<RunningSlack> {
  const { app } = runtime;
  const config = app.config;
  if (!config.SLACK_BOT_TOKEN) throw new Error("SLACK_BOT_TOKEN is not set");
  const logger = boltLogger(app.log);
  const slackApiUrl = config.SLACK_API_URL;
  // Request-path calls (views.open, respond, App Home) answer someone who is waiting: a few quick retries at most.
  const clientOptions = { ...(slackApiUrl ? { slackApiUrl } : {}), retryConfig: { retries: 2, maxTimeout: 2000 } };

  let receiver: HTTPReceiver | undefined;
  let bolt: BoltApp;
  if (config.SLACK_APP_TOKEN) {
    bolt = new BoltApp({ token: config.SLACK_BOT_TOKEN, appToken: config.SLACK_APP_TOKEN, socketMode: true, logger, clientOptions });
  } else {
    if (!config.SLACK_SIGNING_SECRET) throw new Error("SLACK_SIGNING_SECRET is needed for the HTTP receiver (or set SLACK_APP_TOKEN for Socket Mode)");
    receiver = new HTTPReceiver({ signingSecret: config.SLACK_SIGNING_SECRET, endpoints: [SLACK_EVENTS_PATH], logger, processBeforeResponse: false });
    bolt = new BoltApp({ token: config.SLACK_BOT_TOKEN, receiver, logger, clientOptions });
  }

  const context: SlackContext = { app, registry, actors: new SlackActors(app, bolt.client), client: bolt.client };
  registerCommands(bolt, context);
  registerActions(bolt, context);
  registerEvents(bolt, context);
  if (receiver && config.SLACK_SIGNING_SECRET) {
    // Innermost first: the counts and the refusal of future timestamps cover message events too.
    acceptMessageEvents(receiver, context, SLACK_EVENTS_PATH, config.SLACK_SIGNING_SECRET);
    refuseFutureRequests(receiver, app.log);
    countResults(receiver, app);
  }
  bolt.error(async (err) => {
    app.log.error({ err }, "unhandled Slack listener error");
  });
  // Declared before Bolt takes requests, so the first command after boot already queues its App Home refresh.
  const target = slackTarget(app, outboxClient(config.SLACK_BOT_TOKEN, slackApiUrl, logger), { homeView: (userId) => homeView(context, userId) });
  registerTarget(app, target);

  let port: number | undefined;
  if (receiver) {
    const listen = { port: options.port ?? config.SLACK_PORT, ...(options.host ? { host: options.host } : {}) };
    const server = (await bolt.start(listen)) as Server;
    port = (server.address() as AddressInfo).port;
    app.log.info({ port, path: SLACK_EVENTS_PATH }, "Slack HTTP receiver listening");
  } else {
    await bolt.start();
    app.log.info("Slack connected through Socket Mode");
  }

  return {
    target,
    port,
    context,
    stop: async () => {
      await bolt.stop();
    },
  };
}
