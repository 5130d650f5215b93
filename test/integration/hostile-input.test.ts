import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type Json, startTestApp, TEST_ROOT_KEY, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/**
 * Strings no route can take (a NUL character, a lone surrogate, a year the database or the date
 * maths cannot hold) are refused at the edge, on every route, as a 400 naming the field (a 404 in
 * a path), and oversized bodies as a 413 before they are read, /auth/* included: never a 500,
 * and nothing written.
 */
function expectError(res: { status: number; body: Json; headers: Headers }, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }, JSON.stringify(res.body)).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe("string");
  expect(res.body.error.requestId).toBe(res.headers.get("x-request-id"));
}

const expectRefusedField = (res: { status: number; body: Json; headers: Headers }, field: string) => {
  expectError(res, 400, "validation_error");
  expect(res.body.error.details.issues.map((i: Json) => i.path)).toEqual([field]);
};

const FAR_YEARS = ["0000-01-01T00:00:00.000Z", "+275760-09-13T00:00:00.000Z"];

describe.each(engines())("hostile strings and oversized bodies on %s", (engine) => {
  let t: TestApp;
  let p: TestProgram;
  let member: string;
  const LIMIT = 1_048_576;

  beforeAll(async () => {
    t = await startTestApp(engine, "2026-01-15T12:00:00Z");
    p = await t.createProgram();
    member = await p.createMember({ name: "Ada" });
  });
  afterAll(() => t.close());

  /** What a refused request must leave as it was: the members, the member's ledger and the books. */
  const snapshot = async () => ({
    members: (await p.call("GET", "/v1/members?limit=200")).body.data.length,
    entries: (await p.call("GET", `/v1/members/${member}/ledger?limit=200`)).body.data.length,
    campaigns: (await p.call("GET", "/v1/campaigns")).body.data.length,
  });
  const expectNothingWritten = async (before: Awaited<ReturnType<typeof snapshot>>) => {
    expect(await snapshot()).toEqual(before);
    expect((await t.app.services.verify()).ok).toBe(true);
  };

  it("refuses a NUL character in a body string, naming the field", async () => {
    const before = await snapshot();
    expectRefusedField(await p.call("POST", "/v1/members", { name: "Ada\u0000Lovelace" }), "name");
    expectRefusedField(await p.call("POST", "/v1/members", { attributes: { "store\u0000": "north" } }), "attributes.store\u0000");
    expectRefusedField(await p.call("PATCH", `/v1/members/${member}`, { name: "\u0000" }), "name");
    await expectNothingWritten(before);
  });

  it("refuses a NUL character in a query string, naming the parameter", async () => {
    const res = await p.call("GET", `/v1/members?q=${encodeURIComponent("Ada\u0000")}`);
    expectRefusedField(res, "q");
    expect(res.body.error.message).toMatch(/^q must not contain a NUL character/);
    expectRefusedField(await p.call("GET", `/v1/members/${member}/ledger?cursor=%00`), "cursor");
  });

  it("answers a NUL character in a path id as an unknown id: 404", async () => {
    const before = await snapshot();
    expectError(await p.call("GET", `/v1/members/${member}%00`), 404, "not_found");
    expectError(await p.call("PATCH", `/v1/members/mem_%00x`, { name: "Bea" }), 404, "not_found");
    expectError(await p.call("POST", `/v1/members/${member}%00/adjustments`, { points: 5, reason: "x" }), 404, "not_found");
    await expectNothingWritten(before);
  });

  it("refuses a lone surrogate in an adjustment's reason, sent as raw JSON text", async () => {
    const before = await snapshot();
    const res = await p.call("POST", `/v1/members/${member}/adjustments`, '{"points": 5, "reason": "bad \\ud800 text"}');
    expectRefusedField(res, "reason");
    expect(res.body.error.message).toMatch(/^reason /);
    await expectNothingWritten(before);
  });

  it("refuses a cursor whose time is in year 0000 or +275760", async () => {
    for (const at of FAR_YEARS) {
      const events = await p.call("GET", `/v1/members/${member}/events?cursor=${encodeURIComponent(`${at}|evt_x`)}`);
      expectRefusedField(events, "cursor");
      // the audit log's cursor is opaque (base64url): its decoding refuses the year
      const cursor = Buffer.from(`${at}|aud_x`).toString("base64url");
      expectRefusedField(await p.call("GET", `/v1/audit?cursor=${cursor}`), "cursor");
    }
  });

  it("refuses a backtest from a year 0000 or +275760", async () => {
    const campaign = await p.call("POST", "/v1/campaigns", { name: "Double points" });
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
    const before = await snapshot();
    for (const from of FAR_YEARS) {
      const res = await p.call("POST", `/v1/campaigns/${campaign.body.id}/backtest`, { from, to: "2026-01-01T00:00:00Z" });
      expectRefusedField(res, "from");
    }
    await expectNothingWritten(before);
  });

  it("decides who may call first: a key of the wrong scope is 403 and no key is 401, whatever it sends", async () => {
    const keyOf = async (scope: string) => {
      const res = await p.call("POST", "/v1/api-keys", { name: `${scope} till`, scope });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.secret as string;
    };
    const pos = await keyOf("pos");
    const read = await keyOf("read");
    const before = await snapshot();
    // Admin-only routes, a pos key: body, query and path.
    expectError(await p.call("POST", "/v1/campaigns", { name: "Double\u0000" }, { key: pos }), 403, "forbidden");
    expectError(await t.request("GET", "/v1/audit?cursor=%00", { key: pos }), 403, "forbidden");
    expectError(
      await p.call("POST", "/v1/staff", { email: "a@example.com", role: "cashier", password: "x\u0000".repeat(6) }, { key: pos }),
      403,
      "forbidden",
    );
    // A read key writes nothing, hostile or not.
    expectError(await p.call("POST", "/v1/members", { name: "Ada\u0000" }, { key: read }), 403, "forbidden");
    expectError(await p.call("PATCH", `/v1/members/mem_%00x`, { name: "Bea" }, { key: read }), 403, "forbidden");
    // No key, or a wrong one: 401.
    expectError(await t.request("POST", "/v1/members", { body: { name: "Ada\u0000" } }), 401, "unauthorized");
    expectError(
      await t.request("POST", "/v1/members", { key: "sb_admin_nope", body: { name: "Ada\u0000" } }),
      401,
      "unauthorized",
    );
    // The right scope still meets the edge refusal.
    expectRefusedField(await p.call("POST", "/v1/members", { name: "Ada\u0000" }, { key: pos }), "name");
    // And a path no route has is still checked at the edge.
    expectError(await t.request("POST", "/v1/nowhere", { key: pos, body: { name: "\u0000" } }), 400, "validation_error");
    await expectNothingWritten(before);
  });

  it("refuses them on the web apps' /auth routes too", async () => {
    const signIn = await t.request("POST", "/auth/sign-in", {
      body: { email: "owner\u0000@example.com", password: "correct horse battery" },
    });
    expectRefusedField(signIn, "email");
    const join = await t.request("POST", `/v1/portal/${p.id}/members`, { body: { email: "a\u0000@example.com" } });
    expectRefusedField(join, "email");
  });

  it("holds /auth/sign-in to the body limit before reading the body: a Content-Length over it", async () => {
    const res = await t.app.http.request("/auth/sign-in", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(LIMIT + 1) },
      body: "{}",
    });
    expectError({ status: res.status, body: await res.json(), headers: res.headers }, 413, "payload_too_large");
  });

  it("holds /auth/sign-in to the body limit before reading the body: a chunked body over it", async () => {
    let sent = 0;
    const chunk = new TextEncoder().encode(`"${"x".repeat(64 * 1024)}",`);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"email":"a@example.com","password":['));
      },
      pull(controller) {
        // a stream that would go on well past the limit: only what the limit allows is read
        if (sent > 4 * LIMIT) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await t.app.http.request("/auth/sign-in", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expectError({ status: res.status, body: await res.json(), headers: res.headers }, 413, "payload_too_large");
    expect(sent).toBeLessThan(2 * LIMIT);
  });

  it("keeps the limit on /v1 routes for the operator key too", async () => {
    const huge = { name: "x".repeat(LIMIT + 1), currency: "USD", timezone: "UTC", country: "US" };
    expectError(await t.request("POST", "/v1/programs", { key: TEST_ROOT_KEY, body: huge }), 413, "payload_too_large");
  });
});
