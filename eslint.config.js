import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";

// Layers import downwards only (README, "The shape of the code"). Each block below says what one
// layer may not import; the import string is matched, so `(../)+x/` is the folder `x` wherever
// the importing file sits. Read from the top of the stack down:
//
//   entry points  src/main.ts, src/cli.ts          anything: the only files that import adapters,
//                                                  through the list of platforms (src/adapters/index.ts)
//   adapters      src/adapters/<platform>/         chat (kit, renderers), services, domain, core,
//                                                  the delivery contract src/jobs/target.ts and the
//                                                  start contract src/adapters/platform.ts; never
//                                                  another adapter, the command framework (only
//                                                  through the kit), the store or other jobs code
//   jobs          src/jobs/                        services, store, domain, chat's Reply, core
//   commands      commands/                        command framework, chat, services, domain,
//                                                  core; never the store (not even `app.db`),
//                                                  jobs or adapters
//   kit           src/kit/                         the dispatcher, chat, domain, core: an invocation run
//                                                  through the dispatcher and answered (never the store)
//   dispatch      src/dispatch/ (framework)        chat, domain, core; the audit service (every
//                                                  denial is audited in the dispatcher), the members
//                                                  service (the member a subcommand is about)
//   services      src/services/                    domain, store, core, chat's Reply model and
//                                                  pictures (outbox rows carry a Reply)
//   chat          src/chat/ (Reply, renderers,     domain, core, chat
//                 pictures, text fitting)
//   store         src/store/                       the generated client, domain, core
//   domain        src/domain/                      core only, and no I/O
//   core          src/core/                        nothing of the project
//   (bin/ launches src/ and is imported by nothing; no file reaches itself through its imports)
//
// The few real exceptions are allowed file by file below, each with its reason.

/** An import of the folder `dir` of src/, from any depth (`../store/x.ts`, `../../store/x.ts`). */
const folder = (dirs, message) => ({ regex: `^(\\.\\./)+(${dirs.join("|")})(/|$)`, message });
/** An import of one of src/'s top-level files (`../app.ts`, `../../runtime.ts`). */
const topFile = (names, message) => ({ regex: `^(\\.\\./)+(${names.join("|")})\\.ts$`, message });
const ENTRY = ["main", "cli", "runtime"];
/** The launchers (bin/) start the program; no layer imports them back. */
const BIN = { regex: "^(\\.\\./)+bin/", message: "bin/ launches the program; share a helper from src/ instead." };
const restrict = (...patterns) => ({ "no-restricted-imports": ["error", { patterns: [...patterns, BIN] }] });

const ADAPTERS = "Only the entry points (src/main.ts, src/cli.ts) import an adapter; pass what a layer needs in as a parameter.";
const COMMANDS = "The command files are the top of the command stack: an adapter gets them as the registry.";
const JOBS = "Jobs sit above the services; a service writes an outbox row and the jobs deliver it.";
const STORE = "Reach the database through a service.";
const WIRING = "Wiring (runtime, entry points) is imported by nobody below it.";
const GENERATED = "The Prisma client is the store's: use src/store/client.ts.";

