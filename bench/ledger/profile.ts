import { randomUUID } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, type LogEvent, PostgresDialect } from "kysely";
import pg from "pg";
import pino from "pino";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { Database } from "../../src/db/database.ts";
import { PGliteDialect } from "../../src/db/pglite-dialect.ts";
import type { DB } from "../../src/db/schema.ts";
import { parseInt8 } from "../../src/shared/points.ts";
import { postInProcess, stringField } from "./load.ts";
import type { Engine } from "./options.ts";

/**
 * The request path without HTTP sockets or concurrency: the real app, driven in process with
 * `app.request()` one request at a time, with every SQL statement logged. It answers "how many
 * round trips does one request make" and "of one request's time, how much is spent waiting
 * for SQL and how much is JavaScript" (routing, validation, Kysely, the ledger rules, JSON).
 */
export interface OperationProfile {
  operation: "adjust" | "hold" | "capture";
  samples: number;
  statementsPerRequest: number;
  /** The statements of one request, in order, shortened to their first words. */
  statements: string[];
  wallMsPerRequest: number;
  sqlMsPerRequest: number;
  javascriptMsPerRequest: number;
}

const PROFILE_MEMBERS = 20;
const INT8 = 20;
const DATE = 1082;
const keepText = (value: string) => value;

interface Recorder {
  current: { sql: string; start: number; end: number }[] | null;
  log(event: LogEvent): void;
}

function recorder(): Recorder {
  const r: Recorder = {
    current: null,
    log(event) {
      if (event.level !== "query" || r.current === null) return;
      const end = performance.now();
      r.current.push({ sql: event.query.sql, start: end - event.queryDurationMillis, end });
    },
  };
  return r;
}

async function openLogged(engine: Engine, url: string | undefined, log: Recorder["log"]): Promise<Database> {
  if (engine === "postgres") {
    if (!url) throw new Error("profiling PostgreSQL needs a database URL");
    const pool = new pg.Pool({
      connectionString: url,
      max: 2,
      types: {
        getTypeParser: (oid: number, format?: "text" | "binary") => {
          if (oid === INT8) return parseInt8;
          if (oid === DATE) return keepText;
          return pg.types.getTypeParser(oid, format);
        },
      },
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log });
    return { db, engine, close: () => db.destroy() };
  }
  const pglite = await PGlite.create("memory://", { parsers: { [INT8]: parseInt8, [DATE]: keepText } });
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite), log });
  return { db, engine, close: () => db.destroy() };
}

/** Total time covered by possibly overlapping intervals (two queries sent together count once). */
function coveredMs(intervals: { start: number; end: number }[]): number {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  let total = 0;
  let reach = Number.NEGATIVE_INFINITY;
  for (const { start, end } of sorted) {
    if (end <= reach) continue;
    total += end - Math.max(start, reach);
    reach = end;
  }
  return total;
}

/** `select lots`, `select members for update`, `insert into postings`, `begin`, ... */
function shorten(statement: string): string {
  const flat = statement.replace(/\s+/g, " ").replace(/"/g, "").trim();
  if (/^with\s/i.test(flat)) {
    const names = [...flat.matchAll(/(\w+) as \(/gi)].map((m) => m[1]);
    return `with ${names.join(", ")}`;
  }
  const verb = flat.match(/^(select|insert into|update|delete from)\s/i)?.[1]?.toLowerCase();
  if (verb === undefined) return flat.split(" ").slice(0, 3).join(" ").toLowerCase();
  if (verb !== "select") return `${verb} ${flat.split(" ")[verb.split(" ").length] ?? ""}`;
  const table = flat.match(/\sfrom (\S+)/i)?.[1] ?? "?";
  return `select ${table}${/ for update$/i.test(flat) ? " for update" : ""}`;
}

export async function profileRequestPath(engine: Engine, url: string | undefined, samples: number): Promise<OperationProfile[]> {
  const rec = recorder();
  const database = await openLogged(engine, url, (event) => rec.log(event));
  const rootKey = `profile-root-${randomUUID()}`;
  const config = loadConfig({ STAMPBOOK_ROOT_KEY: rootKey, LOG_LEVEL: "silent" });
  const app = await createApp(config, { database, log: pino({ level: "silent" }) });
  try {
    const call = (key: string, path: string, body: unknown, idempotencyKey?: string) =>
      postInProcess(app, key, path, body, idempotencyKey);
    const created = await call(rootKey, "/v1/programs", { name: "profile", currency: "USD", timezone: "UTC" });
    const key = stringField(created, "apiKey", "secret");
    // Spread over a few members, as the HTTP runs do, so no member's open lots pile up.
    const memberIds: string[] = [];
    for (let i = 0; i < PROFILE_MEMBERS; i++) {
      const memberId = stringField(await call(key, "/v1/members", {}), "id");
      await call(key, `/v1/members/${memberId}/adjustments`, { points: 1_000_000_000, reason: "profile seed" });
      memberIds.push(memberId);
    }

    const totals = new Map<OperationProfile["operation"], { wall: number; sql: number; count: number; statements: string[] }>();
    const measure = async <T>(operation: OperationProfile["operation"], run: () => Promise<T>): Promise<T> => {
      rec.current = [];
      const started = performance.now();
      const result = await run();
      const wall = performance.now() - started;
      const seen = rec.current;
      rec.current = null;
      const total = totals.get(operation) ?? { wall: 0, sql: 0, count: 0, statements: [] };
      total.wall += wall;
      total.sql += coveredMs(seen);
      total.count += seen.length;
      total.statements = seen.map((s) => shorten(s.sql));
      totals.set(operation, total);
      return result;
    };
    // A few unmeasured rounds first: JIT, prepared plans, caches.
    const warmup = Math.min(20, samples);
    for (let i = 0; i < warmup + samples; i++) {
      if (i === warmup) totals.clear();
      const memberId = memberIds[i % memberIds.length] ?? "";
      await measure("adjust", () =>
        call(key, `/v1/members/${memberId}/adjustments`, { points: 10, reason: "profile" }, randomUUID()),
      );
      const hold = await measure("hold", () => call(key, `/v1/members/${memberId}/holds`, { points: 5 }, randomUUID()));
      const holdId = stringField(hold, "id");
      await measure("capture", () => call(key, `/v1/holds/${holdId}/capture`, {}, randomUUID()));
    }
    const round = (n: number) => Math.round(n * 1000) / 1000;
    return [...totals].map(([operation, t]) => ({
      operation,
      samples,
      statementsPerRequest: round(t.count / samples),
      statements: t.statements,
      wallMsPerRequest: round(t.wall / samples),
      sqlMsPerRequest: round(t.sql / samples),
      javascriptMsPerRequest: round((t.wall - t.sql) / samples),
    }));
  } finally {
    await app.close();
  }
}
