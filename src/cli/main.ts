import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import pino from "pino";
import { createApp } from "../app.ts";
import { type Config, loadConfig } from "../config.ts";
import { openDatabase } from "../db/database.ts";
import { migrate } from "../db/migrator.ts";
import { seedDemo } from "../demo/demo.seed.ts";
import { DomainError } from "../shared/errors.ts";
import { CreateStaffSchema } from "../staff/staff.schemas.ts";

const USAGE = `Usage: stampbook <command> [options]

Commands:
  serve                 Start the HTTP server (migrates the database first); until a programme is set
                        up, prints a one-time setup link to open in the browser
  migrate               Apply pending database migrations and exit
  verify                Check every ledger invariant on the whole database; exit 1 on any violation
  jobs run --as-of <t>  Do all due work (activations, expiries, hold time-outs) up to time t (ISO 8601)
  staff create --program <id> --email <e> --role owner|manager|cashier [--name <n>]
                        Add a staff account (e.g. a programme's first owner) and print its id; the
                        password is read from STAMPBOOK_STAFF_PASSWORD, else asked for (twice) in a terminal

Options (each also an environment variable; flags win):
  --port <n>            PORT                  (default 3000)
  --host <h>            HOST                  (default 0.0.0.0)
  --data-dir <path>     STAMPBOOK_DATA_DIR    (default ./stampbook-data; embedded PGlite)
  --database-url <url>  DATABASE_URL          (PostgreSQL instead of the embedded database)
  --log-level <level>   LOG_LEVEL             (default info)
  --json                verify: print the full report as JSON
  -h, --help            Show this help`;

function configFrom(values: Record<string, string | boolean | undefined>): Config {
  return loadConfig(process.env, {
    port: values.port,
    host: values.host,
    dataDir: values["data-dir"],
    databaseUrl: values["database-url"],
    logLevel: values["log-level"],
  });
}

