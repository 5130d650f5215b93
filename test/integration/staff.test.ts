import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { runCli } from "../helpers/server-process.ts";
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
    // Told by their role, not by the scope of an API key they never held.
    const report = await asCashier("GET", "/v1/reports/overview");
    expect(report.status).toBe(403);
    expect(report.body.error.message).toBe("Only owners or managers can do this; you are signed in as cashier");
    expect(report.body.error.details).toEqual({ required: ["owner", "manager"], role: "cashier" });
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
    // Programme settings are the owners' too (the console's Settings page): managers and cashiers
    // read the programme, but their sessions cannot change it; an owner's and an admin key can.
    expect((await asManager("GET", "/v1/programs/current")).status).toBe(200);
    const settingsDenied = await asManager("PATCH", "/v1/programs/current", { pendingDays: 3 });
    expect(settingsDenied.status).toBe(403);
    expect(settingsDenied.body.error.code).toBe("forbidden");
    expect((await asCashier("PATCH", "/v1/programs/current", { pendingDays: 3 })).status).toBe(403);
    expect((await p.call("GET", "/v1/programs/current")).body.pendingDays).not.toBe(3);
    expect((await asOwner("PATCH", "/v1/programs/current", { pendingDays: 3 })).status).toBe(200);
    expect((await p.call("PATCH", "/v1/programs/current", { pendingDays: 4 })).status).toBe(200);
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

  it("lets owners change a staff account's name, role and status, and ends its sessions when it loses rights", async () => {
    const p = await t.createProgram();
    const owner = await firstOwner(p);
    const o = await signIn(p.id, "owner@example.com");
    const asOwner = asStaff(o.session, o.csrf);
    const created = await asOwner("POST", "/v1/staff", { email: "mia@example.com", role: "manager", password: PASSWORD });
    const mia = created.body.id as string;
    const m = await signIn(p.id, "mia@example.com");
    const asMia = asStaff(m.session, m.csrf);
    expect((await asMia("GET", "/v1/members")).status).toBe(200);

    // A name change keeps the session; managers may not change staff.
    const renamed = await asOwner("PATCH", `/v1/staff/${mia}`, { name: "Mia Manager" });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body).toMatchObject({ id: mia, name: "Mia Manager", role: "manager", status: "active" });
    expect((await asMia("GET", "/v1/members")).status).toBe(200);
    expect((await asMia("PATCH", `/v1/staff/${mia}`, { role: "owner" })).status).toBe(403);

    // A role change ends the session; the new role applies at the next sign-in.
    const demoted = await asOwner("PATCH", `/v1/staff/${mia}`, { role: "cashier" });
    expect(demoted.body.role).toBe("cashier");
    expect((await asMia("GET", "/v1/members")).status).toBe(401);
    const again = await signIn(p.id, "mia@example.com");
    expect(again.res.body.staff.role).toBe("cashier");
    // Disabling ends it too and stops sign-in; enabling lets her back.
    expect((await asOwner("PATCH", `/v1/staff/${mia}`, { status: "disabled" })).body.status).toBe("disabled");
    expect((await asStaff(again.session)("GET", "/v1/members")).status).toBe(401);
    expect((await signIn(p.id, "mia@example.com")).res.status).toBe(401);
    expect((await asOwner("PATCH", `/v1/staff/${mia}`, { status: "active" })).status).toBe(200);
    expect((await signIn(p.id, "mia@example.com")).res.status).toBe(200);

    // The audit log has who did it, with the account before and after.
    const log = await p.call("GET", `/v1/audit?targetId=${mia}`);
    expect(log.body.data[0]).toMatchObject({
      actor: `staff:${owner.id}`,
      action: "PATCH /v1/staff/{staffId}",
      before: { status: "disabled" },
      after: { status: "active" },
    });
    const roleChange = log.body.data.find((e: Json) => e.after.role === "cashier" && e.before.role === "manager");
    expect(roleChange).toBeDefined();

    // Unknown ids and bad input.
    expect((await asOwner("PATCH", "/v1/staff/stf_nobody", { name: "X" })).status).toBe(404);
    const bad = await asOwner("PATCH", `/v1/staff/${mia}`, { role: "king" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe("role");
    const other = await t.createProgram();
    expect((await other.call("PATCH", `/v1/staff/${mia}`, { name: "X" })).status).toBe(404);
  });

  it("never leaves a programme without an active owner", async () => {
    const p = await t.createProgram();
    const owner = await firstOwner(p);
    for (const change of [{ role: "manager" }, { status: "disabled" }]) {
      const refused = await p.call("PATCH", `/v1/staff/${owner.id}`, change);
      expect(refused.status, JSON.stringify(refused.body)).toBe(409);
      expect(refused.body.error.code).toBe("conflict");
      expect(refused.body.error.message).toMatch(/last active owner/);
    }
    const second = await p.call("POST", "/v1/staff", { email: "two@example.com", role: "owner", password: PASSWORD });
    // With a second owner, the first may step down; then the second is the last.
    expect((await p.call("PATCH", `/v1/staff/${owner.id}`, { role: "manager" })).status).toBe(200);
    expect((await p.call("PATCH", `/v1/staff/${second.body.id}`, { status: "disabled" })).status).toBe(409);
    // A disabled owner does not count.
    expect((await p.call("PATCH", `/v1/staff/${owner.id}`, { role: "owner", status: "disabled" })).status).toBe(200);
    expect((await p.call("PATCH", `/v1/staff/${second.body.id}`, { role: "cashier" })).status).toBe(409);
    // Both at once: exactly one of two owners demoting each other wins.
    expect((await p.call("PATCH", `/v1/staff/${owner.id}`, { status: "active" })).status).toBe(200);
    const [a, b] = await Promise.all([
      p.call("PATCH", `/v1/staff/${owner.id}`, { role: "manager" }),
      p.call("PATCH", `/v1/staff/${second.body.id}`, { role: "manager" }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const owners = (await p.call("GET", "/v1/staff")).body.data.filter((s: Json) => s.role === "owner" && s.status === "active");
    expect(owners).toHaveLength(1);
  });

  it("lets an owner set a new password: the lock is cleared and sessions end", async () => {
    const p = await t.createProgram();
    await firstOwner(p);
    const created = await p.call("POST", "/v1/staff", { email: "cas@example.com", role: "cashier", password: PASSWORD });
    const session = await signIn(p.id, "cas@example.com");
    for (let i = 0; i < 5; i++) await signIn(p.id, "cas@example.com", "wrong password!");
    expect((await signIn(p.id, "cas@example.com")).res.status).toBe(423);
    const short = await p.call("POST", `/v1/staff/${created.body.id}/password`, { password: "short" });
    expect(short.status).toBe(400);
    const set = await p.call("POST", `/v1/staff/${created.body.id}/password`, { password: "a brand new passphrase" });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(JSON.stringify(set.body)).not.toContain("passphrase");
    expect((await asStaff(session.session)("GET", "/v1/members")).status).toBe(401);
    expect((await signIn(p.id, "cas@example.com")).res.status).toBe(401);
    expect((await signIn(p.id, "cas@example.com", "a brand new passphrase")).res.status).toBe(200);
  });

  it("signs in without a programme id when the password opens one account, and asks for it when it opens several", async () => {
    const email = `multi-${Date.now()}@example.com`;
    const signInBy = (body: Record<string, string>) => t.request("POST", "/auth/sign-in", { body: { email, ...body } });
    const a = await t.createProgram({ name: "Alpha Coffee" });
    await firstOwner(a, email);
    const one = await signInBy({ password: PASSWORD });
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    expect(one.body.staff.programId).toBe(a.id);

    // A second account with another password: each password opens its own.
    const b = await t.createProgram({ name: "Beta Bakery" });
    const other = "another long password";
    expect(
      (
        await t.request("POST", `/v1/programs/${b.id}/staff`, {
          key: TEST_ROOT_KEY,
          body: { email, role: "owner", password: other },
        })
      ).status,
    ).toBe(201);
    expect((await signInBy({ password: other })).body.staff.programId).toBe(b.id);
    expect((await signInBy({ password: PASSWORD })).body.staff.programId).toBe(a.id);
    // A wrong password learns nothing about the programmes.
    const wrong = await signInBy({ password: "wrong password!" });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain(a.id);

    // A third account with the same password as the first: the programme must be chosen.
    const c = await t.createProgram({ name: "Gamma Grocer" });
    await firstOwner(c, email);
    const ambiguous = await signInBy({ password: PASSWORD });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.headers.get("set-cookie")).toBeNull();
    expect(ambiguous.body.error).toMatchObject({
      code: "validation_error",
      details: {
        issues: [{ path: "programId", message: "This email has accounts in several programmes; choose one" }],
        programs: [
          { id: a.id, name: "Alpha Coffee" },
          { id: c.id, name: "Gamma Grocer" },
        ],
      },
    });
    const chosen = await signInBy({ password: PASSWORD, programId: c.id });
    expect(chosen.status).toBe(200);
    expect(chosen.body.staff.programId).toBe(c.id);

    // Failures without a programme count on every account tried: five lock them all (423).
    for (let i = 0; i < 5; i++) expect((await signInBy({ password: "wrong password!" })).status).toBe(401);
    expect((await signInBy({ password: PASSWORD })).status).toBe(423);
    t.clock.advance(15 * 60_000 + 1);
    expect((await signInBy({ password: other })).status).toBe(200);
    t.clock.set("2026-11-23T09:00:00Z");
  });
});

describe("stampbook staff create", () => {
  // Five processes and two apps, each opening the embedded database: slow on a busy machine.
  it("adds a staff account straight to the database, who can then sign in", { timeout: 300_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "stampbook-staff-cli-"));
    const config = loadConfig({}, { dataDir, rootKey: TEST_ROOT_KEY, logLevel: "silent" });
    try {
      let app = await createApp(config, { log: pino({ level: "silent" }) });
      const created = await app.http.request("/v1/programs", {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_ROOT_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "CLI Cafe", currency: "EUR", timezone: "Europe/Paris" }),
      });
      const programId = ((await created.json()) as Json).program.id as string;
      await app.close();

      const env = { STAMPBOOK_DATA_DIR: dataDir };
      const args = [
        "staff",
        "create",
        "--program",
        programId,
        "--email",
        "Boss@Example.com",
        "--role",
        "owner",
        "--name",
        "Bo Boss",
      ];
      // No password in the environment and no terminal: refused with a clear message.
      const noPassword = await runCli(args, { env });
      expect(noPassword.code).toBe(2);
      expect(noPassword.stderr).toMatch(/STAMPBOOK_STAFF_PASSWORD/);
      const weak = await runCli(args, { env: { ...env, STAMPBOOK_STAFF_PASSWORD: "short" } });
      expect(weak.code).toBe(2);
      expect(weak.stderr).toMatch(/at least 12 characters/);
      const badRole = await runCli([...args.slice(0, -4), "--role", "king"], {
        env: { ...env, STAMPBOOK_STAFF_PASSWORD: PASSWORD },
      });
      expect(badRole.code).toBe(2);
      expect(badRole.stderr).toMatch(/--role/);
      const unknown = await runCli(["staff", "create", "--program", "prg_nope", "--email", "x@example.com", "--role", "owner"], {
        env: { ...env, STAMPBOOK_STAFF_PASSWORD: PASSWORD },
      });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/prg_nope was not found/);

      const ok = await runCli(args, { env: { ...env, STAMPBOOK_STAFF_PASSWORD: PASSWORD } });
      expect(ok.code, ok.stderr).toBe(0);
      const staffId = ok.stdout.trim();
      expect(staffId).toMatch(/^stf_[0-9a-z]{26}$/);
      const dup = await runCli(args, { env: { ...env, STAMPBOOK_STAFF_PASSWORD: PASSWORD } });
      expect(dup.code).toBe(1);
      expect(dup.stderr).toMatch(/already exists/);

      app = await createApp(config, { log: pino({ level: "silent" }) });
      try {
        const signedIn = await app.http.request("/auth/sign-in", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "boss@example.com", password: PASSWORD }),
        });
        expect(signedIn.status).toBe(200);
        expect(((await signedIn.json()) as Json).staff).toMatchObject({ id: staffId, programId, role: "owner", name: "Bo Boss" });
        const { data } = await app.services.audit.list(programId, { limit: 10 });
        expect(data[0]).toMatchObject({ actor: "cli", action: "CLI staff create", targetId: staffId });
      } finally {
        await app.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
