import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { ManualClock } from "../../src/shared/clock.ts";
import type { Mailer, MailMessage } from "../../src/shared/mailer.ts";
import { startSmtp } from "../helpers/mail.ts";
import { type EngineName, engines, type Json, openTestDatabase, requestApp, TEST_ROOT_KEY } from "../helpers/test-app.ts";

/**
 * The member portal's API on both engines: the public landing page and enrolment, sign-in by an
 * emailed code (wrong codes, tries, expiry, reuse, replacement, the hourly limit), the member's
 * own routes behind the `sb_member` cookie and its CSRF token, and that a member reaches nobody
 * else: no other member, no other programme, no staff or key route.
 */

interface Res {
  status: number;
  body: Json;
  headers: Headers;
}

interface Harness {
  app: App;
  clock: ManualClock;
  mail: MailMessage[];
  request(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; cookie?: string; csrf?: string; idempotencyKey?: string },
  ): Promise<Res>;
  close(): Promise<void>;
}

/** The app in process with a mailer that keeps what it is given (or SMTP when `smtpUrl` is set). */
async function startPortalApp(engine: EngineName, smtpUrl?: string): Promise<Harness> {
  const clock = new ManualClock(START);
  const mail: MailMessage[] = [];
  const capture: Mailer = {
    send: async (message) => {
      mail.push(message);
    },
  };
  const config = loadConfig({}, { rootKey: TEST_ROOT_KEY, logLevel: "silent", ...(smtpUrl && { smtpUrl }) });
  const app = await createApp(config, {
    database: await openTestDatabase(engine),
    clock,
    log: pino({ level: "silent" }),
    ...(!smtpUrl && { mailer: capture }),
  });
  const request: Harness["request"] = (method, path, options = {}) => requestApp(app, method, path, options);
  return { app, clock, mail, request, close: () => app.close() };
}

const codeIn = (message: MailMessage | undefined): string => {
  const code = message?.text.match(/Your sign-in code: (\d{6})/)?.[1];
  if (!code) throw new Error(`no code in ${JSON.stringify(message)}`);
  return code;
};

/** `sb_member=<token>` from a Set-Cookie answer, ready to send back. */
const memberCookie = (res: Res): string => {
  const match = (res.headers.get("set-cookie") ?? "").match(/sb_member=([^;]+)/);
  if (!match) throw new Error(`no sb_member cookie in ${res.headers.get("set-cookie")}`);
  return `sb_member=${match[1]}`;
};

let programs = 0;
const START = "2026-03-02T09:00:00Z";

