// Whether an error means "the database cannot be reached right now" (stopped, restarting, failing
// over, network gone) rather than a fault in Steward. Such a failure changed nothing: the
// transaction it happened in never committed. Callers answer "try again" instead of an apology,
// and loops back off instead of logging every attempt.

/** Node socket errors and the SQLSTATEs of a server that is shutting down, starting up or full. */
const CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, shutting down)
  "53300", // too_many_connections
  // Prisma: can't reach the server, connect timeout, server closed the connection, pool timeout.
  "P1001",
  "P1002",
  "P1017",
  "P2024",
]);

/** How @prisma/adapter-pg names a lost server in its DriverAdapterError. */
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

/** pg's own messages for a connection that went away, which carry no code. */
const MESSAGES = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|server closed the connection unexpectedly/i;

interface Shape {
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  meta?: { driverAdapterError?: { cause?: unknown } };
}

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > 5) return false;
  const e = err as Shape;
  for (const code of [e.code, e.originalCode]) {
    if (typeof code !== "string") continue;
    // SQLSTATE class 08: connection exception.
    if (CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (typeof e.kind === "string" && ADAPTER_KINDS.has(e.kind)) return true;
  if (typeof e.message === "string" && MESSAGES.test(e.message)) return true;
  const inner = [e.cause, e.meta?.driverAdapterError?.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  return inner.some((i) => isDatabaseUnavailable(i, depth + 1));
}
