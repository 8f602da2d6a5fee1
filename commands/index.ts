// Every chat command, in the order /help lists them. Adapters register these
// with Slack and Discord; nothing else declares a command.
import type { CommandDef } from "../src/dispatch/types.ts";
import { buildRegistry, type Registry } from "../src/dispatch/dispatch.ts";
import { helpCommand } from "./help.ts";
import adjust from "./adjust.ts";
import benefits from "./benefits.ts";
import certify from "./certify.ts";
import dispute from "./dispute.ts";
import leaderboard from "./leaderboard.ts";
import points from "./points.ts";
import site from "./site.ts";
import tier from "./tier.ts";
import activity from "./activity.ts";
import apply from "./apply.ts";
import commitments from "./commitments.ts";
import log from "./log.ts";
import pause from "./pause.ts";
import program from "./program.ts";
import report from "./report.ts";
import review from "./review.ts";
import schedule from "./schedule.ts";
import { linkCommand, unlinkCommand } from "./link.ts";
import badges from "./badges.ts";
import settings from "./settings.ts";
import dashboard from "./dashboard.ts";
import member from "./member.ts";

export const commands: CommandDef[] = [];
commands.push(helpCommand(() => commands), tier, points, benefits, site, leaderboard, certify, adjust, dispute);
commands.push(apply, log, commitments, pause, activity, program, review, report);
commands.push(schedule);
commands.push(linkCommand, unlinkCommand);
commands.push(badges, settings);
commands.push(dashboard, member);

export const registry: Registry = buildRegistry(commands);