describe.each(engines())("member portal API (%s)", (engine) => {
  let t: Harness;
  beforeAll(async () => {
    t = await startPortalApp(engine);
  });
  afterAll(async () => {
    await t?.close();
  });
  // Each test starts at the same time (each has its own programme and members).
  beforeEach(() => t.clock.set(START));

  const ok = (res: Res, status = 200): Json => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res.body;
  };

  async function program(extra: Record<string, unknown> = {}) {
    const created = ok(
      await t.request("POST", "/v1/programs", {
        key: TEST_ROOT_KEY,
        body: { name: `Corner Coffee ${++programs}`, currency: "USD", timezone: "America/New_York", country: "US", ...extra },
      }),
      201,
    );
    const key: string = created.apiKey.secret;
    const id: string = created.program.id;
    const call = (method: string, path: string, body?: unknown) => t.request(method, path, { key, body });
    return { id, key, name: created.program.name as string, call };
  }

  /** Enrols through the portal and signs in with the emailed code: the cookie and CSRF token. */
  async function signedIn(programId: string, email: string, extra: Record<string, unknown> = {}) {
    const before = t.mail.length;
    ok(await t.request("POST", `/v1/portal/${programId}/members`, { body: { email, marketingConsent: false, ...extra } }), 201);
    await t.app.services.portal.mailSettled();
    const code = codeIn(t.mail.slice(before).find((m) => m.to === email));
    const res = await t.request("POST", `/v1/portal/${programId}/sessions`, { body: { email, code } });
    const session = ok(res);
    return { cookie: memberCookie(res), csrf: session.csrfToken as string, memberId: session.member.id as string, session };
  }

  async function codeFor(programId: string, email: string): Promise<string> {
    const before = t.mail.length;
    ok(await t.request("POST", `/v1/portal/${programId}/codes`, { body: { email } }), 202);
    await t.app.services.portal.mailSettled();
    return codeIn(t.mail.slice(before).find((m) => m.to === email));
  }

  it("shows a programme's landing page without a key: tiers, active rewards, how points are earned", async () => {
    const p = await program();
    ok(
      await p.call("PUT", "/v1/tiers", {
        policy: { metric: "points_earned", window: { type: "lifetime" }, periodMonths: 12, graceDays: 0 },
        tiers: [
          { name: "Green", threshold: 0 },
          { name: "Gold", threshold: 500, benefits: ["Free refills"] },
        ],
      }),
    );
    ok(
      await p.call("POST", "/v1/rewards", { name: "Free latte", type: "free_product", value: { sku: "LATTE" }, costPoints: 100 }),
      201,
    );
    ok(
      await p.call("POST", "/v1/rewards", { name: "Cookie", type: "free_product", value: { sku: "COOKIE" }, costPoints: 40 }),
      201,
    );
    ok(
      await p.call("POST", "/v1/rules", {
        name: "1 point per dollar",
        description: "Earn 1 point for every $1 you spend",
        trigger: "purchase",
        effect: { type: "points_per_amount", points: 1, per: 100 },
      }),
      201,
    );
    const landing = ok(await t.request("GET", `/v1/portal/${p.id}`));
    expect(landing.program).toEqual({ id: p.id, name: p.name, currency: "USD" });
    expect(landing.tiers).toEqual([
      { name: "Green", threshold: 0, benefits: [] },
      { name: "Gold", threshold: 500, benefits: ["Free refills"] },
    ]);
    expect(landing.tierMetric).toBe("points_earned");
    expect(landing.rewards.map((r: Json) => [r.name, r.costPoints])).toEqual([
      ["Cookie", 40],
      ["Free latte", 100],
    ]);
    expect(landing.earning).toEqual([
      { name: "1 point per dollar", description: "Earn 1 point for every $1 you spend", trigger: "purchase" },
    ]);
    expect((await t.request("GET", "/v1/portal/prg_unknown")).status).toBe(404);
  });

  it("enrols with marketing consent recorded with the time, fires the sign-up rule and emails a code", async () => {
    const p = await program();
    ok(
      await p.call("POST", "/v1/rules", { name: "Welcome", trigger: "signup", effect: { type: "fixed_points", points: 50 } }),
      201,
    );
    const res = await t.request("POST", `/v1/portal/${p.id}/members`, {
      body: { email: "Ada@Example.com", name: "Ada", phone: "(555) 123-4567", birthDate: "1990-05-01", marketingConsent: true },
    });
    expect(ok(res, 201)).toEqual({ email: "ada@example.com", message: expect.stringMatching(/sign-in code/) });
    const [member] = ok(await p.call("GET", "/v1/members?email=ada@example.com")).data;
    expect(member).toMatchObject({ name: "Ada", phone: "+15551234567", birthDate: "1990-05-01" });
    expect(member.marketingConsent).toEqual({ granted: true, at: "2026-03-02T09:00:00.000Z" });
    expect(ok(await p.call("GET", `/v1/members/${member.id}/balance`)).available + 0).toBeGreaterThanOrEqual(0);
    const balance = ok(await p.call("GET", `/v1/members/${member.id}/balance`));
    expect(balance.available + balance.pending).toBe(50);

    await t.app.services.portal.mailSettled();
    const mail = t.mail.filter((m) => m.to === "ada@example.com");
    expect(mail).toHaveLength(1);
    expect(mail[0]?.subject).toMatch(new RegExp(`^\\d{6} is your ${p.name} sign-in code$`));
    expect(mail[0]?.text).toMatch(/Welcome to/);

    // A member enrolled by the API without the question: false, never asked.
    const other = ok(await p.call("POST", "/v1/members", { email: "bob@example.com" }), 201);
    expect(other.marketingConsent).toEqual({ granted: false, at: null });
  });

  it("answers an enrolment with a known email, or a code request for an unknown one, exactly like any other", async () => {
    const p = await program();
    const first = ok(
      await t.request("POST", `/v1/portal/${p.id}/members`, { body: { email: "cy@example.com", marketingConsent: true } }),
      201,
    );
    const again = ok(
      await t.request("POST", `/v1/portal/${p.id}/members`, {
        body: { email: "CY@example.com", name: "Mallory", marketingConsent: false },
      }),
      201,
    );
    expect(again).toEqual(first);
    await t.app.services.portal.mailSettled();
    const mail = t.mail.filter((m) => m.to === "cy@example.com");
    expect(mail.map((m) => /already a member/.test(m.text))).toEqual([false, true]);
    const members = ok(await p.call("GET", "/v1/members?email=cy@example.com")).data;
    expect(members).toHaveLength(1);
    expect(members[0]).toMatchObject({ name: null, marketingConsent: { granted: true } });

    const before = t.mail.length;
    const known = await t.request("POST", `/v1/portal/${p.id}/codes`, { body: { email: "cy@example.com" } });
    const unknown = await t.request("POST", `/v1/portal/${p.id}/codes`, { body: { email: "nobody@example.com" } });
    expect(unknown.status).toBe(known.status);
    expect(unknown.status).toBe(202);
    expect({ ...unknown.body, email: "x" }).toEqual({ ...known.body, email: "x" });
    await t.app.services.portal.mailSettled();
    expect(t.mail.slice(before).map((m) => m.to)).toEqual(["cy@example.com"]);

    // Bad input is a validation error naming the field; a bad referral code is refused.
    const bad = await t.request("POST", `/v1/portal/${p.id}/members`, {
      body: { email: "not-an-email", marketingConsent: true },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i: Json) => i.path)).toEqual(["email"]);
    const noConsent = await t.request("POST", `/v1/portal/${p.id}/members`, { body: { email: "dee@example.com" } });
    expect(noConsent.body.error.details.issues.map((i: Json) => i.path)).toEqual(["marketingConsent"]);
    const ref = await t.request("POST", `/v1/portal/${p.id}/members`, {
      body: { email: "dee@example.com", referralCode: "NOPE1234", marketingConsent: false },
    });
    expect(ref.status).toBe(422);
    expect(ref.body.error.code).toBe("referral_invalid");
  });

  it("links a referral from the enrolment page to the referrer", async () => {
    const p = await program();
    const referrer = await signedIn(p.id, "ref@example.com");
    const code = referrer.session.member.referralCode;
    ok(
      await t.request("POST", `/v1/portal/${p.id}/members`, {
        body: { email: "friend@example.com", referralCode: code, marketingConsent: false },
      }),
      201,
    );
    const [friend] = ok(await p.call("GET", "/v1/members?email=friend@example.com")).data;
    expect(friend.referredBy).toBe(referrer.memberId);
  });

  it("signs in with the emailed code: wrong codes, five tries, expiry, reuse and replacement are refused alike", async () => {
    const p = await program();
    const email = "eve@example.com";
    ok(await t.request("POST", `/v1/portal/${p.id}/members`, { body: { email, marketingConsent: false } }), 201);
    await t.app.services.portal.mailSettled();
    const code = codeIn(t.mail.filter((m) => m.to === email).at(-1));
    const wrong = code === "000000" ? "000001" : "000000";
    const signIn = (c: string, who = email) =>
      t.request("POST", `/v1/portal/${p.id}/sessions`, { body: { email: who, code: c } });

    const refused = await signIn(wrong);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("unauthorized");
    expect(refused.headers.get("set-cookie")).toBeNull();
    const unknown = await signIn(code, "stranger@example.com");
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.message).toBe(refused.body.error.message);

    // Four more wrong tries (five in all): the right code no longer works.
    for (let i = 0; i < 4; i++) expect((await signIn(wrong)).status).toBe(401);
    expect((await signIn(code)).status).toBe(401);

    // A new code replaces the old one; four wrong tries still leave the fifth.
    const second = await codeFor(p.id, email);
    const third = await codeFor(p.id, email);
    if (second !== third) expect((await signIn(second)).status).toBe(401);
    for (let i = 0; i < 3; i++) await signIn(third === "000000" ? "000001" : "000000");
    const res = await signIn(`${third.slice(0, 3)} ${third.slice(3)}`);
    const session = ok(res);
    expect(session.member).toMatchObject({ email, referralCode: expect.any(String) });
    expect(session.programId).toBe(p.id);
    expect(session.csrfToken).toMatch(/^[\w-]{40,}$/);
    expect(new Date(session.expiresAt).getTime() - t.clock.now().getTime()).toBe(30 * 24 * 3600_000);
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^sb_member=[\w-]+;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    // Used once: not again.
    expect((await signIn(third)).status).toBe(401);

    // Ten minutes and the code is gone.
    const late = await codeFor(p.id, email);
    t.clock.advance(10 * 60_000 + 1);
    expect((await signIn(late)).status).toBe(401);

    // At most five codes an hour: the sixth request is answered alike but sends nothing.
    const before = t.mail.length;
    for (let i = 0; i < 3; i++) ok(await t.request("POST", `/v1/portal/${p.id}/codes`, { body: { email } }), 202);
    await t.app.services.portal.mailSettled();
    expect(t.mail.length - before).toBe(1);
    t.clock.advance(60 * 60_000);
    expect(await codeFor(p.id, email)).toMatch(/^\d{6}$/);
  });

  it("caps wrong codes across codes: past 15 wrong tries in a day, even a right code waits for the next day", async () => {
    const p = await program();
    const email = "kim@example.com";
    ok(await t.request("POST", `/v1/portal/${p.id}/members`, { body: { email, marketingConsent: false } }), 201);
    const signIn = (c: string) => t.request("POST", `/v1/portal/${p.id}/sessions`, { body: { email, code: c } });
    // A guesser asks for a new code whenever one runs out of tries (five codes an hour).
    for (let round = 0; round < 3; round++) {
      const code = await codeFor(p.id, email);
      const wrong = code === "000000" ? "000001" : "000000";
      for (let i = 0; i < 5; i++) expect((await signIn(wrong)).status).toBe(401);
      t.clock.advance(61 * 60_000);
    }
    const right = await codeFor(p.id, email);
    const refused = await signIn(right);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/not right, or it has expired/);
    // A day after those tries, codes work again.
    t.clock.advance(24 * 60 * 60_000);
    ok(await signIn(await codeFor(p.id, email)));
  });

  it("serves the member's own data behind the cookie, and every change needs the CSRF token", async () => {
    const p = await program({ pendingDays: 0 });
    ok(
      await p.call("PUT", "/v1/tiers", {
        policy: { metric: "points_earned", window: { type: "lifetime" }, periodMonths: 12, graceDays: 0 },
        tiers: [
          { name: "Green", threshold: 0 },
          { name: "Gold", threshold: 500 },
        ],
      }),
    );
    const reward = ok(
      await p.call("POST", "/v1/rewards", {
        name: "Free latte",
        type: "free_product",
        value: { sku: "LATTE" },
        costPoints: 100,
        stock: 5,
      }),
      201,
    );
    ok(await p.call("POST", "/v1/rewards", { name: "Mug", type: "free_product", value: { sku: "MUG" }, costPoints: 1000 }), 201);
    const m = await signedIn(p.id, "fay@example.com", { name: "Fay" });
    ok(await p.call("POST", `/v1/members/${m.memberId}/adjustments`, { points: 150, reason: "Welcome bonus" }), 201);
    ok(
      await p.call("POST", `/v1/members/${m.memberId}/adjustments`, {
        points: 30,
        reason: "Soon",
        availableAt: "2026-03-20T00:00:00Z",
      }),
      201,
    );
    const as = { cookie: m.cookie };

    const me = ok(await t.request("GET", "/v1/me", as));
    expect(me).toMatchObject({ id: m.memberId, name: "Fay", email: "fay@example.com" });
    expect(me.balance).toMatchObject({ available: 150, pending: 30 });
    expect(me.loyalty).toMatchObject({ available: 150, nextReward: { name: "Mug", pointsToGo: 850 } });
    expect(me.marketingConsent).toEqual({ granted: false, at: "2026-03-02T09:00:00.000Z" });

    const described = ok(await t.request("GET", "/v1/me/session", as));
    expect(described).toMatchObject({ programId: p.id, csrfToken: m.csrf, member: { id: m.memberId } });

    const ledger = ok(await t.request("GET", "/v1/me/ledger?limit=1", as));
    expect(ledger.data).toHaveLength(1);
    expect(Object.keys(ledger.data[0]).sort()).toEqual([
      "createdAt",
      "effectiveAt",
      "id",
      "netChange",
      "points",
      "reason",
      "type",
    ]);
    expect(ledger.nextCursor).toBeTruthy();
    const rest = ok(await t.request("GET", `/v1/me/ledger?cursor=${ledger.nextCursor}`, as));
    expect(rest.data.map((e: Json) => e.reason)).toEqual(["Welcome bonus"]);
    expect(rest.nextCursor).toBeNull();

    expect(ok(await t.request("GET", "/v1/me/tier", as))).toMatchObject({
      memberId: m.memberId,
      tier: { name: "Green" },
      nextTier: { name: "Gold", threshold: 500 },
    });
    const rewards = ok(await t.request("GET", "/v1/me/rewards", as));
    expect(rewards.data.map((r: Json) => [r.reward.name, r.redeemable])).toEqual(
      expect.arrayContaining([
        ["Free latte", true],
        ["Mug", false],
      ]),
    );
    expect(ok(await t.request("GET", "/v1/me/recommendations", as)).memberId).toBe(m.memberId);

    // Changes without the CSRF token are refused and change nothing.
    const noToken = await t.request("PATCH", "/v1/me", { ...as, body: { name: "Mallory" } });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error.code).toBe("forbidden");
    const wrongToken = await t.request("POST", "/v1/me/redemptions", { ...as, csrf: "guess", body: { rewardId: reward.id } });
    expect(wrongToken.status).toBe(403);
    expect(ok(await t.request("GET", "/v1/me", as)).name).toBe("Fay");

    // Consent: a change stamps the time; sending the same answer again keeps it.
    t.clock.advance(3600_000);
    const patched = ok(
      await t.request("PATCH", "/v1/me", {
        ...as,
        csrf: m.csrf,
        body: { name: "Fay Lee", phone: "555 987 6543", marketingConsent: true },
      }),
    );
    expect(patched).toMatchObject({
      name: "Fay Lee",
      phone: "+15559876543",
      marketingConsent: { granted: true, at: "2026-03-02T10:00:00.000Z" },
    });
    t.clock.advance(3600_000);
    const same = ok(await t.request("PATCH", "/v1/me", { ...as, csrf: m.csrf, body: { marketingConsent: true } }));
    expect(same.marketingConsent.at).toBe("2026-03-02T10:00:00.000Z");
    const withdrawn = ok(await t.request("PATCH", "/v1/me", { ...as, csrf: m.csrf, body: { marketingConsent: false } }));
    expect(withdrawn.marketingConsent).toEqual({ granted: false, at: "2026-03-02T11:00:00.000Z" });
    const bad = await t.request("PATCH", "/v1/me", { ...as, csrf: m.csrf, body: { birthDate: "yesterday" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe("birthDate");

    // Redeem: the voucher code comes back, the points go, and a retry with the same key replays.
    const redeemed = ok(
      await t.request("POST", "/v1/me/redemptions", {
        ...as,
        csrf: m.csrf,
        idempotencyKey: "latte-1",
        body: { rewardId: reward.id },
      }),
      201,
    );
    expect(redeemed).toMatchObject({ memberId: m.memberId, points: 100, channel: "portal", balance: { available: 50 } });
    expect(redeemed.vouchers[0].code).toMatch(/^[A-Z0-9-]{6,}$/);
    const replay = await t.request("POST", "/v1/me/redemptions", {
      ...as,
      csrf: m.csrf,
      idempotencyKey: "latte-1",
      body: { rewardId: reward.id },
    });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body.id).toBe(redeemed.id);
    const vouchers = ok(await t.request("GET", "/v1/me/vouchers", as));
    expect(vouchers.data.map((v: Json) => v.code)).toEqual([redeemed.vouchers[0].code]);
    const short = await t.request("POST", "/v1/me/redemptions", { ...as, csrf: m.csrf, body: { rewardId: reward.id } });
    expect(short.status).toBe(409);
    expect(short.body.error.code).toBe("insufficient_points");
    // The member's actions are recorded as theirs in the ledger.
    const entries = ok(await p.call("GET", `/v1/members/${m.memberId}/ledger`)).data;
    expect(entries[0].actor).toBe(`member:${m.memberId}`);
  });

  it("keeps idempotency keys per member: another member's key never replays their answer", async () => {
    const p = await program({ pendingDays: 0 });
    const reward = ok(
      await p.call("POST", "/v1/rewards", { name: "Tea", type: "free_product", value: { sku: "TEA" }, costPoints: 10 }),
      201,
    );
    const a = await signedIn(p.id, "kay@example.com");
    const b = await signedIn(p.id, "lou@example.com");
    for (const m of [a, b])
      ok(await p.call("POST", `/v1/members/${m.memberId}/adjustments`, { points: 10, reason: "Gift" }), 201);
    const first = ok(
      await t.request("POST", "/v1/me/redemptions", {
        cookie: a.cookie,
        csrf: a.csrf,
        idempotencyKey: "k",
        body: { rewardId: reward.id },
      }),
      201,
    );
    const second = await t.request("POST", "/v1/me/redemptions", {
      cookie: b.cookie,
      csrf: b.csrf,
      idempotencyKey: "k",
      body: { rewardId: reward.id },
    });
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBeNull();
    expect(second.body.memberId).toBe(b.memberId);
    expect(second.body.vouchers[0].code).not.toBe(first.vouchers[0].code);
  });

  it("lets a member reach only themselves: no member id, no other member, no other programme, no staff or key route", async () => {
    const a = await program();
    const b = await program();
    const ann = await signedIn(a.id, "ann@example.com");
    const other = ok(await a.call("POST", "/v1/members", { email: "other@example.com", name: "Other" }), 201);
    const sameEmailInB = await signedIn(b.id, "ann@example.com");
    expect(sameEmailInB.memberId).not.toBe(ann.memberId);

    // Every other /v1 route refuses a member session, whoever it names.
    for (const path of [
      `/v1/members/${other.id}`,
      `/v1/members/${ann.memberId}`,
      `/v1/members/${ann.memberId}/balance`,
      "/v1/programs/current",
      "/v1/rewards",
    ]) {
      const res = await t.request("GET", path, { cookie: ann.cookie });
      expect(res.status, path).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    const adjust = await t.request("POST", `/v1/members/${ann.memberId}/adjustments`, {
      cookie: ann.cookie,
      csrf: ann.csrf,
      body: { points: 1000, reason: "free points" },
    });
    expect(adjust.status).toBe(403);

    // No /v1/me route takes a member id.
    const patch = await t.request("PATCH", "/v1/me", { cookie: ann.cookie, csrf: ann.csrf, body: { id: other.id, name: "x" } });
    expect(patch.status).toBe(400);
    const redeem = await t.request("POST", "/v1/me/redemptions", {
      cookie: ann.cookie,
      csrf: ann.csrf,
      body: { rewardId: "rwd_x", memberId: other.id },
    });
    expect(redeem.status).toBe(400);
    expect(ok(await t.request("GET", `/v1/me?memberId=${other.id}`, { cookie: ann.cookie })).id).toBe(ann.memberId);
    expect((await t.request("GET", `/v1/me/${other.id}`, { cookie: ann.cookie })).status).toBe(404);

    // A session belongs to its programme: A's cookie reads A's member, never B's of the same email.
    const inA = ok(await t.request("GET", "/v1/me", { cookie: ann.cookie }));
    expect(inA.id).toBe(ann.memberId);
    expect(ok(await t.request("GET", "/v1/me/session", { cookie: ann.cookie })).programId).toBe(a.id);
    expect(ok(await t.request("GET", "/v1/me", { cookie: sameEmailInB.cookie })).id).toBe(sameEmailInB.memberId);
    // Signing in to B needs B's code: A's membership does not count there.
    const stranger = await t.request("POST", `/v1/portal/${b.id}/sessions`, {
      body: { email: "other@example.com", code: "123456" },
    });
    expect(stranger.status).toBe(401);

    // An API key or a staff session cannot use /v1/me.
    const withKey = await t.request("GET", "/v1/me", { key: a.key });
    expect(withKey.status).toBe(403);
    const withKeyAndCookie = await t.request("GET", "/v1/me", { key: a.key, cookie: ann.cookie });
    expect(withKeyAndCookie.status).toBe(403);
    ok(
      await t.request("POST", `/v1/programs/${a.id}/staff`, {
        key: TEST_ROOT_KEY,
        body: { email: "owner@example.com", role: "owner", password: "correct horse battery staple" },
      }),
      201,
    );
    const staff = await t.request("POST", "/auth/sign-in", {
      body: { programId: a.id, email: "owner@example.com", password: "correct horse battery staple" },
    });
    const staffCookie = (staff.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(staffCookie).toMatch(/^sb_session=/);
    const asStaff = await t.request("GET", "/v1/me", { cookie: staffCookie });
    expect(asStaff.status).toBe(401);
    // Without any session: 401; a made-up cookie: 401.
    expect((await t.request("GET", "/v1/me")).status).toBe(401);
    expect((await t.request("GET", "/v1/me", { cookie: "sb_member=made-up" })).status).toBe(401);

    // Blocking the member ends their session.
    ok(await b.call("PATCH", `/v1/members/${sameEmailInB.memberId}`, { status: "blocked" }));
    expect((await t.request("GET", "/v1/me", { cookie: sameEmailInB.cookie })).status).toBe(401);
    expect((await t.request("POST", `/v1/portal/${b.id}/codes`, { body: { email: "ann@example.com" } })).status).toBe(202);
  });

  it("shows members themselves without the business's own facts: no attributes, no external id", async () => {
    const p = await program();
    const m = await signedIn(p.id, "gus@example.com", { name: "Gus" });
    ok(
      await p.call("PATCH", `/v1/members/${m.memberId}`, {
        externalId: "crm-991",
        attributes: { segment: "lapsed", note: "VIP?" },
      }),
    );
    const seen = [
      m.session.member,
      ok(await t.request("GET", "/v1/me", { cookie: m.cookie })),
      ok(await t.request("GET", "/v1/me/session", { cookie: m.cookie })).member,
      ok(await t.request("PATCH", "/v1/me", { cookie: m.cookie, csrf: m.csrf, body: { name: "Gus G" } })),
    ];
    for (const member of seen) {
      expect(member).toMatchObject({ id: m.memberId, email: "gus@example.com" });
      expect(member).not.toHaveProperty("attributes");
      expect(member).not.toHaveProperty("externalId");
    }
    // The business still has them.
    expect(ok(await p.call("GET", `/v1/members/${m.memberId}`))).toMatchObject({ externalId: "crm-991", name: "Gus G" });
  });

  it("signs out: the CSRF token is needed, the cookie is cleared and the session ends on the server", async () => {
    const p = await program();
    const m = await signedIn(p.id, "gil@example.com");
    expect((await t.request("POST", "/v1/me/sign-out", { cookie: m.cookie, body: {} })).status).toBe(403);
    const out = await t.request("POST", "/v1/me/sign-out", { cookie: m.cookie, csrf: m.csrf, body: {} });
    expect(ok(out)).toEqual({ signedOut: true });
    expect(out.headers.get("set-cookie")).toMatch(/sb_member=;.*Max-Age=0/);
    expect((await t.request("GET", "/v1/me", { cookie: m.cookie })).status).toBe(401);
  });

  it("ends a member's sessions for good when staff block them or change their email, and voids their code", async () => {
    const p = await program();
    // Blocked: the session is refused, and unblocking does not bring it back (a new sign-in does).
    const m = await signedIn(p.id, "ivy@example.com");
    ok(await p.call("PATCH", `/v1/members/${m.memberId}`, { status: "blocked" }));
    expect((await t.request("GET", "/v1/me", { cookie: m.cookie })).status).toBe(401);
    ok(await p.call("PATCH", `/v1/members/${m.memberId}`, { status: "active" }));
    expect((await t.request("GET", "/v1/me", { cookie: m.cookie })).status).toBe(401);
    const code = await codeFor(p.id, "ivy@example.com");
    ok(await t.request("POST", `/v1/portal/${p.id}/sessions`, { body: { email: "ivy@example.com", code } }));

    // A new email: whoever read the old mailbox loses the session and the code sent there.
    const n = await signedIn(p.id, "jon@example.com");
    const pending = await codeFor(p.id, "jon@example.com");
    ok(await p.call("PATCH", `/v1/members/${n.memberId}`, { name: "Jon" }));
    ok(await t.request("GET", "/v1/me", { cookie: n.cookie }));
    ok(await p.call("PATCH", `/v1/members/${n.memberId}`, { email: "jon@example.org" }));
    expect((await t.request("GET", "/v1/me", { cookie: n.cookie })).status).toBe(401);
    const stale = await t.request("POST", `/v1/portal/${p.id}/sessions`, { body: { email: "jon@example.org", code: pending } });
    expect(stale.status).toBe(401);
  });

  it("ends a session after 30 days", async () => {
    const p = await program();
    const m = await signedIn(p.id, "hal@example.com");
    t.clock.advance(30 * 24 * 3600_000 - 1000);
    ok(await t.request("GET", "/v1/me", { cookie: m.cookie }));
    t.clock.advance(2000);
    expect((await t.request("GET", "/v1/me", { cookie: m.cookie })).status).toBe(401);
  });

  it("documents the portal routes in OpenAPI: public ones without security, /v1/me with the member cookie", async () => {
    const doc = ok(await t.request("GET", "/openapi.json"));
    for (const [path, method] of [
      ["/v1/portal/{programId}", "get"],
      ["/v1/portal/{programId}/members", "post"],
      ["/v1/portal/{programId}/codes", "post"],
      ["/v1/portal/{programId}/sessions", "post"],
    ] as const) {
      expect(doc.paths[path]?.[method]?.security, `${method} ${path}`).toEqual([]);
    }
    for (const [path, method] of [
      ["/v1/me", "get"],
      ["/v1/me", "patch"],
      ["/v1/me/ledger", "get"],
      ["/v1/me/tier", "get"],
      ["/v1/me/rewards", "get"],
      ["/v1/me/recommendations", "get"],
      ["/v1/me/redemptions", "post"],
      ["/v1/me/vouchers", "get"],
      ["/v1/me/sign-out", "post"],
    ] as const) {
      expect(doc.paths[path]?.[method]?.security, `${method} ${path}`).toEqual([{ memberSession: [] }]);
    }
    expect(doc.components.securitySchemes.memberSession).toMatchObject({ type: "apiKey", in: "cookie", name: "sb_member" });
    expect(doc.components.schemas.Member.properties.marketingConsent).toBeDefined();
  });
});

describe.each(engines())("member portal sign-in through a real SMTP server (%s)", (engine) => {
  it("sends the code through nodemailer and signs in with the code read from the received message", async () => {
    const smtp = await startSmtp();
    const t = await startPortalApp(engine, smtp.url);
    try {
      const created = await t.request("POST", "/v1/programs", {
        key: TEST_ROOT_KEY,
        body: { name: "Mail Cafe", currency: "EUR", timezone: "Europe/Paris" },
      });
      const programId: string = created.body.program.id;
      const enrol = await t.request("POST", `/v1/portal/${programId}/members`, {
        body: { email: "ida@example.com", marketingConsent: true },
      });
      expect(enrol.status).toBe(201);
      await t.app.services.portal.mailSettled();
      expect(smtp.received).toHaveLength(1);
      const message = smtp.received[0];
      expect(message?.to).toEqual(["ida@example.com"]);
      expect(message?.raw).toMatch(/^From: Stampbook <no-reply@localhost>/m);
      const code = message?.raw.match(/Your sign-in code: (\d{6})/)?.[1];
      expect(code).toMatch(/^\d{6}$/);
      expect(message?.raw).toMatch(new RegExp(`^Subject: ${code} is your Mail Cafe sign-in code`, "m"));
      const res = await t.request("POST", `/v1/portal/${programId}/sessions`, { body: { email: "ida@example.com", code } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const me = await t.request("GET", "/v1/me", { cookie: memberCookie(res) });
      expect(me.body.email).toBe("ida@example.com");
    } finally {
      await t.close();
      await smtp.close();
    }
  });
});
