import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, type Json, startTestApp, TEST_ROOT_KEY, type TestApp, type TestProgram } from "../helpers/test-app.ts";

/*
 * Staff accounts: the first owner by the operator key, sign-in with a session cookie and a CSRF
 * token, roles mapped onto what the routes allow, lockout after repeated failures, sign-out.
 */

const PASSWORD = "correct horse battery staple";

describe.each(engines())("staff accounts and sessions on %s", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, "2026-11-23T09:00:00Z");
  });
  afterAll(async () => {
    await t.close();
  });

  /** A browser-like client: the cookie the server set, and the CSRF token sign-in answered. */
  const signIn = async (programId: string, email: string, password = PASSWORD) => {
    const res = await t.request("POST", "/auth/sign-in", { body: { programId, email, password } });
    const cookie = res.headers.get("set-cookie");
    const session = cookie?.match(/sb_session=([^;]+)/)?.[1];
    return { res, cookie, session, csrf: res.body?.csrfToken as string | undefined };
  };
  const asStaff = (session: string | undefined, csrf?: string) => (method: string, path: string, body?: unknown) =>
    t.request(method, path, {
      ...(body !== undefined && { body }),
      headers: { cookie: `sb_session=${session}`, ...(csrf && { "x-csrf-token": csrf }) },
    });
  const firstOwner = async (p: TestProgram, email = "owner@example.com") => {
    const res = await t.request("POST", `/v1/programs/${p.id}/staff`, {
      key: TEST_ROOT_KEY,
      body: { email, name: "Olive Owner", role: "owner", password: PASSWORD },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as Json;
  };

  it("signs the first owner in with a secure, http-only cookie and a CSRF token that changes need", async () => {
    const p = await t.createProgram();
    const owner = await firstOwner(p);
    expect(owner).toMatchObject({ id: expect.stringMatching(/^stf_/), role: "owner", email: "owner@example.com" });
    const { res, cookie, session, csrf } = await signIn(p.id, "Owner@Example.com");
    expect(res.status).toBe(200);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(res.body.staff.lastSignInAt).toBe("2026-11-23T09:00:00.000Z");
    const me = await asStaff(session)("GET", "/auth/session");
    expect(me.body).toMatchObject({ staff: { id: owner.id }, csrfToken: csrf });

    const call = asStaff(session, csrf);
    expect((await call("GET", "/v1/members")).status).toBe(200);
    const noCsrf = await asStaff(session)("POST", "/v1/members", { email: "a@example.com" });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe("forbidden");
    const wrongCsrf = await asStaff(session, "nope")("POST", "/v1/members", { email: "a@example.com" });
    expect(wrongCsrf.status).toBe(403);
    const created = await call("POST", "/v1/members", { email: "a@example.com" });
    expect(created.status).toBe(201);
    const adjusted = await call("POST", `/v1/members/${created.body.id}/adjustments`, { points: 10, reason: "welcome" });
    expect(adjusted.body.transaction.actor).toBe(`staff:${owner.id}`);
  });

  it("gives each role what it may do: cashiers the till, managers the programme, owners staff and keys", async () => {
    const p = await t.createProgram();
    await firstOwner(p);
    const owner = await signIn(p.id, "owner@example.com");
    const asOwner = asStaff(owner.session, owner.csrf);
    for (const [email, role] of [
      ["cashier@example.com", "cashier"],
      ["manager@example.com", "manager"],
    ]) {
      expect((await asOwner("POST", "/v1/staff", { email, role, password: PASSWORD })).status).toBe(201);
    }
    expect((await asOwner("GET", "/v1/staff")).body.data).toHaveLength(3);
    expect((await asOwner("POST", "/v1/api-keys", { name: "till", scope: "pos" })).status).toBe(201);

    const cashier = await signIn(p.id, "cashier@example.com");
    const asCashier = asStaff(cashier.session, cashier.csrf);
    const rule = { name: "r", trigger: "purchase", effect: { type: "fixed_points", points: 5 } };
    expect((await asCashier("POST", "/v1/rules", rule)).status).toBe(403);
    expect((await asCashier("GET", "/v1/staff")).status).toBe(403);
    const member = await asCashier("POST", "/v1/members", { phone: "+15551230000" });
    expect(member.status).toBe(201);
    expect(
      (await asCashier("POST", "/v1/events", { id: "e1", type: "purchase", memberId: member.body.id, amount: 500 })).status,
    ).toBe(201);

    const manager = await signIn(p.id, "manager@example.com");
    const asManager = asStaff(manager.session, manager.csrf);
    expect((await asManager("POST", "/v1/rules", rule)).status).toBe(201);
    const staffDenied = await asManager("POST", "/v1/staff", { email: "x@example.com", role: "owner", password: PASSWORD });
    expect(staffDenied.status).toBe(403);
    expect((await asManager("POST", "/v1/api-keys", { name: "k", scope: "admin" })).status).toBe(403);
    expect((await asManager("GET", "/v1/api-keys")).status).toBe(403);
  });

  it("keeps a session inside its programme", async () => {
    const a = await t.createProgram();
    const b = await t.createProgram();
    await firstOwner(a);
    const memberOfB = await b.createMember({ email: "b@example.com" });
    const owner = await signIn(a.id, "owner@example.com");
    const res = await asStaff(owner.session, owner.csrf)("GET", `/v1/members/${memberOfB}`);
    expect(res.status).toBe(404);
    expect((await signIn(b.id, "owner@example.com")).res.status).toBe(401);
  });

  it("locks an account after five failures in a row, and lets it in once the lock ends", async () => {
    const p = await t.createProgram();
    await firstOwner(p);
    for (let i = 0; i < 5; i++) {
      const failed = await signIn(p.id, "owner@example.com", "wrong password!");
      expect(failed.res.status).toBe(401);
      expect(failed.res.body.error.message).toBe("Wrong email or password");
      expect(failed.cookie).toBeNull();
    }
    const locked = await signIn(p.id, "owner@example.com");
    expect(locked.res.status).toBe(423);
    expect(locked.res.body.error.code).toBe("account_locked");
    const unknown = await signIn(p.id, "nobody@example.com");
    expect(unknown.res.status).toBe(401);
    expect(unknown.res.body.error.message).toBe("Wrong email or password");
    t.clock.advance(15 * 60_000 + 1);
    const back = await signIn(p.id, "owner@example.com");
    expect(back.res.status).toBe(200);
    // The count starts again after a success.
    expect((await signIn(p.id, "owner@example.com", "wrong password!")).res.status).toBe(401);
    expect((await signIn(p.id, "owner@example.com")).res.status).toBe(200);
    t.clock.set("2026-11-23T09:00:00Z");
  });

  it("ends a session at sign-out, and refuses bad input in the one error shape", async () => {
    const p = await t.createProgram();
    await firstOwner(p);
    const owner = await signIn(p.id, "owner@example.com");
    const call = asStaff(owner.session, owner.csrf);
    expect((await asStaff(owner.session)("POST", "/auth/sign-out")).status).toBe(403);
    const out = await call("POST", "/auth/sign-out");
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toMatch(/sb_session=;/);
    const after = await call("GET", "/v1/members");
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe("unauthorized");
    expect((await call("GET", "/auth/session")).status).toBe(401);

    const short = await p.call("POST", "/v1/staff", { email: "s@example.com", role: "cashier", password: "short" });
    expect(short.status).toBe(400);
    expect(short.body.error.code).toBe("validation_error");
    const dup = await p.call("POST", "/v1/staff", { email: "OWNER@example.com", role: "cashier", password: PASSWORD });
    expect(dup.status).toBe(409);
    const badRole = await p.call("POST", "/v1/staff", { email: "r@example.com", role: "king", password: PASSWORD });
    expect(badRole.status).toBe(400);
    expect((await p.call("GET", "/v1/staff")).body.data).toHaveLength(1);
    t.clock.advance(13 * 60 * 60_000);
    const next = await signIn(p.id, "owner@example.com");
    t.clock.advance(13 * 60 * 60_000);
    expect((await asStaff(next.session)("GET", "/v1/members")).status).toBe(401);
    t.clock.set("2026-11-23T09:00:00Z");
  });
});
