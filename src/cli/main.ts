import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { createApp } from "../app.ts";
import { type Config, loadConfig } from "../config.ts";
import { openDatabase } from "../db/database.ts";
import { migrate } from "../db/migrator.ts";

const USAGE = `Usage: stampbook <command> [options]

Commands:
  serve                 Start the HTTP server (migrates the database first)
  migrate               Apply pending database migrations and exit
  verify                Check every ledger invariant on the whole database; exit 1 on any violation
  jobs run --as-of <t>  Do all due work (activations, expiries, hold time-outs) up to time t (ISO 8601)

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
      const app = await createApp({ ...config, databasePoolSize: 2 });
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
      const app = await createApp({ ...config, databasePoolSize: 2 });
      try {
        console.log(JSON.stringify(await app.services.jobs.run(asOf)));
        return 0;
      } finally {
        await app.close();
      }
    }
    default:
      console.error(`Unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function runServer(config: Config): Promise<number> {
  const app = await createApp(config);
  const { log } = app.services;
  const rootSecret = await app.services.apiKeys.ensureRootKey();
  if (rootSecret) {
    // Printed once, to the terminal, never logged: only its hash is stored.
    process.stdout.write(
      `\n  Operator (root) key, shown once; store it now:\n\n    ${rootSecret}\n\n  Create a programme with it: POST /v1/programs\n\n`,
    );
  }
  app.services.jobs.start(config.jobsIntervalSeconds * 1000);
  const server = serve({ fetch: app.http.fetch, port: config.port, hostname: config.host }, (info) => {
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
