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

/** One operation's averages: adjust, hold and capture here; other benchmarks measure their own. */
export type OperationProfile = MeasuredOperation;

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

/** `select lots`, `select members for update`, `select rewards for key share`, `insert into postings`, `begin`, ... */
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
  const lock = flat.match(/ (for (?:no key update|update|key share|share))$/i)?.[1]?.toLowerCase();
  return `select ${table}${lock ? ` ${lock}` : ""}`;
}

/** The real app in process on a database whose every statement is timed, for `measure`. */
export interface ProfiledApp {
  rootKey: string;
  /** POSTs through `app.request()`; throws on a non-2xx answer. */
  post(key: string, path: string, body: unknown, idempotencyKey?: string): Promise<unknown>;
  /** Runs `run` and adds its wall time, SQL time and statements to `operation`'s totals. */
  measure<T>(operation: string, run: () => Promise<T>): Promise<T>;
  /** Forgets what was measured (after a warm-up: JIT, prepared plans, caches). */
  reset(): void;
  /** Per-call averages of each operation measured since the last reset. */
  results(): MeasuredOperation[];
  close(): Promise<void>;
}

export interface MeasuredOperation {
  operation: string;
  samples: number;
  statementsPerRequest: number;
  /** The statements of the last call, in order, shortened to their first words. */
  statements: string[];
  /** Mean milliseconds per call in each kind of statement (statements with the same short form added up). */
  msByStatement: Record<string, number>;
  wallMsPerRequest: number;
  sqlMsPerRequest: number;
  javascriptMsPerRequest: number;
}

/** Opens a logged database (PGlite in memory, or `url`), and the real app on it, with a fresh root key. */
export async function openProfiledApp(engine: Engine, url: string | undefined): Promise<ProfiledApp> {
  const rec = recorder();
  const database = await openLogged(engine, url, (event) => rec.log(event));
  const rootKey = `profile-root-${randomUUID()}`;
  const config = loadConfig({ STAMPBOOK_ROOT_KEY: rootKey, LOG_LEVEL: "silent" });
  const app = await createApp(config, { database, log: pino({ level: "silent" }) });
  const totals = new Map<
    string,
    { wall: number; sql: number; statements: number; calls: number; last: string[]; byStatement: Map<string, number> }
  >();
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    rootKey,
    post: (key, path, body, idempotencyKey) => postInProcess(app, key, path, body, idempotencyKey),
    async measure(operation, run) {
      rec.current = [];
      const started = performance.now();
      try {
        return await run();
      } finally {
        const wall = performance.now() - started;
        const seen = rec.current;
        rec.current = null;
        const total = totals.get(operation) ?? { wall: 0, sql: 0, statements: 0, calls: 0, last: [], byStatement: new Map() };
        total.wall += wall;
        total.sql += coveredMs(seen);
        total.statements += seen.length;
        total.calls += 1;
        total.last = seen.map((s) => shorten(s.sql));
        seen.forEach((s, i) => {
          const name = total.last[i] ?? "?";
          total.byStatement.set(name, (total.byStatement.get(name) ?? 0) + (s.end - s.start));
        });
        totals.set(operation, total);
      }
    },
    reset: () => totals.clear(),
    results: () =>
      [...totals].map(([operation, t]) => ({
        operation,
        samples: t.calls,
        statementsPerRequest: round(t.statements / t.calls),
        statements: t.last,
        msByStatement: Object.fromEntries([...t.byStatement].map(([name, ms]) => [name, round(ms / t.calls)])),
        wallMsPerRequest: round(t.wall / t.calls),
        sqlMsPerRequest: round(t.sql / t.calls),
        javascriptMsPerRequest: round((t.wall - t.sql) / t.calls),
      })),
    close: () => app.close(),
  };
}

export async function profileRequestPath(engine: Engine, url: string | undefined, samples: number): Promise<OperationProfile[]> {
  const app = await openProfiledApp(engine, url);
  try {
    const call = app.post;
    const created = await call(app.rootKey, "/v1/programs", { name: "profile", currency: "USD", timezone: "UTC" });
    const key = stringField(created, "apiKey", "secret");
    // Spread over a few members, as the HTTP runs do, so no member's open lots pile up.
    const memberIds: string[] = [];
    for (let i = 0; i < PROFILE_MEMBERS; i++) {
      const memberId = stringField(await call(key, "/v1/members", {}), "id");
      await call(key, `/v1/members/${memberId}/adjustments`, { points: 1_000_000_000, reason: "profile seed" });
      memberIds.push(memberId);
    }
    // A few unmeasured rounds first: JIT, prepared plans, caches.
    const warmup = Math.min(20, samples);
    for (let i = 0; i < warmup + samples; i++) {
      if (i === warmup) app.reset();
      const memberId = memberIds[i % memberIds.length] ?? "";
      await app.measure("adjust", () =>
        call(key, `/v1/members/${memberId}/adjustments`, { points: 10, reason: "profile" }, randomUUID()),
      );
      const hold = await app.measure("hold", () => call(key, `/v1/members/${memberId}/holds`, { points: 5 }, randomUUID()));
      const holdId = stringField(hold, "id");
      await app.measure("capture", () => call(key, `/v1/holds/${holdId}/capture`, {}, randomUUID()));
    }
    return app.results();
  } finally {
    await app.close();
  }
}