async function withDatabase<T>(config: Config, work: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const database = await openDatabase(
    config.databaseUrl
      ? { engine: "postgres", url: config.databaseUrl, poolSize: 2 }
      : { engine: "pglite", dataDir: config.dataDir },
  );
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      "database-url": { type: "string" },
      "log-level": { type: "string" },
      "as-of": { type: "string" },
      program: { type: "string" },
      email: { type: "string" },
      role: { type: "string" },
      name: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const config = configFrom(values);

  switch (command) {
    case "serve":
      return runServer(config);
    case "migrate": {
      const ran = await withDatabase(config, (database) => migrate(database.db));
      console.log(ran.length ? `Applied ${ran.join(", ")}` : "Database is up to date");
      return 0;
    }
    case "verify": {
      const app = await toolApp(config);
      try {
        const report = await app.services.verify();
        if (values.json) console.log(JSON.stringify(report, null, 2));
        else {
          for (const check of report.checks) {
            console.log(`${check.violations === 0 ? "ok  " : "FAIL"} ${check.name}: ${check.description}`);
            for (const example of check.examples) console.log(`       ${JSON.stringify(example)}`);
          }
          const c = report.counts;
          console.log(
            `${c.transactions} transactions, ${c.postings} postings, ${c.lots} lots, ${c.holds} holds, ${c.members} members`,
          );
          console.log(report.ok ? "Ledger verified: every invariant holds." : "Ledger verification FAILED.");
        }
        return report.ok ? 0 : 1;
      } finally {
        await app.close();
      }
    }
    case "jobs": {
      if (sub !== "run") throw new Error("Usage: stampbook jobs run [--as-of <ISO time>]");
      const asOf = values["as-of"] ? new Date(values["as-of"]) : new Date();
      if (Number.isNaN(asOf.getTime())) throw new Error(`--as-of: "${values["as-of"]}" is not an ISO 8601 time`);
      const app = await toolApp(config);
      try {
        console.log(JSON.stringify(await app.services.jobs.run(asOf)));
        return 0;
      } finally {
        await app.close();
      }
    }
    case "staff": {
      if (sub !== "create") throw new Error(STAFF_USAGE);
      return createStaff(config, values);
    }
    default:
      console.error(`Unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

const STAFF_USAGE = "Usage: stampbook staff create --program <id> --email <email> --role owner|manager|cashier [--name <name>]";

/**
 * `stampbook staff create`: a staff account written straight to the database (no server needed),
 * recorded in the programme's audit log with actor `cli`. The password never travels on the
 * command line (it would stay in shell history and process lists).
 */
async function createStaff(config: Config, values: Record<string, string | boolean | undefined>): Promise<number> {
  const programId = typeof values.program === "string" ? values.program : "";
  const account = CreateStaffSchema.omit({ password: true }).safeParse({
    email: values.email,
    role: values.role,
    ...(values.name !== undefined && { name: values.name }),
  });
  if (!programId || !account.success) {
    if (!programId) console.error("--program: the programme's id is required");
    for (const issue of account.error?.issues ?? []) console.error(`--${issue.path.join(".")}: ${issue.message}`);
    console.error(STAFF_USAGE);
    return 2;
  }
  const password = process.env.STAMPBOOK_STAFF_PASSWORD ?? (process.stdin.isTTY ? await askNewPassword() : null);
  if (password === null) {
    console.error(
      "No password given: set STAMPBOOK_STAFF_PASSWORD, or run the command in a terminal to be asked for one (12 characters or more)",
    );
    return 2;
  }
  const input = CreateStaffSchema.safeParse({ ...account.data, password });
  if (!input.success) {
    for (const issue of input.error.issues) console.error(`${issue.path.join(".")}: ${issue.message}`);
    return 2;
  }
  const app = await toolApp(config);
  try {
    await app.services.programs.get(programId);
    const result = await app.services.staff.create(
      {
        scope: "-",
        key: null,
        fingerprint: "",
        requestId: `cli-${process.pid}-${Date.now()}`,
        actor: "cli",
        route: { action: "CLI staff create", summary: "Add a staff account (stampbook staff create)", params: { programId } },
      },
      programId,
      input.data,
    );
    console.log((result.body as { id: string }).id);
    return 0;
  } catch (error) {
    if (error instanceof DomainError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  } finally {
    await app.close();
  }
}

/** Asks for a new password twice, without echo; null if the two differ. */
async function askNewPassword(): Promise<string | null> {
  const first = await askHidden("Password for the new account: ");
  const second = await askHidden("Same password again: ");
  if (first !== second) {
    console.error("The two passwords differ");
    return null;
  }
  return first;
}

/** Reads one line from the terminal without echoing it (raw mode; backspace works, Ctrl-C cancels). */
function askHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const done = (result: string | null) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (result === null) reject(new Error("Cancelled"));
      else resolve(result);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return done(value);
        if (ch === "\u0003") return done(null);
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on("data", onData);
  });
}

async function runServer(config: Config): Promise<number> {
  const app = await createApp(config);
  const { log } = app.services;
  const rootSecret = await app.services.apiKeys.ensureRootKey();
  if (rootSecret) {
    // Printed once, to the terminal, never logged: only its hash is stored.
    process.stdout.write(
      `\n  Operator (root) key, shown once; store it now:\n\n    ${rootSecret}\n\n  It creates further programmes: in the console (/admin/setup) or with POST /v1/programs\n\n`,
    );
  }
  if (!config.smtpUrl) {
    log.warn(
      "SMTP_URL is not set: emails (members' portal sign-in codes) are written to this log, not sent. Set SMTP_URL to send them",
    );
  }
  // Before the demo is seeded: a first start is one with no programme yet.
  const setupToken = await app.services.setup.issueAtStart();
  const server = serve({ fetch: app.http.fetch, port: config.port, hostname: config.host }, (info) => {
    if (setupToken) {
      // Like the root key: printed once, to the terminal, never logged (only its hash is stored).
      const link = app.services.setup.setupLink(`http://localhost:${info.port}`, setupToken.token);
      process.stdout.write(
        `\n  Set up your loyalty programme in the browser (this link works once, until ${setupToken.expiresAt.toISOString()}):\n\n    ${link}\n\n`,
      );
    }
    log.info(
      { port: info.port, database: app.services.database.engine, dataDir: config.databaseUrl ? undefined : config.dataDir },
      `Stampbook listening on http://localhost:${info.port}`,
    );
  });
  // Outlive clients' and load balancers' idle connections (often 60 s), so a pooled keep-alive
  // socket is never closed by us just as a client sends a request on it.
  if ("keepAliveTimeout" in server) {
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
  }
  if (config.demo) {
    // After listening (the server answers meanwhile), before the job scheduler, whose clock must
    // not run ahead of the demo's own. The staff come first, so an interrupted seed still opens.
    const address = server.address();
    const port = address && typeof address === "object" ? address.port : config.port;
    const demo = await seedDemo(app.services.database, {
      log,
      onStaff: (access) => {
        // Like the root key: printed once, to the terminal, never logged.
        const staff = access.staff.map((s) => `    ${s.role.padEnd(8)} ${s.email}`).join("\n");
        process.stdout.write(
          `\n  Demo programme "${access.programName}" (${access.programId}), shown once:\n\n` +
            `    Console   http://localhost:${port}/admin?program=${access.programId}\n` +
            `    Password  ${access.password}   (for every demo staff account below)\n\n${staff}\n\n` +
            "  Writing the demo's year of history now (under a minute); the console fills in meanwhile.\n\n",
        );
      },
    });
    if (demo) {
      const { password: _shownOnce, ...created } = demo;
      log.info({ demo: created }, `Demo programme "${demo.programName}" created (STAMPBOOK_DEMO=0 turns this off)`);
      const c = demo.counts;
      process.stdout.write(
        `  Demo history written in ${Math.round(demo.ms / 1000)} s: ${c.members} members, ${c.purchases} purchases by members and ${c.guestPurchases} by walk-ins, ${c.redemptions} redemptions.\n\n`,
      );
    }
  }
  app.services.jobs.start(config.jobsIntervalSeconds * 1000);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  log.info("shutting down");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await app.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);

/**
 * The app for a one-off command (verify, jobs, staff): its answer is stdout (`verify --json` is
 * read by programs), so its log, warnings included, goes to stderr.
 */
function toolApp(config: Config) {
  return createApp({ ...config, databasePoolSize: 2 }, { log: pino({ level: config.logLevel }, pino.destination(2)) });
}
