// discord.js's REST sends with undici 6's request() and, given no agent, through
// the process-wide default undici dispatcher, a slot every undici copy shares
// and the first one loaded fills. In `steward serve` Slack starts first, and
// Bolt's Socket Mode client loads undici 7, which then owns that slot; undici 7
// cannot encode the FormData discord.js builds for file uploads (the tier card
// failed with "action is not a function"). An agent from discord.js's own undici
// (package.json pins the same major, so npm shares one copy; a unit test checks
// it) keeps every Discord request inside one undici, whatever else is loaded.
import { Agent } from "undici";

export const discordAgent = new Agent();
