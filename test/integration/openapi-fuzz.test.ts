import { writeFileSync } from "node:fs";
import fc from "fast-check";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type Json, startTestApp, TEST_ROOT_KEY, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/*
 * Every operation of the OpenAPI document, called with hostile input: a valid-looking request
 * built from the operation's own schemas, then one field (or a path parameter, or a query
 * parameter) replaced by a hostile value: NUL characters, lone surrogates, years 0000 and +275760,
 * dates before 1900, huge and negative numbers, wrong types, control characters, long strings.
 * Whatever comes back must not be a 5xx, every error must have the one shape, and a refusal must
 * write nothing (the row counts of every table, but for stored idempotent answers and job
 * leases, are the same before and after). A route added later is fuzzed by the same test.
 */

type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  default?: unknown;
  example?: unknown;
};

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: Schema;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body: Schema | null;
}

const HOSTILE: unknown[] = [
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udfffy",
  "0000-01-01T00:00:00Z",
  "+275760-09-13T00:00:00.000Z",
  "1899-12-31T23:59:59Z",
  "1899-12-31",
  "2026-01-15T12:00:00.123456789Z",
  "http://example.com/a\r\nSet-Cookie: x=1",
  "' or 1=1 --",
  "%00",
  "x".repeat(5_000),
  "",
  " ",
  -1,
  0,
  1.5,
  1e308,
  2 ** 63,
  -(2 ** 63),
  Number.MAX_SAFE_INTEGER + 2,
  null,
  true,
  {},
  [],
  [null],
  { nested: "\u0000" },
];

const HOSTILE_TEXT = HOSTILE.filter((v): v is string => typeof v === "string" && v.length < 100);

const ref = (doc: Json, schema: Schema | undefined): Schema => {
  let s = schema ?? {};
  for (let depth = 0; s.$ref && depth < 20; depth++) {
    const name = s.$ref.replace("#/components/schemas/", "");
    s = doc.components?.schemas?.[name] ?? {};
  }
  return s;
};

/** A plausible value for a schema: enough for a request to get past validation to the handler. */
function sample(doc: Json, schema: Schema | undefined, depth = 0): unknown {
  const s = ref(doc, schema);
  if (depth > 6) return null;
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum[0];
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  const options = s.anyOf ?? s.oneOf;
  if (options?.length) {
    const first = options.find((o) => ref(doc, o).type !== "null") ?? options[0];
    return sample(doc, first, depth + 1);
  }
  if (s.allOf?.length) return Object.assign({}, ...s.allOf.map((part) => sample(doc, part, depth + 1)));
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const name of s.required ?? []) out[name] = sample(doc, s.properties?.[name], depth + 1);
      return out;
    }
    case "array":
      return [sample(doc, s.items, depth + 1)];
    case "integer":
    case "number":
      return Math.max(1, Math.ceil(s.minimum ?? s.exclusiveMinimum ?? 1));
    case "boolean":
      return true;
    case "string":
      if (s.format === "date-time") return "2026-01-15T12:00:00.000Z";
      if (s.format === "date") return "1990-05-01";
      if (s.format === "email") return "fuzz@example.com";
      if (s.format === "uri" || s.format === "url") return "https://example.com/x.png";
      return "x".repeat(Math.max(1, s.minLength ?? 1));
    default:
      return "x";
  }
}

function operationsOf(doc: Json): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const body = op.requestBody?.content?.["application/json"]?.schema ?? null;
      ops.push({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], body });
    }
  }
  return ops;
}

