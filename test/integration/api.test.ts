import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type Json, startTestApp, TEST_ROOT_KEY, type TestApp, type TestProgram } from "../helpers/test-app.ts";

const DAY = 86_400_000;

/** Every error answers in the one shape, with the request id the response header carries. */
function expectError(res: { status: number; body: Json; headers: Headers }, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe("string");
  expect(res.body.error.requestId).toBe(res.headers.get("x-request-id"));
}

describe.each(engines())("HTTP API on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  let other: TestProgram;

  beforeAll(async () => {
    t = await startTestApp(engine, "2026-01-15T12:00:00Z");
    p = await t.createProgram({ pointsExpiry: { policy: "fixed_period", months: 12, roundTo: "month_end" } });
    other = await t.createProgram();
  });
  afterAll(() => t.close());

  const credit = async (member: string, points: number, extra: Record<string, unknown> = {}) => {
    const res = await p.call("POST", `/v1/members/${member}/adjustments`, { points, reason: "test credit", ...extra });
    expect(res.status).toBe(201);
    return res.body;
  };
  const balance = async (member: string, asOf?: string) =>
    (await p.call("GET", `/v1/members/${member}/balance${asOf ? `?asOf=${encodeURIComponent(asOf)}` : ""}`)).body;
  const scopedKey = async (scope: "admin" | "pos" | "read") =>
    (await p.call("POST", "/v1/api-keys", { name: `${scope} key`, scope })).body.secret as string;

  describe("service endpoints", () => {
    it("answers health, readiness, the OpenAPI document and the rendered reference", async () => {
      expect((await t.request("GET", "/healthz")).body).toEqual({ status: "ok" });
      expect((await t.request("GET", "/readyz")).body).toEqual({ status: "ready", database: engine });
      const doc = (await t.request("GET", "/openapi.json")).body;
      expect(doc.openapi).toBe("3.1.0");
      for (const path of [
        "/v1/programs",
        "/v1/programs/current",
        "/v1/api-keys",
        "/v1/api-keys/{keyId}",
        "/v1/members",
        "/v1/members/{memberId}",
        "/v1/members/{memberId}/balance",
        "/v1/members/{memberId}/ledger",
        "/v1/members/{memberId}/adjustments",
        "/v1/members/{memberId}/holds",
        "/v1/holds/{holdId}",
        "/v1/holds/{holdId}/capture",
        "/v1/holds/{holdId}/void",
        "/v1/transfers",
        "/v1/ledger/transactions/{transactionId}",
        "/v1/ledger/transactions/{transactionId}/reverse",
        "/v1/jobs/run",
        "/v1/events",
        "/v1/events/batch",
        "/v1/events/{eventId}",
        "/v1/members/{memberId}/events",
        "/v1/members/{memberId}/claims",
        "/v1/rules",
        "/v1/rules/{ruleId}",
        "/v1/rules/{ruleId}/versions",
        "/v1/campaigns",
        "/v1/campaigns/{campaignId}",
        "/v1/campaigns/{campaignId}/versions",
        "/v1/campaigns/{campaignId}/backtest",
      ]) {
        expect(doc.paths, path).toHaveProperty([path]);
      }
      expect(doc.components.securitySchemes.bearerAuth.scheme).toBe("bearer");
      const docs = await t.app.http.request("/docs");
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain("/openapi.json");
      const asset = await t.app.http.request("/docs/assets/swagger-ui-bundle.js");
      expect(asset.status).toBe(200);
    });

    it("answers unknown routes, malformed JSON and oversized bodies in the error shape", async () => {
      expectError(await t.request("GET", "/v1/nope", { key: p.key }), 404, "not_found");
      expectError(await t.request("POST", "/v1/members", { key: p.key, body: "{not json" }), 400, "validation_error");
      const huge = { name: "x".repeat(2_000_000) };
      expectError(await t.request("POST", "/v1/members", { key: p.key, body: huge }), 413, "payload_too_large");
    });
  });

  describe("authentication and scopes", () => {
    it("401 without a key or with a wrong one, before looking at the body", async () => {
      expectError(await t.request("GET", "/v1/programs/current"), 401, "unauthorized");
      expectError(await t.request("POST", "/v1/members", { key: "sb_admin_nope", body: { bogus: 1 } }), 401, "unauthorized");
      expectError(
        await t.request("GET", "/v1/programs/current", { headers: { authorization: "Basic abc" } }),
        401,
        "unauthorized",
      );
    });

    it("403 for a scope that does not allow the call, before validating the body", async () => {
      const read = await scopedKey("read");
      const pos = await scopedKey("pos");
      expectError(await p.call("POST", "/v1/members", { email: "not-an-email" }, { key: read }), 403, "forbidden");
      expectError(await p.call("PATCH", "/v1/programs/current", { name: "x" }, { key: pos }), 403, "forbidden");
      expectError(await p.call("POST", "/v1/api-keys", { name: "k", scope: "admin" }, { key: pos }), 403, "forbidden");
      expectError(await p.call("POST", "/v1/programs", { name: "x" }), 403, "forbidden");
      expectError(await t.request("GET", "/v1/members", { key: TEST_ROOT_KEY }), 403, "forbidden");
      const member = await p.createMember();
      expectError(
        await p.call("POST", `/v1/members/${member}/adjustments`, { points: 5, reason: "r" }, { key: pos }),
        403,
        "forbidden",
      );
      // what each scope may do
      expect((await p.call("GET", `/v1/members/${member}/balance`, undefined, { key: read })).status).toBe(200);
      expect((await p.call("POST", "/v1/members", { name: "At the till" }, { key: pos })).status).toBe(201);
    });
  });

  describe("programmes", () => {
    it("creates a programme with the root key, shows the admin key once, reads and patches it", async () => {
      const res = await t.request("POST", "/v1/programs", {
        key: TEST_ROOT_KEY,
        body: { name: "Bakery", currency: "eur", timezone: "Europe/Paris", country: "fr", pendingDays: 14 },
      });
      expect(res.status).toBe(201);
      expect(res.body.program).toMatchObject({
        name: "Bakery",
        currency: "EUR",
        timezone: "Europe/Paris",
        country: "FR",
        pendingDays: 14,
        pointsExpiry: { policy: "none" },
        clawbackPolicy: "available_only",
      });
      expect(res.body.program.id).toMatch(/^prg_/);
      expect(res.body.apiKey).toMatchObject({ scope: "admin", revokedAt: null });
      const key = res.body.apiKey.secret;
      const current = await t.request("GET", "/v1/programs/current", { key });
      expect(current.body.id).toBe(res.body.program.id);
      const patched = await t.request("PATCH", "/v1/programs/current", {
        key,
        body: { name: "Bakery & Co", pointsExpiry: { policy: "fixed_period", months: 6 } },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        name: "Bakery & Co",
        pointsExpiry: { policy: "fixed_period", months: 6, roundTo: "none" },
      });
      const keys = await t.request("GET", "/v1/api-keys", { key });
      expect(JSON.stringify(keys.body)).not.toContain(key);
    });

    it("rejects invalid programmes with the field named and writes nothing", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ name: "x", currency: "XYZ", timezone: "UTC" }, "currency"],
        [{ name: "x", currency: "USD", timezone: "Mars/Olympus" }, "timezone"],
        [{ name: "", currency: "USD", timezone: "UTC" }, "name"],
        [{ name: "x", currency: "USD", timezone: "UTC", country: "ZZ" }, "country"],
        [{ name: "x", currency: "USD", timezone: "UTC", pendingDays: -1 }, "pendingDays"],
        [
          { name: "x", currency: "USD", timezone: "UTC", pointsExpiry: { policy: "fixed_period", months: 0 } },
          "pointsExpiry.months",
        ],
        [{ name: "x", currency: "USD", timezone: "UTC", surprise: true }, ""],
      ];
      for (const [body, field] of cases) {
        const res = await t.request("POST", "/v1/programs", { key: TEST_ROOT_KEY, body });
        expectError(res, 400, "validation_error");
        if (field) expect(res.body.error.details.issues.map((i: Json) => i.path)).toContain(field);
      }
      expectError(await p.call("PATCH", "/v1/programs/current", { timezone: "nowhere" }), 400, "validation_error");
    });
  });

  describe("API keys", () => {
    it("creates, lists without secrets, and revokes keys at once", async () => {
      const created = await p.call("POST", "/v1/api-keys", { name: "Till 1", scope: "pos" });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: "Till 1", scope: "pos", revokedAt: null });
      const secret = created.body.secret;
      expect(secret.startsWith(created.body.prefix)).toBe(true);
      expect((await p.call("GET", "/v1/members?limit=1", undefined, { key: secret })).status).toBe(200);
      const list = await p.call("GET", "/v1/api-keys");
      expect(list.body.data.map((k: Json) => k.id)).toContain(created.body.id);
      expect(list.body.data.every((k: Json) => k.secret === undefined)).toBe(true);
      const revoked = await p.call("DELETE", `/v1/api-keys/${created.body.id}`);
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).not.toBeNull();
      expectError(await p.call("GET", "/v1/members", undefined, { key: secret }), 401, "unauthorized");
      expectError(await other.call("DELETE", `/v1/api-keys/${created.body.id}`), 404, "not_found");
      expectError(await p.call("POST", "/v1/api-keys", { name: "x", scope: "root" }), 400, "validation_error");
    });
  });

  describe("members", () => {
    it("enrols, reads, updates and finds members by phone in any format, email, external id and text", async () => {
      const created = await p.call("POST", "/v1/members", {
        externalId: "crm-42",
        email: "Grace.Hopper@Example.com",
        phone: "(555) 123-4567",
        name: "Grace Hopper",
        birthDate: "1906-12-09",
        attributes: { segment: "vip" },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        externalId: "crm-42",
        email: "grace.hopper@example.com",
        phone: "+15551234567",
        birthDate: "1906-12-09",
        attributes: { segment: "vip" },
        status: "active",
      });
      const id = created.body.id;
      expect((await p.call("GET", `/v1/members/${id}`)).body.name).toBe("Grace Hopper");
      for (const query of [
        "phone=%2B15551234567",
        "phone=555.123.4567",
        "email=GRACE.HOPPER%40example.com",
        "externalId=crm-42",
        "q=hopp",
      ]) {
        const found = await p.call("GET", `/v1/members?${query}`);
        expect(
          found.body.data.map((m: Json) => m.id),
          query,
        ).toEqual([id]);
      }
      expect((await p.call("GET", "/v1/members?phone=123")).body.data).toEqual([]);
      const patched = await p.call("PATCH", `/v1/members/${id}`, { name: "Rear Admiral Hopper", phone: null, status: "blocked" });
      expect(patched.body).toMatchObject({
        name: "Rear Admiral Hopper",
        phone: null,
        status: "blocked",
        email: "grace.hopper@example.com",
      });
    });

    it("keeps externalId, email and phone unique per programme only", async () => {
      await p.createMember({ email: "dup@example.com", phone: "+1 202 555 0100", externalId: "dup-1" });
      for (const clash of [{ email: "DUP@example.com" }, { phone: "202-555-0100" }, { externalId: "dup-1" }]) {
        const res = await p.call("POST", "/v1/members", clash);
        expectError(res, 409, "conflict");
        expect(res.body.error.details.field).toBe(Object.keys(clash)[0]);
      }
      const second = await p.createMember({ email: "second@example.com" });
      expectError(await p.call("PATCH", `/v1/members/${second}`, { email: "dup@example.com" }), 409, "conflict");
      // another programme may have the same customer
      expect((await other.call("POST", "/v1/members", { email: "dup@example.com" })).status).toBe(201);
    });

    it("rejects bad member input and answers 404 for another programme's member", async () => {
      for (const body of [{ email: "nope" }, { phone: "12" }, { birthDate: "1990-13-01" }, { name: "" }, { extra: 1 }]) {
        expectError(await p.call("POST", "/v1/members", body), 400, "validation_error");
      }
      const mine = await p.createMember();
      expectError(await other.call("GET", `/v1/members/${mine}`), 404, "not_found");
      expectError(await other.call("PATCH", `/v1/members/${mine}`, { name: "x" }), 404, "not_found");
      expectError(await other.call("GET", `/v1/members/${mine}/balance`), 404, "not_found");
      expectError(await other.call("GET", `/v1/members/${mine}/ledger`), 404, "not_found");
      expectError(await other.call("POST", `/v1/members/${mine}/adjustments`, { points: 5, reason: "x" }), 404, "not_found");
      expectError(await other.call("POST", `/v1/members/${mine}/holds`, { points: 5 }), 404, "not_found");
    });

    it("pages through members with a cursor", async () => {
      const prog = await t.createProgram();
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await prog.createMember({ name: `Pager ${i}` }));
      const first = await prog.call("GET", "/v1/members?limit=2&q=Pager");
      const second = await prog.call("GET", `/v1/members?limit=2&q=Pager&cursor=${first.body.nextCursor}`);
      const third = await prog.call("GET", `/v1/members?limit=2&q=Pager&cursor=${second.body.nextCursor}`);
      expect([...first.body.data, ...second.body.data, ...third.body.data].map((m: Json) => m.id)).toEqual(ids);
      expect(third.body.nextCursor).toBeNull();
    });
  });

  describe("adjustments and balances", () => {
    it("credits with the programme's expiry, debits soonest-expiring first, and refuses to go below zero", async () => {
      const m = await p.createMember();
      const first = await credit(m, 100);
      expect(first.transaction).toMatchObject({ type: "adjustment", points: 100, netChange: 100, reason: "test credit" });
      expect(first.transaction.actor).toMatch(/^key:key_/);
      expect(first.balance).toEqual({ available: 100, pending: 0, held: 0, debt: 0 });
      const late = await credit(m, 50, { expiresAt: "2028-01-01T00:00:00Z" });
      const never = await credit(m, 10, { expiresAt: null });
      const debit = await p.call("POST", `/v1/members/${m}/adjustments`, { points: -120, reason: "correction" });
      expect(debit.status).toBe(201);
      // 12 months, rounded to month end in New York: credited 2026-01-15 -> gone at 2027-02-01 00:00 local
      expect(debit.body.transaction.lots).toEqual([
        { lotId: first.transaction.lots[0].lotId, account: "member_available", points: -100 },
        { lotId: late.transaction.lots[0].lotId, account: "member_available", points: -20 },
      ]);
      const b = await balance(m);
      expect(b).toMatchObject({ available: 40, pending: 0, held: 0, debt: 0 });
      expect(b.lifetime).toEqual({
        earned: 0,
        spent: 0,
        expired: 0,
        adjusted: 40,
        reversed: 0,
        transferredIn: 0,
        transferredOut: 0,
      });
      expect(b.expiring).toEqual([{ points: 30, expiresAt: "2028-01-01T00:00:00.000Z" }]);
      expect(never.transaction.lots).toHaveLength(1);

      const refused = await p.call("POST", `/v1/members/${m}/adjustments`, { points: -41, reason: "too much" });
      expectError(refused, 409, "insufficient_points");
      expect(refused.body.error.details).toEqual({ requested: 41, available: 40, missing: 1 });
      expect((await balance(m)).available).toBe(40);
    });

    it("validates amounts and dates and writes nothing on bad input", async () => {
      const m = await p.createMember();
      const bad: Record<string, unknown>[] = [
        { points: 0, reason: "zero" },
        { points: 1.5, reason: "fraction" },
        { points: 1_000_000_000_001, reason: "too big" },
        { points: -1_000_000_000_001, reason: "too small" },
        { points: "10", reason: "string" },
        { points: 10 },
        { points: 10, reason: "" },
        { points: 10, reason: "past", expiresAt: "2020-01-01T00:00:00Z" },
        { points: 10, reason: "not a date", expiresAt: "tomorrow" },
        {
          points: 10,
          reason: "expires before available",
          availableAt: "2026-03-01T00:00:00Z",
          expiresAt: "2026-02-01T00:00:00Z",
        },
        { points: -10, reason: "debit with expiry", expiresAt: "2027-01-01T00:00:00Z" },
      ];
      for (const body of bad) expectError(await p.call("POST", `/v1/members/${m}/adjustments`, body), 400, "validation_error");
      expect((await p.call("GET", `/v1/members/${m}/ledger`)).body.data).toEqual([]);
      await credit(m, 1_000_000_000_000);
      expect((await balance(m)).available).toBe(1_000_000_000_000);
    });

    it("keeps pending points out of available until they activate, and reads exact past balances", async () => {
      const prog = await t.createProgram({ pendingDays: 14 });
      const m = await prog.createMember();
      const start = new Date(t.clock.now().getTime() - 1).toISOString();
      const res = await prog.call("POST", `/v1/members/${m}/adjustments`, { points: 70, reason: "purchase" });
      expect(res.body.balance).toEqual({ available: 0, pending: 70, held: 0, debt: 0 });
      const direct = await prog.call("POST", `/v1/members/${m}/adjustments`, {
        points: 5,
        reason: "instant",
        availableAt: t.clock.now().toISOString(),
      });
      expect(direct.body.balance).toEqual({ available: 5, pending: 70, held: 0, debt: 0 });
      const before = t.clock.now();
      t.clock.advance(15 * DAY);
      // due but not yet run: the balance already says what is true now
      expect((await prog.call("GET", `/v1/members/${m}/balance`)).body).toMatchObject({ available: 75, pending: 0 });
      const run = await prog.call("POST", "/v1/jobs/run", {});
      expect(run.body).toMatchObject({ members: 1, activations: 1, expiries: 0, holdTimeouts: 0 });
      expect((await prog.call("POST", "/v1/jobs/run", {})).body.members).toBe(0);
      const asOfBefore = await prog.call("GET", `/v1/members/${m}/balance?asOf=${encodeURIComponent(before.toISOString())}`);
      expect(asOfBefore.body).toMatchObject({ available: 5, pending: 70 });
      const atStart = await prog.call("GET", `/v1/members/${m}/balance?asOf=${encodeURIComponent(start)}`);
      expect(atStart.body).toMatchObject({ available: 0, pending: 0 });
      const ledger = (await prog.call("GET", `/v1/members/${m}/ledger`)).body.data;
      expect(ledger.map((e: Json) => e.type)).toEqual(["activation", "adjustment", "adjustment"]);
      expect(ledger[0].actor).toBe("system:jobs");
      expectError(await prog.call("GET", `/v1/members/${m}/balance?asOf=yesterday`), 400, "validation_error");
    });

    it("expires due points into breakage as a posting, and refuses jobs in the future", async () => {
      const prog = await t.createProgram({ pointsExpiry: { policy: "fixed_period", months: 1 } });
      const m = await prog.createMember();
      await prog.call("POST", `/v1/members/${m}/adjustments`, { points: 30, reason: "earned" });
      const { expiresAt } = (await prog.call("GET", `/v1/members/${m}/balance`)).body.expiring[0];
      t.clock.advance(40 * DAY);
      const run = await prog.call("POST", "/v1/jobs/run", { asOf: t.clock.now().toISOString() });
      expect(run.body).toMatchObject({ expiries: 1 });
      const b = (await prog.call("GET", `/v1/members/${m}/balance`)).body;
      expect(b).toMatchObject({ available: 0, lifetime: { adjusted: 30, expired: 30 } });
      const expiry = (await prog.call("GET", `/v1/members/${m}/ledger`)).body.data[0];
      expect(expiry).toMatchObject({ type: "expiry", netChange: -30, effectiveAt: expiresAt });
      const future = new Date(t.clock.now().getTime() + DAY).toISOString();
      expectError(await prog.call("POST", "/v1/jobs/run", { asOf: future }), 400, "validation_error");
    });

    it("pages the ledger newest first with a cursor", async () => {
      const m = await p.createMember();
      for (let i = 1; i <= 5; i++) await credit(m, i);
      const page1 = (await p.call("GET", `/v1/members/${m}/ledger?limit=2`)).body;
      const page2 = (await p.call("GET", `/v1/members/${m}/ledger?limit=2&cursor=${page1.nextCursor}`)).body;
      const page3 = (await p.call("GET", `/v1/members/${m}/ledger?limit=2&cursor=${page2.nextCursor}`)).body;
      expect([...page1.data, ...page2.data, ...page3.data].map((e: Json) => e.points)).toEqual([5, 4, 3, 2, 1]);
      expect(page3.nextCursor).toBeNull();
      expectError(await p.call("GET", `/v1/members/${m}/ledger?limit=0`), 400, "validation_error");
    });
  });

  describe("holds", () => {
    it("reserves points at once, captures part and releases the rest", async () => {
      const m = await p.createMember();
      await credit(m, 100);
      const hold = await p.call("POST", `/v1/members/${m}/holds`, { points: 60, reason: "checkout", ttlSeconds: 300 });
      expect(hold.status).toBe(201);
      expect(hold.body).toMatchObject({ points: 60, status: "active", capturedPoints: null });
      expect(hold.body.expiresAt).toBe(new Date(t.clock.now().getTime() + 300_000).toISOString());
      expect(await balance(m)).toMatchObject({ available: 40, held: 60 });
      expectError(await p.call("POST", `/v1/members/${m}/holds`, { points: 41 }), 409, "insufficient_points");
      expectError(await p.call("POST", `/v1/holds/${hold.body.id}/capture`, { points: 61 }), 400, "validation_error");
      const captured = await p.call("POST", `/v1/holds/${hold.body.id}/capture`, { points: 45 });
      expect(captured.status).toBe(200);
      expect(captured.body).toMatchObject({ status: "captured", capturedPoints: 45 });
      expect(await balance(m)).toMatchObject({ available: 55, held: 0, lifetime: { spent: 45 } });
      expectError(await p.call("POST", `/v1/holds/${hold.body.id}/capture`, {}), 409, "hold_not_active");
      expectError(await p.call("POST", `/v1/holds/${hold.body.id}/void`, {}), 409, "hold_not_active");
      expect((await p.call("GET", `/v1/holds/${hold.body.id}`)).body.status).toBe("captured");
      expectError(await other.call("GET", `/v1/holds/${hold.body.id}`), 404, "not_found");
    });

    it("voids, and times out a hold that is left alone", async () => {
      const m = await p.createMember();
      await credit(m, 50);
      const voided = await p.call("POST", `/v1/members/${m}/holds`, { points: 20 });
      expect((await p.call("POST", `/v1/holds/${voided.body.id}/void`, { reason: "customer left" })).body.status).toBe("voided");
      const left = await p.call("POST", `/v1/members/${m}/holds`, { points: 30, ttlSeconds: 60 });
      expect(await balance(m)).toMatchObject({ available: 20, held: 30 });
      t.clock.advance(61_000);
      // released as soon as it is due, even before the job records it
      expect(await balance(m)).toMatchObject({ available: 50, held: 0 });
      expectError(await p.call("POST", `/v1/holds/${left.body.id}/capture`, {}), 409, "hold_not_active");
      expect((await p.call("GET", `/v1/holds/${left.body.id}`)).body.status).toBe("expired");
      expectError(await p.call("POST", `/v1/members/${m}/holds`, { points: 5, ttlSeconds: 0 }), 400, "validation_error");
    });
  });

  describe("transfers and reversals", () => {
    it("moves points with their expiry dates", async () => {
      const a = await p.createMember();
      const b = await p.createMember();
      await credit(a, 30, { expiresAt: "2026-06-01T00:00:00Z" });
      await credit(a, 30, { expiresAt: "2026-09-01T00:00:00Z" });
      const res = await p.call("POST", "/v1/transfers", { fromMemberId: a, toMemberId: b, points: 40, reason: "family pooling" });
      expect(res.status).toBe(201);
      expect(res.body.transaction).toMatchObject({ type: "transfer", netChange: -40, counterpartyMemberId: b });
      expect((await balance(b)).expiring).toEqual([
        { points: 30, expiresAt: "2026-06-01T00:00:00.000Z" },
        { points: 10, expiresAt: "2026-09-01T00:00:00.000Z" },
      ]);
      expect((await balance(b)).lifetime.transferredIn).toBe(40);
      expect((await balance(a)).lifetime.transferredOut).toBe(40);
      expectError(
        await p.call("POST", "/v1/transfers", { fromMemberId: a, toMemberId: a, points: 1, reason: "self" }),
        400,
        "validation_error",
      );
      expectError(
        await p.call("POST", "/v1/transfers", { fromMemberId: a, toMemberId: b, points: 21, reason: "x" }),
        409,
        "insufficient_points",
      );
      const stranger = await other.createMember();
      expectError(
        await p.call("POST", "/v1/transfers", { fromMemberId: a, toMemberId: stranger, points: 1, reason: "x" }),
        404,
        "not_found",
      );
    });

    it("reverses a debit back into the lots it came from, once", async () => {
      const m = await p.createMember();
      const lot = (await credit(m, 80, { expiresAt: "2026-12-01T00:00:00Z" })).transaction.lots[0].lotId;
      const debit = await p.call("POST", `/v1/members/${m}/adjustments`, { points: -50, reason: "mistake" });
      const reversal = await p.call("POST", `/v1/ledger/transactions/${debit.body.transaction.id}/reverse`, {
        reason: "undo mistake",
      });
      expect(reversal.status).toBe(201);
      expect(reversal.body.transaction).toMatchObject({
        type: "reversal",
        netChange: 50,
        reversesTransactionId: debit.body.transaction.id,
      });
      expect(reversal.body.transaction.lots).toEqual([{ lotId: lot, account: "member_available", points: 50 }]);
      expect(await balance(m)).toMatchObject({
        available: 80,
        expiring: [{ points: 80, expiresAt: "2026-12-01T00:00:00.000Z" }],
      });
      const again = await p.call("POST", `/v1/ledger/transactions/${debit.body.transaction.id}/reverse`, { reason: "again" });
      expectError(again, 409, "already_reversed");
      const txn = await p.call("GET", `/v1/ledger/transactions/${debit.body.transaction.id}`);
      expect(txn.body.reversedByTransactionId).toBe(reversal.body.transaction.id);
      expectError(
        await p.call("POST", `/v1/ledger/transactions/${reversal.body.transaction.id}/reverse`, { reason: "x" }),
        409,
        "not_reversible",
      );
      expectError(
        await other.call("POST", `/v1/ledger/transactions/${debit.body.transaction.id}/reverse`, { reason: "x" }),
        404,
        "not_found",
      );
    });

    it("takes a reversed credit back, refusing or recording debt by programme policy", async () => {
      const strict = await p.createMember();
      const c = await credit(strict, 100);
      await p.call("POST", `/v1/members/${strict}/adjustments`, { points: -70, reason: "spent" });
      const refused = await p.call("POST", `/v1/ledger/transactions/${c.transaction.id}/reverse`, { reason: "fraud" });
      expectError(refused, 409, "insufficient_points");
      expect(refused.body.error.details.missing).toBe(70);

      const lenient = await t.createProgram({ clawbackPolicy: "allow_debt" });
      const m = await lenient.createMember();
      const earned = await lenient.call("POST", `/v1/members/${m}/adjustments`, { points: 100, reason: "purchase" });
      await lenient.call("POST", `/v1/members/${m}/adjustments`, { points: -70, reason: "spent" });
      const reversed = await lenient.call("POST", `/v1/ledger/transactions/${earned.body.transaction.id}/reverse`, {
        reason: "refund",
      });
      expect(reversed.status).toBe(201);
      expect(reversed.body.balance).toEqual({ available: 0, pending: 0, held: 0, debt: 70 });
      const next = await lenient.call("POST", `/v1/members/${m}/adjustments`, { points: 50, reason: "next purchase" });
      expect(next.body.balance).toEqual({ available: 0, pending: 0, held: 0, debt: 20 });
      const after = await lenient.call("POST", `/v1/members/${m}/adjustments`, { points: 50, reason: "another" });
      expect(after.body.balance).toEqual({ available: 30, pending: 0, held: 0, debt: 0 });
      expect((await t.app.services.verify()).ok).toBe(true);
    });

    it("reverses a credit whose points expired without charging the member again", async () => {
      const m = await p.createMember();
      const expiring = await credit(m, 60, { expiresAt: new Date(t.clock.now().getTime() + DAY).toISOString() });
      await credit(m, 40, { expiresAt: null });
      await p.call("POST", `/v1/members/${m}/adjustments`, { points: -20, reason: "spent some" });
      t.clock.advance(2 * DAY);
      // 40 of the 60 expired (20 were spent first, soonest-expiring first); 40 others remain
      expect(await balance(m)).toMatchObject({ available: 40, lifetime: { expired: 40 } });
      const reversal = await p.call("POST", `/v1/ledger/transactions/${expiring.transaction.id}/reverse`, { reason: "refund" });
      expect(reversal.status).toBe(201);
      // only the 20 that were spent are taken back; the 40 that expired come back from breakage
      expect(reversal.body.transaction.netChange).toBe(-20);
      expect(reversal.body.balance).toMatchObject({ available: 20, debt: 0 });
      expect((await t.app.services.verify()).ok).toBe(true);
    });

    it("refuses to reverse the ledger's own bookkeeping", async () => {
      const m = await p.createMember();
      await credit(m, 10);
      const hold = await p.call("POST", `/v1/members/${m}/holds`, { points: 5 });
      const res = await p.call("POST", `/v1/ledger/transactions/${hold.body.transactionId}/reverse`, { reason: "x" });
      expectError(res, 409, "not_reversible");
      expectError(await p.call("POST", "/v1/ledger/transactions/txn_missing/reverse", { reason: "x" }), 404, "not_found");
    });
  });

  describe("idempotency", () => {
    it("replays the first answer for the same key and body, and refuses another body", async () => {
      const m = await p.createMember();
      const body = { points: 25, reason: "retry me" };
      const first = await p.call("POST", `/v1/members/${m}/adjustments`, body, { idempotencyKey: "retry-1" });
      const replay = await p.call(
        "POST",
        `/v1/members/${m}/adjustments`,
        { reason: "retry me", points: 25 },
        { idempotencyKey: "retry-1" },
      );
      expect(replay.status).toBe(201);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(first.headers.get("idempotent-replayed")).toBeNull();
      expect(replay.body).toEqual(first.body);
      expect((await balance(m)).available).toBe(25);
      expectError(
        await p.call("POST", `/v1/members/${m}/adjustments`, { points: 26, reason: "retry me" }, { idempotencyKey: "retry-1" }),
        409,
        "idempotency_conflict",
      );
      // keys belong to a programme: another programme may use the same one
      const theirs = await other.createMember();
      const elsewhere = await other.call("POST", `/v1/members/${theirs}/adjustments`, body, { idempotencyKey: "retry-1" });
      expect(elsewhere.status).toBe(201);
      expect(elsewhere.headers.get("idempotent-replayed")).toBeNull();
    });

    it("replays a refusal as it was, even after the balance changed", async () => {
      const m = await p.createMember();
      const refused = await p.call("POST", `/v1/members/${m}/holds`, { points: 10 }, { idempotencyKey: "hold-once" });
      expectError(refused, 409, "insufficient_points");
      await credit(m, 100);
      const replay = await p.call("POST", `/v1/members/${m}/holds`, { points: 10 }, { idempotencyKey: "hold-once" });
      expect(replay.status).toBe(409);
      expect(replay.body).toEqual(refused.body);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect((await balance(m)).held).toBe(0);
    });

    it("replays the first answer byte for byte: the same text, its keys in their first order", async () => {
      const m = await p.createMember();
      await credit(m, 40);
      // Raw text, not parsed: the order of keys is what PostgreSQL's jsonb would change.
      const send = async (method: string, path: string, body: unknown, key: string) => {
        const res = await t.app.http.request(path, {
          method,
          headers: { authorization: `Bearer ${p.key}`, "content-type": "application/json", "idempotency-key": key },
          body: JSON.stringify(body),
        });
        return {
          status: res.status,
          type: res.headers.get("content-type"),
          text: await res.text(),
          replayed: res.headers.get("idempotent-replayed"),
        };
      };
      const calls: [string, string, unknown][] = [
        ["POST", `/v1/members/${m}/adjustments`, { points: 5, reason: "byte for byte" }],
        ["PATCH", `/v1/members/${m}`, { name: "Ordered Keys", attributes: { zeta: 1, alpha: { yy: 2, b: 3 } } }],
        ["POST", `/v1/members/${m}/holds`, { points: 1_000 }], // a refusal (409) is replayed as it was, too
      ];
      for (const [method, path, body] of calls) {
        const key = `bytes-${method}-${path}`;
        const first = await send(method, path, body, key);
        const replay = await send(method, path, body, key);
        expect(replay.replayed, path).toBe("true");
        expect({ status: replay.status, type: replay.type, text: replay.text }, path).toEqual({
          status: first.status,
          type: first.type,
          text: first.text,
        });
      }
    });

    it("replays an event byte for byte: the same text whether answered first or read back from storage", async () => {
      const m = await p.createMember();
      const send = async (path: string, body: unknown) => {
        const res = await t.app.http.request(path, {
          method: "POST",
          headers: { authorization: `Bearer ${p.key}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        return { status: res.status, text: await res.text() };
      };
      const purchase = { id: "bytes-event", type: "purchase", memberId: m, amount: 1234 };
      const first = await send("/v1/events", purchase);
      expect(first.status, first.text).toBe(201);
      expect(await send("/v1/events", purchase)).toEqual(first);
      // In a batch too, and for a refusal stored under its id (another member named: 409 replays as it was).
      const batch = { events: [purchase, { ...purchase, id: "bytes-event-2", amount: 99 }] };
      const firstBatch = await send("/v1/events/batch", batch);
      const againBatch = await send("/v1/events/batch", batch);
      const results = (text: string) =>
        (JSON.parse(text) as { results: { replayed: boolean }[] }).results.map(({ replayed: _r, ...rest }) =>
          JSON.stringify(rest),
        );
      expect(results(againBatch.text)).toEqual(results(firstBatch.text));
    });

    it("covers every kind of mutation", async () => {
      const m = await p.createMember();
      await credit(m, 100);
      const n = await p.createMember();
      const calls: [string, string, unknown][] = [
        ["POST", "/v1/members", { name: "Idem" }],
        ["PATCH", `/v1/members/${m}`, { name: "Renamed" }],
        ["POST", `/v1/members/${m}/holds`, { points: 10 }],
        ["POST", "/v1/transfers", { fromMemberId: m, toMemberId: n, points: 5, reason: "gift" }],
        ["POST", "/v1/api-keys", { name: "idem", scope: "read" }],
        ["PATCH", "/v1/programs/current", { name: "Renamed programme" }],
      ];
      for (const [method, path, body] of calls) {
        const key = `k-${method}-${path}`;
        const first = await p.call(method, path, body, { idempotencyKey: key });
        const second = await p.call(method, path, body, { idempotencyKey: key });
        expect(second.headers.get("idempotent-replayed"), path).toBe("true");
        // A key's secret is shown once: the replay is the first answer with the secret left out, saying so.
        const secretLeftOut = path === "/v1/api-keys" ? { secret: null, secretShownOnce: true } : {};
        expect(second.body, path).toEqual({ ...first.body, ...secretLeftOut });
      }
      expect((await balance(m)).available).toBe(85);
      expectError(await p.call("POST", "/v1/members", {}, { idempotencyKey: "has space" }), 400, "validation_error");
    });
  });

  it("leaves a ledger that verifies", async () => {
    const report = await t.app.services.verify();
    expect(report.checks.filter((c) => c.violations > 0)).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
