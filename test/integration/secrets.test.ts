import { createHash } from "node:crypto";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { Database } from "../../src/db/database.ts";
import { fingerprint } from "../../src/idempotency/idempotency.service.ts";
import { ManualClock } from "../../src/shared/clock.ts";
import type { Mailer, MailMessage } from "../../src/shared/mailer.ts";
import { type EngineName, engines, type Json, openTestDatabase, requestApp, TEST_ROOT_KEY } from "../helpers/test-app.ts";

/**
 * Secrets are shown once, to their caller, and never kept in the clear: not in any table (the
 * stored answers of idempotency keys included), not in the log, not in the audit log. A run makes
 * every kind of secret (the root key, API key secrets, staff passwords, a portal sign-in code,
 * staff and member session tokens), replays the two answers that carry a key's secret, then
 * searches every row of every table, every log line and the audit log API's answers for them.
 */

interface Res {
  status: number;
  body: Json;
  headers: Headers;
}

const PASSWORD = "first password, long enough";
const NEW_PASSWORD = "second password, long enough";

/** A cookie's value from a Set-Cookie answer. */
function cookieValue(res: Res, name: string): string {
  const value = (res.headers.get("set-cookie") ?? "").match(new RegExp(`${name}=([^;]+)`))?.[1];
  if (!value) throw new Error(`no ${name} cookie in ${res.headers.get("set-cookie")}`);
  return value;
}

/** Table rows as text: bigints as digits, bytes as hex and as UTF-8, so a secret in either shows. */
function rowsText(rows: unknown[]): string {
  return JSON.stringify(rows, (_key, value: unknown) => {
    if (typeof value === "bigint") return value.toString();
    if (value instanceof Uint8Array) return `${Buffer.from(value).toString("hex")} ${Buffer.from(value).toString("utf8")}`;
    if (value !== null && typeof value === "object" && (value as { type?: unknown }).type === "Buffer") {
      const bytes = Buffer.from((value as { data: number[] }).data);
      return `${bytes.toString("hex")} ${bytes.toString("utf8")}`;
    }
    return value;
  });
}

/** Every row of every table of the database, as text. */
async function everyStoredRow(app: App): Promise<string> {
  const db = app.services.database.db;
  const tables = await sql<{ table_schema: string; table_name: string }>`
    select table_schema, table_name from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
    order by table_schema, table_name`.execute(db);
  expect(tables.rows.map((t) => t.table_name)).toEqual(expect.arrayContaining(["idempotency_keys", "audit_log", "api_keys"]));
  const texts: string[] = [];
  for (const { table_schema, table_name } of tables.rows) {
    const rows = await sql`select * from ${sql.table(`${table_schema}.${table_name}`)}`.execute(db);
    texts.push(`${table_schema}.${table_name}: ${rowsText(rows.rows)}`);
  }
  return texts.join("\n");
}

