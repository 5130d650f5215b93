import { readFile } from "node:fs/promises";
import type { RawBuilder } from "kysely";
import pg from "pg";
import pino from "pino";
import { inject } from "vitest";
import { type App, createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { type VerifyReport, verifyLedger } from "../../src/ledger/ledger.verify.ts";
import { ManualClock } from "../../src/shared/clock.ts";

export const TEST_ROOT_KEY = "test-root-key-0123456789abcdef";

export type EngineName = "pglite" | "postgres";

/**
 * The engines integration tests run on: PGlite always, PostgreSQL when the run has a database
 * (global setup says loudly when it skips it, and fails under REQUIRE_POSTGRES=1).
 */
export function engines(): EngineName[] {
  return inject("postgresUrl") ? ["pglite", "postgres"] : ["pglite"];
}

export async function openTestDatabase(engine: EngineName, poolSize = 8, options: { own?: boolean } = {}): Promise<Database> {
  if (engine === "postgres") {
    const url = inject("postgresUrl");
    if (!url) throw new Error("PostgreSQL is not available in this run");
    return options.own ? openOwnPostgres(url, poolSize) : openDatabase({ engine: "postgres", url, poolSize });
  }
  const template = inject("pgliteTemplate");
  return openDatabase({
    engine: "pglite",
    ...(template && { loadDataDir: new Blob([await readFile(template)]) }),
  });
}

let owned = 0;

/**
 * A PostgreSQL database of the caller's own, next to the run's (which every test file shares, so
 * its whole-table counts move under other files' writes), migrated by createApp and dropped on close.
 */
async function openOwnPostgres(runUrl: string, poolSize: number): Promise<Database> {
  const url = new URL(runUrl);
  const name = `${url.pathname.slice(1)}_own_${process.pid}_${++owned}`;
  const admin = new pg.Client({ connectionString: runUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  url.pathname = `/${name}`;
  const database = await openDatabase({ engine: "postgres", url: url.toString(), poolSize });
  return {
    ...database,
    close: async () => {
      await database.close();
      const dropper = new pg.Client({ connectionString: runUrl });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** A parsed JSON response body; tests assert on it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: the one loose type of the test suite, for response bodies
export type Json = any;

export interface HttpResult<T = Json> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestApp {
  app: App;
  clock: ManualClock;
  engine: EngineName;
  request<T = Json>(method: string, path: string, options?: RequestOptions): Promise<HttpResult<T>>;
  /** A new programme with its admin key and a client bound to it. */
  createProgram(input?: Record<string, unknown>): Promise<TestProgram>;
  close(): Promise<void>;
}

export interface TestProgram {
  id: string;
  key: string;
  call<T = Json>(
    method: string,
    path: string,
    body?: unknown,
    options?: { idempotencyKey?: string; key?: string },
  ): Promise<HttpResult<T>>;
  createMember(input?: Record<string, unknown>): Promise<string>;
}

let counter = 0;

/** What a test request may carry: a key, a session cookie and its CSRF token, an idempotency key, a body. */
export interface RequestOptions {
  key?: string;
  body?: unknown;
  idempotencyKey?: string;
  cookie?: string;
  csrf?: string;
  headers?: Record<string, string>;
}

/** One request to the app in process; a string body goes as it is, anything else as JSON. */
export async function requestApp<T = Json>(
  app: App,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrf) headers["x-csrf-token"] = options.csrf;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const res = await app.http.request(path, {
    method,
    headers,
    ...(options.body !== undefined && { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

export async function startTestApp(
  engine: EngineName,
  start = "2026-01-15T12:00:00Z",
  options: { ownDatabase?: boolean } = {},
): Promise<TestApp> {
  const clock = new ManualClock(start);
  const database = await openTestDatabase(engine, 8, { own: options.ownDatabase ?? false });
  const config = loadConfig({}, { rootKey: TEST_ROOT_KEY, logLevel: "silent" });
  const app = await createApp(config, { database, clock, log: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }) });

  const request: TestApp["request"] = (method, path, options = {}) => requestApp(app, method, path, options);

  const createProgram: TestApp["createProgram"] = async (input = {}) => {
    const res = await request("POST", "/v1/programs", {
      key: TEST_ROOT_KEY,
      body: { name: `Test programme ${++counter}`, currency: "USD", timezone: "America/New_York", country: "US", ...input },
    });
    if (res.status !== 201) throw new Error(`createProgram: ${res.status} ${JSON.stringify(res.body)}`);
    const key: string = res.body.apiKey.secret;
    const call: TestProgram["call"] = (method, path, body, options = {}) =>
      request(method, path, {
        key: options.key ?? key,
        body,
        ...(options.idempotencyKey && { idempotencyKey: options.idempotencyKey }),
      });
    return {
      id: res.body.program.id,
      key,
      call,
      createMember: async (member = {}) => {
        const created = await call("POST", "/v1/members", member);
        if (created.status !== 201) throw new Error(`createMember: ${created.status} ${JSON.stringify(created.body)}`);
        return created.body.id as string;
      },
    };
  };

  return { app, clock, engine, request, createProgram, close: () => app.close() };
}

class Rollback extends Error {}

/**
 * What verify reports with `corrupt` applied, in a transaction that is then rolled back: the
 * suite's other files share the PostgreSQL database and run whole-database verifies of their own,
 * so a test of verify must never let them see its corruption.
 */
export async function verifyCorrupted(app: App, ...corrupt: RawBuilder<unknown>[]): Promise<VerifyReport> {
  let report: VerifyReport | null = null;
  try {
    await app.services.database.db.transaction().execute(async (trx) => {
      for (const statement of corrupt) await statement.execute(trx);
      report = await verifyLedger(trx, app.services.clock.now(), () => app.services.rollups.verify(undefined, trx));
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  if (!report) throw new Error("verify did not run");
  return report;
}
