import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type Json, startTestApp, TEST_ROOT_KEY, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/*
 * The audit log: every successful change, by staff sessions and API keys alike, written in the
 * change's own transaction (who, what, when, the resource before and the answer after); refusals
 * and idempotent replays write nothing; newest first in keyset pages, with filters.
 */

const PASSWORD = "correct horse battery staple";

describe.each(engines())("audit log on %s", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, "2026-11-23T09:00:00Z");
  });
  afterAll(async () => {
    await t.close();
  });

  /** A programme with an owner (by the operator key) and a signed-in client for them. */
  const withOwner = async () => {
    const p = await t.createProgram();
    const owner = await t.request("POST", `/v1/programs/${p.id}/staff`, {
      key: TEST_ROOT_KEY,
      body: { email: "owner@example.com", name: "Olive Owner", role: "owner", password: PASSWORD },
    });
    expect(owner.status, JSON.stringify(owner.body)).toBe(201);
    return { p, ownerId: owner.body.id as string, asOwner: await session(p, "owner@example.com") };
  };
  const session = async (p: TestProgram, email: string) => {
    const res = await t.request("POST", "/auth/sign-in", { body: { programId: p.id, email, password: PASSWORD } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const cookie = res.headers.get("set-cookie")?.match(/sb_session=([^;]+)/)?.[1];
    const csrf = res.body.csrfToken as string;
    return (method: string, path: string, body?: unknown, idempotencyKey?: string) =>
      t.request(method, path, {
        ...(body !== undefined && { body }),
        ...(idempotencyKey && { idempotencyKey }),
        headers: { cookie: `sb_session=${cookie}`, "x-csrf-token": csrf },
      });
  };
  const audit = async (p: TestProgram, query = "") => {
    const res = await p.call("GET", `/v1/audit${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { data: Json[]; nextCursor: string | null };
  };

  it("records who changed what, when, with the resource before and after", async () => {
    const { p, ownerId, asOwner } = await withOwner();
    t.clock.set("2026-11-23T10:00:00Z");
    const changed = await asOwner("PATCH", "/v1/programs/current", { pendingDays: 7, name: "Renamed" });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);

    const [entry] = (await audit(p)).data;
    expect(entry).toMatchObject({
      id: expect.stringMatching(/^aud_/),
      actor: `staff:${ownerId}`,
      actorName: "Olive Owner",
      action: "PATCH /v1/programs/current",
      summary: expect.any(String),
      targetId: p.id,
      requestId: changed.headers.get("x-request-id"),
      at: "2026-11-23T10:00:00.000Z",
    });
    expect(entry.before).toMatchObject({ id: p.id, pendingDays: 0, name: expect.stringMatching(/^Test programme/) });
    expect(entry.after).toMatchObject({ id: p.id, pendingDays: 7, name: "Renamed" });

    // A member update: the path's id is the target, the member before and after.
    const memberId = await p.createMember({ email: "ada@example.com", name: "Ada" });
    const updated = await asOwner("PATCH", `/v1/members/${memberId}`, { name: "Ada Lovelace" });
    expect(updated.status).toBe(200);
    const [memberEntry, created] = (await audit(p)).data;
    expect(memberEntry).toMatchObject({
      action: "PATCH /v1/members/{memberId}",
      targetId: memberId,
      before: { name: "Ada" },
      after: { name: "Ada Lovelace" },
    });
    // A creation by an API key: the created id is the target, nothing before.
    expect(created).toMatchObject({
      action: "POST /v1/members",
      actor: expect.stringMatching(/^key:key_/),
      actorName: "Default admin key",
      targetId: memberId,
      before: null,
      after: { id: memberId, email: "ada@example.com" },
    });
  });

  it("never keeps a secret, and records operator calls under the programme they acted on", async () => {
    const { p } = await withOwner();
    const key = await p.call("POST", "/v1/api-keys", { name: "Till 1", scope: "pos" });
    expect(key.status).toBe(201);
    expect(key.body.secret).toMatch(/^sb_pos_/);
    const revoked = await p.call("DELETE", `/v1/api-keys/${key.body.id}`, {});
    expect(revoked.status).toBe(200);

    const { data } = await audit(p);
    expect(data.map((e: Json) => e.action)).toEqual([
      "DELETE /v1/api-keys/{keyId}",
      "POST /v1/api-keys",
      "POST /v1/programs/{programId}/staff",
      "POST /v1/programs",
    ]);
    const [revoke, create, firstOwner, programme] = data;
    expect(create.after.secret).toBe("[redacted]");
    expect(JSON.stringify(data)).not.toContain(key.body.secret);
    expect(JSON.stringify(data)).not.toContain(p.key);
    expect(revoke).toMatchObject({
      targetId: key.body.id,
      before: { revokedAt: null },
      after: { revokedAt: expect.any(String) },
    });
    expect(firstOwner).toMatchObject({
      actor: "key:root:env",
      actorName: "Operator key (STAMPBOOK_ROOT_KEY)",
      targetId: expect.stringMatching(/^stf_/),
    });
    expect(programme).toMatchObject({ actor: "key:root:env", targetId: p.id, after: { apiKey: { secret: "[redacted]" } } });
  });

  it("writes nothing for a refused request or an idempotent replay", async () => {
    const { p, asOwner } = await withOwner();
    const memberId = await p.createMember({ email: "bo@example.com" });
    const before = (await audit(p)).data.length;

    // Refused before the work (validation), inside it (not found, insufficient points), with and without a key.
    expect((await asOwner("PATCH", `/v1/members/${memberId}`, { email: "not an email" })).status).toBe(400);
    expect((await asOwner("PATCH", "/v1/members/mem_nobody", { name: "X" }, "refused-1")).status).toBe(404);
    expect((await asOwner("PATCH", "/v1/members/mem_nobody", { name: "X" }, "refused-1")).status).toBe(404);
    const spend = { points: -50, reason: "too much" };
    expect((await asOwner("POST", `/v1/members/${memberId}/adjustments`, spend, "refused-2")).status).toBe(409);
    expect((await asOwner("POST", `/v1/members/${memberId}/adjustments`, spend)).status).toBe(409);
    expect((await audit(p)).data).toHaveLength(before);

    // Done once, replayed twice: one row.
    const credit = { points: 25, reason: "welcome" };
    const first = await asOwner("POST", `/v1/members/${memberId}/adjustments`, credit, "credit-1");
    expect(first.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const replay = await asOwner("POST", `/v1/members/${memberId}/adjustments`, credit, "credit-1");
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
    }
    const { data } = await audit(p);
    expect(data).toHaveLength(before + 1);
    expect(data[0]).toMatchObject({ action: "POST /v1/members/{memberId}/adjustments", targetId: memberId });
  });

  it("pages newest first and filters by actor, action, target and time", async () => {
    t.clock.set("2026-12-01T07:00:00Z");
    const { p, ownerId, asOwner } = await withOwner();
    t.clock.set("2026-12-01T08:00:00Z");
    const members: string[] = [];
    for (let i = 0; i < 5; i++) {
      members.push(await p.createMember({ email: `m${i}@example.com` }));
      t.clock.advance(60_000);
    }
    for (const id of members.slice(0, 3)) {
      expect((await asOwner("PATCH", `/v1/members/${id}`, { name: `Name ${id}` })).status).toBe(200);
      t.clock.advance(60_000);
    }
    const all = (await audit(p)).data;
    expect(all).toHaveLength(10); // programme, first owner, 5 enrolments, 3 updates
    const times = all.map((e: Json) => e.at);
    expect([...times].sort().reverse()).toEqual(times);

    // Pages of 3, following nextCursor, give every row once, in the same order.
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { data: Json[]; nextCursor: string | null } = await audit(
        p,
        `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(page.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.data.map((e) => e.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual(all.map((e: Json) => e.id));

    const byActor = (await audit(p, `?actor=${encodeURIComponent(`staff:${ownerId}`)}`)).data;
    expect(byActor.map((e: Json) => e.targetId)).toEqual(members.slice(0, 3).reverse());
    const byAction = (await audit(p, `?action=${encodeURIComponent("patch /v1/members")}`)).data;
    expect(byAction).toHaveLength(3);
    const byTarget = (await audit(p, `?targetId=${members[1]}`)).data;
    expect(byTarget.map((e: Json) => e.action)).toEqual(["PATCH /v1/members/{memberId}", "POST /v1/members"]);
    const window = (await audit(p, "?from=2026-12-01T08:01:00Z&to=2026-12-01T08:03:00Z")).data;
    expect(window.map((e: Json) => e.targetId)).toEqual([members[2], members[1]]);
    const bad = await p.call("GET", "/v1/audit?cursor=nonsense");
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe("cursor");
  });

  it("is for admins: managers read it, cashiers and pos keys get 403", async () => {
    const { p, asOwner } = await withOwner();
    for (const [email, role] of [
      ["manager@example.com", "manager"],
      ["cashier@example.com", "cashier"],
    ]) {
      expect((await asOwner("POST", "/v1/staff", { email, role, password: PASSWORD })).status).toBe(201);
    }
    const asManager = await session(p, "manager@example.com");
    expect((await asManager("GET", "/v1/audit")).status).toBe(200);
    const asCashier = await session(p, "cashier@example.com");
    const refused = await asCashier("GET", "/v1/audit");
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden");
    const pos = await p.call("POST", "/v1/api-keys", { name: "till", scope: "pos" });
    expect((await p.call("GET", "/v1/audit", undefined, { key: pos.body.secret })).status).toBe(403);
    // Another programme's log is not this one's.
    const other = await t.createProgram();
    expect((await audit(other)).data.map((e: Json) => e.action)).toEqual(["POST /v1/programs"]);
  });
});
