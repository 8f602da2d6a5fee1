// `steward member export <member>` and `steward member forget <member> [--dry-run]`: answering a member
// who asks for their data or for its erasure (src/services/privacy.ts).
import type { Config } from "../config.ts";
import { UserError } from "../core/errors.ts";
import { createRuntime } from "../runtime.ts";
import { exportMember, forgetMember } from "../services/privacy.ts";

type Out = (s: string) => void;
/** Who the audit log names for what the operator does from the shell. */
const OPERATOR = { memberId: "operator" };

const USAGE = "steward member export <member> > member.json   |   steward member forget <member> [--dry-run]";

export async function memberCommand(config: Config, args: string[], dryRun: boolean, out: Out, err: Out): Promise<number> {
  const [action, who, ...extra] = args;
  if ((action !== "export" && action !== "forget") || !who || extra.length) {
    err(`Usage: ${USAGE}\n`);
    return 1;
  }
  const runtime = await createRuntime(config);
  try {
    if (action === "export") {
      out(`${JSON.stringify(await exportMember(runtime.app, who), null, 2)}\n`);
      return 0;
    }
    const report = await forgetMember(runtime.app, OPERATOR, who, dryRun);
    const lines = Object.entries(report.changes)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([table, n]) => `  ${table}: ${n} row${n === 1 ? "" : "s"}`);
    const head = report.dryRun
      ? `Dry run: forgetting ${report.was} (member ${report.member}) would make them ${report.becomes} and delete or scrub these rows:`
      : `Forgot ${report.was} (member ${report.member}): now ${report.becomes}. Rows deleted or scrubbed:`;
    const tail = report.dryRun ? "Nothing was changed." : "Ledger amounts and dates are kept. The audit log records this as 'member forget', without the erased data.";
    out(`${head}\n${lines.join("\n")}\n${tail}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UserError) {
      err(`${e.message}${e.hint ? ` ${e.hint}` : ""}\n`);
      return 1;
    }
    throw e;
  } finally {
    await runtime.close();
  }
}