/** Where `secret` occurs in `text`; a six-digit code only as a whole token, not inside a longer number or id. */
function occurrences(text: string, secret: string): string[] {
  const pattern = /^\d+$/.test(secret)
    ? new RegExp(`(?<![0-9A-Za-z])${secret}(?![0-9A-Za-z])`, "g")
    : new RegExp(secret.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g");
  return [...text.matchAll(pattern)].map((m) => text.slice(Math.max(0, m.index - 80), m.index + secret.length + 80));
}

describe.each(engines())("secrets are never kept in the clear (%s)", (engine: EngineName) => {
  let app: App;
  const logLines: string[] = [];
  const mail: MailMessage[] = [];

  beforeAll(async () => {
    const capture: Mailer = {
      send: async (message) => {
        mail.push(message);
      },
    };
    // Every level, so a secret logged at debug or trace would show too.
    const log = pino({ level: "trace" }, { write: (line: string) => logLines.push(line) });
    app = await createApp(loadConfig({}, { rootKey: TEST_ROOT_KEY, logLevel: "trace" }), {
      database: await openTestDatabase(engine),
      clock: new ManualClock("2026-04-01T10:00:00Z"),
      log,
      mailer: capture,
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  const request = (
    method: string,
    path: string,
    options: { key?: string; body?: unknown; idempotencyKey?: string; cookie?: string; csrf?: string } = {},
  ): Promise<Res> => requestApp(app, method, path, options);
  const ok = (res: Res, status = 200): Json => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res.body;
  };

  it("stores, logs and audits none of them, and a replay leaves the key's secret out", async () => {
    const programBody = { name: "Secret Coffee", currency: "USD", timezone: "Europe/Paris" };
    const created = ok(
      await request("POST", "/v1/programs", { key: TEST_ROOT_KEY, body: programBody, idempotencyKey: "prog-1" }),
      201,
    );
    const programId: string = created.program.id;
    const adminKey: string = created.apiKey.secret;
    expect(adminKey).toMatch(/^sb_admin_/);

    const keyBody = { name: "Till", scope: "pos" };
    const posKey: string = ok(
      await request("POST", "/v1/api-keys", { key: adminKey, body: keyBody, idempotencyKey: "key-1" }),
      201,
    ).secret;
    expect(posKey).toMatch(/^sb_pos_/);

    // A replay answers the same status and shape, says the secret was shown once, and shows it no more.
    const programReplay = await request("POST", "/v1/programs", {
      key: TEST_ROOT_KEY,
      body: programBody,
      idempotencyKey: "prog-1",
    });
    expect(programReplay.headers.get("idempotent-replayed")).toBe("true");
    expect(ok(programReplay, 201)).toEqual({
      program: created.program,
      apiKey: { ...created.apiKey, secret: null, secretShownOnce: true },
    });
    const keyReplay = await request("POST", "/v1/api-keys", { key: adminKey, body: keyBody, idempotencyKey: "key-1" });
    expect(keyReplay.headers.get("idempotent-replayed")).toBe("true");
    expect(ok(keyReplay, 201)).toMatchObject({ name: "Till", scope: "pos", secret: null, secretShownOnce: true });

    // Staff: the first owner (operator key), a password change, sign-ins with each password.
    const owner = ok(
      await request("POST", `/v1/programs/${programId}/staff`, {
        key: TEST_ROOT_KEY,
        body: { email: "owner@example.com", role: "owner", password: PASSWORD },
        idempotencyKey: "staff-1",
      }),
      201,
    );
    const firstSignIn = await request("POST", "/auth/sign-in", {
      body: { programId, email: "owner@example.com", password: PASSWORD },
    });
    const firstSession = cookieValue(ok(firstSignIn) && firstSignIn, "sb_session");
    ok(
      await request("POST", `/v1/staff/${owner.id}/password`, {
        key: adminKey,
        body: { password: NEW_PASSWORD },
        idempotencyKey: "password-1",
      }),
    );
    const signIn = await request("POST", "/auth/sign-in", {
      body: { programId, email: "owner@example.com", password: NEW_PASSWORD },
    });
    const staffSession = cookieValue(ok(signIn) && signIn, "sb_session");
    const staffCsrf: string = signIn.body.csrfToken;
    // The session works for a change (which writes an audit row and a stored answer of its own).
    ok(
      await request("PATCH", `/v1/staff/${owner.id}`, {
        body: { name: "Olive Owner" },
        cookie: `sb_session=${staffSession}`,
        csrf: staffCsrf,
        idempotencyKey: "rename-1",
      }),
    );

    // The portal: enrolment mails a code, which signs the member in.
    ok(
      await request("POST", `/v1/portal/${programId}/members`, {
        body: { email: "ada@example.com", marketingConsent: false },
      }),
      201,
    );
    await app.services.portal.mailSettled();
    const code = mail.find((m) => m.to === "ada@example.com")?.text.match(/Your sign-in code: (\d{6})/)?.[1];
    if (!code) throw new Error(`no code mailed: ${JSON.stringify(mail)}`);
    const memberSignIn = await request("POST", `/v1/portal/${programId}/sessions`, {
      body: { email: "ada@example.com", code },
    });
    const memberSession = cookieValue(ok(memberSignIn) && memberSignIn, "sb_member");
    ok(await request("GET", "/v1/me", { cookie: `sb_member=${memberSession}` }));

    const secrets: Record<string, string> = {
      "root key": TEST_ROOT_KEY,
      "programme's admin key": adminKey,
      "pos key": posKey,
      "first password": PASSWORD,
      "new password": NEW_PASSWORD,
      "portal sign-in code": code,
      "first staff session token": firstSession,
      "staff session token": staffSession,
      "member session token": memberSession,
    };

    const audit = ok(await request("GET", "/v1/audit?limit=200", { key: adminKey }));
    expect(audit.data.map((r: Json) => r.action)).toEqual(
      expect.arrayContaining(["POST /v1/api-keys", "POST /v1/staff/{staffId}/password"]),
    );
    const places: Record<string, string> = {
      "stored rows": await everyStoredRow(app),
      log: logLines.join(""),
      "audit log API": JSON.stringify(audit),
    };
    expect(places.log).toContain('"path":"/v1/api-keys"');

    const found = Object.entries(places).flatMap(([place, text]) =>
      Object.entries(secrets).flatMap(([what, secret]) => occurrences(text, secret).map((at) => `${what} in ${place}: …${at}…`)),
    );
    expect(found).toEqual([]);
  });
});

describe.each(engines())("short secrets are hashed under the server key (%s)", (engine: EngineName) => {
  const SERVER_KEY = "the server key of this test, 32 characters or more";
  const sha256 = (text: string) => createHash("sha256").update(text).digest();
  let database: Database;
  const mail: MailMessage[] = [];
  const capture: Mailer = {
    send: async (message) => {
      mail.push(message);
    },
  };
  /** An app on the shared database (its close leaves the database open): a server start with `secretKey`. */
  const start = (secretKey: string) =>
    createApp(loadConfig({}, { rootKey: TEST_ROOT_KEY, logLevel: "silent", secretKey }), {
      database: { ...database, close: async () => {} },
      clock: new ManualClock("2026-04-01T10:00:00Z"),
      log: pino({ level: "silent" }),
      mailer: capture,
    });

  beforeAll(async () => {
    database = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await database?.close();
  });

  it("fingerprints a password by its keyed hash: a replay matches, another password is a conflict", async () => {
    const app = await start(SERVER_KEY);
    try {
      const request = (method: string, path: string, options: Parameters<typeof requestApp>[3]) =>
        requestApp(app, method, path, options);
      const programId: string = (
        await request("POST", "/v1/programs", {
          key: TEST_ROOT_KEY,
          body: { name: "Fingerprint Cafe", currency: "USD", timezone: "Europe/Paris" },
        })
      ).body.program.id;
      const path = `/v1/programs/${programId}/staff`;
      const body = { email: "fp@example.com", role: "owner", password: PASSWORD };
      const first = await request("POST", path, { key: TEST_ROOT_KEY, body, idempotencyKey: "fp-staff-1" });
      expect(first.status, JSON.stringify(first.body)).toBe(201);

      const stored = await database.db
        .selectFrom("idempotency_keys")
        .select("fingerprint")
        .where("scope", "=", "-")
        .where("key", "=", "fp-staff-1")
        .executeTakeFirstOrThrow();
      // Not the plain (unsalted, fast) SHA-256 of the body with the password in it, in any key order.
      expect(stored.fingerprint).not.toBe(fingerprint("POST", path, body));
      expect(stored.fingerprint).not.toBe(
        fingerprint("POST", path, { password: PASSWORD, role: "owner", email: "fp@example.com" }),
      );
      expect(stored.fingerprint).not.toContain(PASSWORD);

      const replay = await request("POST", path, { key: TEST_ROOT_KEY, body, idempotencyKey: "fp-staff-1" });
      expect(replay.status).toBe(201);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(replay.body.id).toBe(first.body.id);

      const other = await request("POST", path, {
        key: TEST_ROOT_KEY,
        body: { ...body, password: NEW_PASSWORD },
        idempotencyKey: "fp-staff-1",
      });
      expect(other.status).toBe(409);
      expect(other.body.error.code).toBe("idempotency_conflict");
    } finally {
      await app.close();
    }
  });

  it("keeps portal sign-in codes as a keyed hash, which a restart with the same key still verifies", async () => {
    let app = await start(SERVER_KEY);
    const email = `code-${engine}@example.com`;
    let programId: string;
    try {
      programId = (
        await requestApp(app, "POST", "/v1/programs", {
          key: TEST_ROOT_KEY,
          body: { name: "Code Cafe", currency: "USD", timezone: "Europe/Paris" },
        })
      ).body.program.id;
      expect(
        (await requestApp(app, "POST", `/v1/portal/${programId}/members`, { body: { email, marketingConsent: false } })).status,
      ).toBe(201);
      await app.services.portal.mailSettled();
    } finally {
      await app.close();
    }
    const code = mail.find((m) => m.to === email)?.text.match(/Your sign-in code: (\d{6})/)?.[1];
    if (!code) throw new Error(`no code mailed: ${JSON.stringify(mail)}`);
    const row = await database.db
      .selectFrom("member_login_codes")
      .select(["id", "code_hash"])
      .where("program_id", "=", programId)
      .executeTakeFirstOrThrow();
    // A million SHA-256 guesses of the plain hash would find the code in milliseconds.
    for (const plain of [`${row.id}:${code}`, `${row.id}${code}`, code]) {
      expect(row.code_hash).not.toBe(sha256(plain).toString("hex"));
    }

    // Another key (a server that lost its key) cannot check the code: the key is what protects it.
    app = await start("not the key the code was hashed under, 32+ chars");
    try {
      const wrongKey = await requestApp(app, "POST", `/v1/portal/${programId}/sessions`, { body: { email, code } });
      expect(wrongKey.status).toBe(401);
    } finally {
      await app.close();
    }
    // The same key after a restart: the code signs the member in.
    app = await start(SERVER_KEY);
    try {
      const signIn = await requestApp(app, "POST", `/v1/portal/${programId}/sessions`, { body: { email, code } });
      expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
    } finally {
      await app.close();
    }
  });
});