/** Row counts of every table a refusal must not change, as one string. */
async function rowCounts(t: TestApp): Promise<string> {
  const db = t.app.services.database.db;
  const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'
      and table_name not in ('idempotency_keys', 'job_leases', 'schema_migrations')
    order by table_name`.execute(db);
  const counts = sql.join(tables.rows.map((r) => sql`(select count(*) from ${sql.table(r.table_name)})::text`));
  const row = await sql<{ counts: string }>`select concat_ws(',', ${counts}) as counts`.execute(db);
  return row.rows[0]?.counts ?? "";
}

/**
 * Percent-encodes a path value as a hostile client may send it: a lone surrogate as its three
 * (ill-formed UTF-8) bytes, which encodeURIComponent refuses to write.
 */
function encodePathValue(value: string): string {
  let out = "";
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join("");
    } else out += encodeURIComponent(char);
  }
  return out;
}

const fillPath = (path: string, values: Record<string, string>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => encodePathValue(values[name] ?? "x"));

describe.each(engines())("every operation of the OpenAPI document under hostile input on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  let doc: Json;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    // Its own database: the row counts are of whole tables, which other test files share on PostgreSQL.
    t = await startTestApp(engine, undefined, { ownDatabase: true });
    p = await t.createProgram();
    ids.memberId = await p.createMember({ email: "fuzz-member@example.com" });
    ids.programId = p.id;
    doc = (await t.request("GET", "/openapi.json")).body;
  });
  afterAll(async () => {
    expect((await t.app.services.verify()).ok).toBe(true);
    await t.close();
  });

  /** What went wrong, one line each: all of them are reported at the end, not just the first. */
  const problems: string[] = [];
  const send = async (op: Operation, path: string, body: unknown) => {
    const key = op.path.startsWith("/v1/programs") && !op.path.includes("current") ? TEST_ROOT_KEY : p.key;
    const before = await rowCounts(t);
    const res = await t.request(op.method, path, { key, ...(op.method !== "GET" && op.method !== "DELETE" && { body }) });
    const what = `${op.method} ${path} ${JSON.stringify(body)?.slice(0, 200)} -> ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`;
    if (res.status >= 500) problems.push(what);
    if (res.status >= 400) {
      const error = res.body?.error;
      const shaped = ["code", "message", "requestId"].every((k) => typeof error?.[k] === "string");
      if (!shaped) problems.push(`${what}: not the one error shape`);
      else if ((await rowCounts(t)) !== before) problems.push(`${what}: a refusal wrote rows`);
    }
  };

  it("answers no 5xx, every error in the one shape, and writes nothing on a refusal", async () => {
    const ops = operationsOf(doc);
    expect(ops.length).toBeGreaterThan(50);
    const rng = fc.sample(fc.nat(), { numRuns: 1, seed: 11 })[0] ?? 0;
    for (const op of ops) {
      const base = op.body ? sample(doc, op.body) : undefined;
      const path = fillPath(op.path, ids);
      // The request as built (it may well succeed).
      await send(op, path, base);
      // Each path parameter hostile.
      for (const param of op.parameters.filter((x) => x.in === "path")) {
        for (const value of HOSTILE_TEXT) await send(op, fillPath(op.path, { ...ids, [param.name]: value }), base);
      }
      // Each query parameter hostile.
      for (const param of op.parameters.filter((x) => x.in === "query")) {
        for (const value of HOSTILE_TEXT) {
          await send(op, `${path}?${new URLSearchParams({ [param.name]: value }).toString()}`, base);
        }
      }
      // Each top-level body field hostile (seeded sample of the hostile values).
      const fields = Object.keys(ref(doc, op.body ?? undefined).properties ?? {});
      for (const [i, field] of fields.entries()) {
        const picks = fc.sample(fc.constantFrom(...HOSTILE), { numRuns: 6, seed: rng + i });
        for (const value of picks) await send(op, path, { ...(base as object), [field]: value });
      }
      // Bodies that are not the object the operation takes.
      if (op.body) for (const value of ["\u0000", [], null, 42]) await send(op, path, value);
    }
    // FUZZ_REPORT=file writes every problem to a file (the assertion below shows only the first few).
    if (process.env.FUZZ_REPORT) writeFileSync(`${process.env.FUZZ_REPORT}.${engine}`, `${problems.join("\n")}\n`);
    expect(problems).toEqual([]);
  }, 600_000);
});