export default tseslint.config(
  { ignores: ["src/generated/**", "node_modules/**", "data/**", "coverage/**", "dist/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // Core is the bottom: the types and helpers every layer shares, importing nothing of the project.
    files: ["src/core/**/*.{ts,mjs}"],
    rules: restrict({ regex: "^\\.\\./", message: "src/core imports nothing of the project: every layer imports it." }),
  },
  {
    // The domain is pure: core's types at most, and no I/O.
    files: ["src/domain/**/*.{ts,mjs}"],
    rules: restrict(
      folder(["store", "services", "adapters", "jobs", "chat", "kit", "dispatch", "http", "programs", "generated"], "The domain is pure rules: it imports core at most."),
      topFile(["app", "config", "log", "metrics", ...ENTRY], "The domain is pure rules: it imports core at most."),
      { regex: "^(\\.\\./)+commands/", message: COMMANDS },
      { group: ["node:*"], message: "The domain does no I/O." },
    ),
  },
  {
    files: ["src/programs/**/*.{ts,mjs}"],
    rules: restrict(
      folder(["store", "services", "adapters", "jobs", "chat", "kit", "dispatch", "http", "generated"], "A program pack is data and its loader: it imports the domain's types."),
      topFile(ENTRY, WIRING),
    ),
  },
  {
    files: ["src/store/**/*.{ts,mjs}"],
    rules: restrict(
      folder(["services", "adapters", "jobs", "chat", "kit", "dispatch", "http", "programs"], "The store is below the services: it knows tables, not use cases."),
      topFile(ENTRY, WIRING),
    ),
  },
  {
    // The Reply model, its renderers and pictures decide nothing about points or tiers and store nothing.
    files: ["src/chat/**/*.{ts,mjs}"],
    rules: restrict(
      folder(["store", "services", "adapters", "jobs", "dispatch", "kit", "http", "programs", "generated"], "The Reply model and its renderers only render: they import domain and core."),
      topFile(ENTRY, WIRING),
      { regex: "^(\\.\\./)+commands/", message: COMMANDS },
    ),
  },
  {
    // The interaction kit runs an invocation through the command framework; the platform glue stays in the adapters.
    files: ["src/kit/**/*.{ts,mjs}"],
    rules: restrict(folder(["adapters"], ADAPTERS), folder(["jobs"], JOBS), folder(["store", "generated"], `${STORE} The kit gets what it needs through the dispatcher.`), topFile(ENTRY, WIRING), {
      regex: "^(\\.\\./)+commands/",
      message: COMMANDS,
    }),
  },
  {
    files: ["src/services/**/*.{ts,mjs}"],
    rules: restrict(
      folder(["adapters"], ADAPTERS),
      folder(["jobs"], JOBS),
      folder(["dispatch", "kit", "http"], "Services are below the command framework and the HTTP server: take plain values, return results, throw UserError from core."),
      { regex: "^(\\.\\./)+(kit/|chat/plain-text\\.ts$)", message: "Services build a Reply (chat/reply.ts) at most; rendering and the interaction kit belong to the adapters." },
      folder(["generated"], GENERATED),
      topFile(ENTRY, WIRING),
      { regex: "^(\\.\\./)+commands/", message: COMMANDS },
    ),
  },
  {
    // The framework's dispatcher audits every denial (the audit service), resolves the member a subcommand is
    // about (the members service).
    files: ["src/dispatch/**/*.{ts,mjs}"],
    rules: restrict(
      folder(["adapters"], ADAPTERS),
      folder(["jobs"], JOBS),
      folder(["http", "generated"], "The command framework is platform-neutral."),
      { regex: "^(\\.\\./)+services/(?!(audit|members)\\.ts$)", message: "The command framework uses the audit and members services only; commands call the services." },
      folder(["store"], `${STORE} The dispatcher reads members through the members service.`),
      topFile(ENTRY, WIRING),
      { regex: "^(\\.\\./)+commands/", message: COMMANDS },
    ),
  },
  {
    files: ["commands/**/*.ts"],
    ignores: ["commands/schedule.ts"],
    rules: {
      ...restrict(
        { regex: "^\\.\\./src/store/", message: STORE },
        { regex: "^\\.\\./src/jobs/", message: "A command calls services; the jobs call the same services." },
        { regex: "^\\.\\./src/(adapters|http)/", message: "A command never knows which platform it runs on." },
        { regex: "^\\.\\./src/generated/", message: GENERATED },
        { regex: "^\\.\\./src/(main|cli|runtime)\\.ts$", message: WIRING },
      ),
      "no-restricted-syntax": ["error", { selector: "MemberExpression[property.name='db']", message: `${STORE} (commands do not touch app.db).` }],
    },
  },
  {
    // /schedule is the operator's handle on the scheduler itself: it lists the schedule table and runs
    // one now, which is jobs code (src/jobs/index.ts, schedules.ts) that no service may import.
    files: ["commands/schedule.ts"],
    rules: {
      ...restrict(
        { regex: "^\\.\\./src/store/", message: STORE },
        { regex: "^\\.\\./src/jobs/(?!index\\.ts$|schedules\\.ts$)", message: "/schedule uses the scheduler's listing and run-now only." },
        { regex: "^\\.\\./src/(adapters|http)/", message: "A command never knows which platform it runs on." },
        { regex: "^\\.\\./src/generated/", message: GENERATED },
        { regex: "^\\.\\./src/(main|cli|runtime)\\.ts$", message: WIRING },
      ),
      "no-restricted-syntax": ["error", { selector: "MemberExpression[property.name='db']", message: `${STORE} (commands do not touch app.db).` }],
    },
  },
  {
    files: ["src/jobs/**/*.{ts,mjs}"],
    rules: restrict(
      folder(["adapters"], `${ADAPTERS} Delivery targets are handed to the jobs at start.`),
      folder(["dispatch", "kit", "http", "generated"], "Jobs call the services, as commands do."),
      { regex: "^(\\.\\./)+(kit/|chat/plain-text\\.ts$)", message: "Jobs queue Replies; the adapters render them." },
      topFile(["main", "cli"], WIRING),
      { regex: "^(\\.\\./)+commands/", message: COMMANDS },
    ),
  },
  {
    // One folder per platform: its receiver, renderer and delivery target, importing no other adapter.
    files: ["src/adapters/*/*.ts", "src/adapters/*/*.tsx"],
    ignores: ["src/adapters/web/routes.ts", "src/adapters/discord/linked-role-routes.ts"],
    rules: restrict(
      { regex: "^\\.\\./(?!platform\\.ts$)[^./]", message: "An adapter imports no other adapter: share through the kit (src/kit) or core; its start.ts implements src/adapters/platform.ts." },
      folder(["store", "generated"], STORE),
      folder(["dispatch"], "An adapter supplies primitives to the kit (src/kit/adapter.ts) and reaches the dispatcher only through it (src/kit/framework.ts)."),
      { regex: "^(\\.\\./)+jobs/(?!target\\.ts$)", message: "An adapter knows the jobs only as the delivery contract (src/jobs/target.ts)." },
      topFile(["main", "cli"], WIRING),
    ),
  },
  {
    // Discord's Linked Roles is an OAuth page on the dashboard's server: the dashboard mounts Discord's
    // routes, and those routes draw their pages with the dashboard's shell. Only these two files cross.
    files: ["src/adapters/web/routes.ts", "src/adapters/discord/linked-role-routes.ts"],
    rules: restrict(
      { regex: "^\\.\\./(?!discord/linked-role|web/pages\\.tsx$|platform\\.ts$)[^./]", message: "Only the Linked Roles routes cross between the dashboard and Discord." },
      folder(["store", "generated"], STORE),
      { regex: "^(\\.\\./)+jobs/(?!target\\.ts$)", message: "An adapter knows the jobs only as the delivery contract (src/jobs/target.ts)." },
      topFile(["main", "cli"], WIRING),
    ),
  },
  {
    // The start contract (platform.ts) and the list of platforms (index.ts): the list imports each
    // platform's start.ts and nothing else; the contract is types over the layers a start receives.
    files: ["src/adapters/*.ts"],
    rules: restrict(
      folder(["store", "generated", "services", "dispatch", "chat", "domain"], "The start contract is about starting platforms; what they do is in their folders."),
      { regex: "^(\\.\\./)+jobs/(?!target\\.ts$)", message: "A platform knows the jobs only as the delivery contract (src/jobs/target.ts)." },
      topFile(["main", "cli"], WIRING),
      { regex: "^(\\.\\./)+commands/", message: COMMANDS },
    ),
  },
  {
    // The HTTP server mounts what the entry point hands it.
    files: ["src/http/**/*.{ts,mjs}"],
    rules: restrict(folder(["adapters"], ADAPTERS), topFile(["main", "cli"], WIRING), { regex: "^(\\.\\./)+commands/", message: COMMANDS }),
  },
  {
    // The application context, configuration, logging and metrics: below everything that receives them.
    files: ["src/app.ts", "src/config.ts", "src/log.ts", "src/metrics.ts", "src/runtime.ts"],
    rules: restrict(
      { regex: "^\\./(adapters|services|jobs|command|chat|http)/", message: "The application context is built before any layer that receives it." },
      { regex: "^\\.\\./commands/", message: COMMANDS },
      { regex: "^\\./(main|cli)\\.ts$", message: WIRING },
    ),
  },
  {
    // A cycle makes load order decide which import is still undefined; type-only imports are not followed.
    files: ["**/*.ts", "**/*.tsx", "**/*.mjs"],
    plugins: { "import-x": importX },
    settings: { "import-x/extensions": [".ts", ".tsx", ".mjs", ".js"], "import-x/parsers": { "@typescript-eslint/parser": [".ts", ".tsx"] } },
    rules: { "import-x/no-cycle": ["error", { ignoreExternal: true }] },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);
