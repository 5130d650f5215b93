import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { ManualClock } from "../../src/shared/clock.ts";
import type { MailMessage } from "../../src/shared/mailer.ts";
import {
  type EngineName,
  engines,
  type HttpResult,
  type Json,
  openTestDatabase,
  type RequestOptions,
  requestApp,
  TEST_ROOT_KEY,
} from "../helpers/test-app.ts";

/*
 * First run in the browser: the one-time setup link printed at start (once, expiring, closed by
 * its first use), programmes created with the operator key, the checklist a new programme opens
 * on (ticked from data), and the programme's links. Setup is database-wide, so each app here has
 * a database of its own.
 */

const START = "2026-05-04T09:00:00Z";
const PASSWORD = "correct horse battery staple";

interface Harness {
  app: App;
  clock: ManualClock;
  mail: MailMessage[];
  request(method: string, path: string, options?: RequestOptions): Promise<HttpResult>;
  close(): Promise<void>;
}

async function start(engine: EngineName, publicUrl?: string): Promise<Harness> {
  const clock = new ManualClock(START);
  const mail: MailMessage[] = [];
  const config = loadConfig({}, { rootKey: TEST_ROOT_KEY, logLevel: "silent", ...(publicUrl && { publicUrl }) });
  const app = await createApp(config, {
    database: await openTestDatabase(engine, 4, { own: true }),
    clock,
    log: pino({ level: "silent" }),
    mailer: { send: async (m) => void mail.push(m) },
  });
  return { app, clock, mail, request: (m, p, o) => requestApp(app, m, p, o), close: () => app.close() };
}

const setupBody = (credential: Record<string, string>, name = "Corner Coffee", email = "olive@example.com") => ({
  ...credential,
  program: { name, currency: "usd", timezone: "Europe/Paris", country: "FR", pointValue: 1 },
  owner: { email, name: "Olive Owner", password: PASSWORD },
});

const count = async (h: Harness, table: "programs" | "staff" | "audit_log") =>
  Number(
    (
      await h.app.services.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe.each(engines())("first-run setup (%s)", (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await start(engine);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("prints a link at first start, works once, signs the owner in, and then refuses the link with a clear reason", async () => {
    const issued = await h.app.services.setup.issueAtStart();
    expect(issued).not.toBeNull();
    const token = issued?.token ?? "";
    expect(h.app.services.setup.setupLink("http://localhost:3000", token)).toBe(
      `http://localhost:3000/admin/setup#token=${token}`,
    );
    expect(issued?.expiresAt.toISOString()).toBe("2026-05-05T09:00:00.000Z");
    // Only the token's hash is stored.
    const rows = await h.app.services.database.db.selectFrom("setup_tokens").selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);

    // A wrong token: 401, nothing written.
    const wrong = await h.request("POST", "/auth/setup", { body: setupBody({ setupToken: `${token}x` }) });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({ code: "unauthorized", details: { reason: "unknown" } });
    expect(wrong.body.error.message).toMatch(/setup link is not valid/);
    expect((await h.request("POST", "/auth/setup/check", { body: { setupToken: "nope" } })).status).toBe(401);
    // Neither or both credentials: 400 naming the field.
    const neither = await h.request("POST", "/auth/setup/check", { body: {} });
    expect(neither.status).toBe(400);
    expect(neither.body.error.details.issues[0].path).toBe("setupToken");

    const check = await h.request("POST", "/auth/setup/check", { body: { setupToken: token } });
    expect(check.status, JSON.stringify(check.body)).toBe(200);
    expect(check.body).toEqual({ via: "setup_link", expiresAt: "2026-05-05T09:00:00.000Z" });

    // Bad input: a clear error, and the link still works afterwards.
    const short = await h.request("POST", "/auth/setup", {
      body: { ...setupBody({ setupToken: token }), owner: { email: "olive@example.com", password: "short" } },
    });
    expect(short.status).toBe(400);
    expect(short.body.error.details.issues[0]).toMatchObject({ path: "owner.password" });
    expect(await count(h, "programs")).toBe(0);

    const done = await h.request("POST", "/auth/setup", { body: setupBody({ setupToken: token }) });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body.program).toMatchObject({ name: "Corner Coffee", currency: "USD", timezone: "Europe/Paris" });
    expect(done.body.owner).toMatchObject({ role: "owner", email: "olive@example.com", programId: done.body.program.id });
    expect(done.body.session.csrfToken).toEqual(expect.any(String));
    const cookie = done.headers.get("set-cookie")?.match(/sb_session=[^;]+/)?.[0] ?? "";
    expect(done.headers.get("set-cookie")).toMatch(/HttpOnly/);
    // Signed in: the console's own calls work with the cookie.
    const current = await h.request("GET", "/v1/programs/current", { cookie });
    expect(current.body).toMatchObject({ id: done.body.program.id, name: "Corner Coffee" });
    const audit = await h.request("GET", "/v1/audit", { cookie });
    expect(audit.body.data[0]).toMatchObject({ action: "POST /auth/setup" });
    expect(JSON.stringify(audit.body)).not.toContain(PASSWORD);

    // Used: 403 with the reason, nothing more written, and no new link at the next start.
    const again = await h.request("POST", "/auth/setup", {
      body: setupBody({ setupToken: token }, "Second shop", "x@example.com"),
    });
    expect(again.status).toBe(403);
    expect(again.body.error).toMatchObject({ code: "forbidden", details: { reason: "used", field: "setupToken" } });
    expect(again.body.error.message).toMatch(/already used/);
    expect((await h.request("POST", "/auth/setup/check", { body: { setupToken: token } })).status).toBe(403);
    expect(await count(h, "programs")).toBe(1);
    expect(await h.app.services.setup.issueAtStart()).toBeNull();
  });

  it("creates further programmes with the operator key only, and refuses other keys", async () => {
    const check = await h.request("POST", "/auth/setup/check", { body: { operatorKey: TEST_ROOT_KEY } });
    expect(check.body).toEqual({ via: "operator_key", expiresAt: null });
    const created = await h.request("POST", "/auth/setup", {
      body: setupBody({ operatorKey: TEST_ROOT_KEY }, "Second shop", "sam@example.com"),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.owner.role).toBe("owner");

    const wrong = await h.request("POST", "/auth/setup", { body: setupBody({ operatorKey: "not-the-operator-key" }, "Third") });
    expect(wrong.status).toBe(401);
    // A programme's own admin key cannot make programmes.
    const viaApi = await h.request("POST", "/v1/programs", {
      key: TEST_ROOT_KEY,
      body: { name: "Third", currency: "USD", timezone: "UTC" },
    });
    const adminKey = viaApi.body.apiKey.secret as string;
    const refused = await h.request("POST", "/auth/setup", { body: setupBody({ operatorKey: adminKey }, "Fourth") });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/needs the operator key/);
    expect(await count(h, "programs")).toBe(3);
  });
});

describe.each(engines())("setup links expire and are used once under concurrency (%s)", (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await start(engine);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("refuses an expired link, and of two uses at once exactly one creates a programme", async () => {
    const first = await h.app.services.setup.issueAtStart();
    h.clock.advance(24 * 60 * 60_000);
    const expired = await h.request("POST", "/auth/setup", { body: setupBody({ setupToken: first?.token ?? "" }) });
    expect(expired.status).toBe(403);
    expect(expired.body.error).toMatchObject({ details: { reason: "expired" } });
    expect(expired.body.error.message).toMatch(/expired.*restart the server/);

    // A restart while setup is open prints a fresh link.
    const second = await h.app.services.setup.issueAtStart();
    expect(second).not.toBeNull();
    const body = (name: string, email: string) => setupBody({ setupToken: second?.token ?? "" }, name, email);
    const both = await Promise.all([
      h.request("POST", "/auth/setup", { body: body("A", "a@example.com") }),
      h.request("POST", "/auth/setup", { body: body("B", "b@example.com") }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 403]);
    expect(await count(h, "programs")).toBe(1);
    expect(await count(h, "staff")).toBe(1);
  });
});

describe.each(engines())("new-programme checklist and links (%s)", (engine) => {
  let h: Harness;
  let programId: string;
  let cookie: string;
  let csrf: string;
  beforeAll(async () => {
    h = await start(engine, "https://loyalty.example.com");
    const created = await h.request("POST", "/auth/setup", { body: setupBody({ operatorKey: TEST_ROOT_KEY }) });
    programId = created.body.program.id;
    cookie = created.headers.get("set-cookie")?.match(/sb_session=[^;]+/)?.[0] ?? "";
    csrf = created.body.session.csrfToken;
  });
  afterAll(async () => {
    await h?.close();
  });

  const asOwner = (method: string, path: string, body?: unknown) =>
    h.request(method, path, { cookie, csrf, ...(body !== undefined && { body }) });
  const done = async () => {
    const res = await asOwner("GET", "/v1/programs/current/checklist");
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return Object.fromEntries((res.body.items as { id: string; done: boolean }[]).map((i) => [i.id, i.done]));
  };

  it("starts empty and ticks each step from the programme's data", async () => {
    expect(await done()).toEqual({
      earn_rule: false,
      reward: false,
      tiers: false,
      staff: false,
      portal_link: false,
      till_link: false,
    });
    const dismissEarly = await asOwner("POST", "/v1/programs/current/checklist/dismiss", {});
    expect(dismissEarly.status).toBe(409);
    expect(dismissEarly.body.error.details.todo).toHaveLength(6);

    expect(
      (
        await asOwner("POST", "/v1/rules", {
          name: "1 point per $1",
          trigger: "purchase",
          effect: { type: "points_per_amount", points: 1, per: 100 },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await asOwner("POST", "/v1/rewards", {
          name: "Free coffee",
          type: "discount_amount",
          value: { amount: 350 },
          costPoints: 100,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await asOwner("PUT", "/v1/tiers", {
          policy: { metric: "spend", window: { type: "lifetime" }, periodMonths: 12, graceDays: 0 },
          tiers: [{ name: "Regular", threshold: 0 }],
        })
      ).status,
    ).toBe(200);
    expect((await asOwner("POST", "/v1/staff", { email: "cal@example.com", role: "cashier", password: PASSWORD })).status).toBe(
      201,
    );
    expect(await done()).toMatchObject({
      earn_rule: true,
      reward: true,
      tiers: true,
      staff: true,
      portal_link: false,
      till_link: false,
    });

    // The portal link counts as shared once a member signs in to the portal.
    const email = "mia@example.com";
    expect(
      (await h.request("POST", `/v1/portal/${programId}/members`, { body: { email, marketingConsent: false } })).status,
    ).toBe(201);
    await h.app.services.portal.mailSettled();
    const code = h.mail.at(-1)?.text.match(/(\d{6})/)?.[1];
    expect((await h.request("POST", `/v1/portal/${programId}/sessions`, { body: { email, code } })).status).toBe(200);
    expect((await done()).portal_link).toBe(true);

    // The till marks itself when a cashier opens it (the cashier's session has the pos scope).
    const till = await h.request("POST", "/auth/sign-in", { body: { programId, email: "cal@example.com", password: PASSWORD } });
    const tillCookie = till.headers.get("set-cookie")?.match(/sb_session=[^;]+/)?.[0] ?? "";
    const opened = await h.request("POST", "/v1/programs/current/checklist/marks", {
      cookie: tillCookie,
      csrf: till.body.csrfToken,
      body: { item: "till_opened" },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);
    expect(opened.body.complete).toBe(true);
    // A cashier cannot read or dismiss the checklist.
    expect((await h.request("GET", "/v1/programs/current/checklist", { cookie: tillCookie })).status).toBe(403);

    const dismissed = await asOwner("POST", "/v1/programs/current/checklist/dismiss", {});
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toMatchObject({ complete: true, dismissed: true });
    expect((await asOwner("GET", "/v1/programs/current/checklist")).body.dismissed).toBe(true);
  });

  it("the portal link counts as shared when the owner copies or prints it", async () => {
    const other = await h.request("POST", "/auth/setup", {
      body: setupBody({ operatorKey: TEST_ROOT_KEY }, "Other", "other@example.com"),
    });
    const c = other.headers.get("set-cookie")?.match(/sb_session=[^;]+/)?.[0] ?? "";
    const marked = await h.request("POST", "/v1/programs/current/checklist/marks", {
      cookie: c,
      csrf: other.body.session.csrfToken,
      body: { item: "portal_link_shared" },
    });
    expect(marked.status).toBe(200);
    expect(marked.body.items.find((i: Json) => i.id === "portal_link").done).toBe(true);
    expect(marked.body.items.find((i: Json) => i.id === "earn_rule").done).toBe(false);
  });

  it("gives the programme id and its links on the configured public URL", async () => {
    const links = await asOwner("GET", "/v1/programs/current/links");
    expect(links.body).toEqual({
      programId,
      consoleUrl: `https://loyalty.example.com/admin?program=${programId}`,
      portalUrl: `https://loyalty.example.com/portal/${programId}`,
      tillUrl: `https://loyalty.example.com/pos?program=${programId}`,
    });
  });
});

describe("links without a configured public URL", () => {
  it("are built on the origin the request came to", async () => {
    const h = await start("pglite");
    try {
      const created = await h.request("POST", "/auth/setup", { body: setupBody({ operatorKey: TEST_ROOT_KEY }) });
      const cookie = created.headers.get("set-cookie")?.match(/sb_session=[^;]+/)?.[0] ?? "";
      const res = await requestApp(h.app, "GET", "http://shop.example:8080/v1/programs/current/links", { cookie });
      expect(res.body.portalUrl).toBe(`http://shop.example:8080/portal/${created.body.program.id}`);
    } finally {
      await h.close();
    }
  });
});

describe("favicon", () => {
  it("is served for every app, as an icon", async () => {
    const h = await start("pglite");
    try {
      const ico = await h.app.http.request("/favicon.ico");
      expect(ico.status).toBe(200);
      expect(ico.headers.get("content-type")).toMatch(/^image\//);
      const bytes = new Uint8Array(await ico.arrayBuffer());
      expect([...bytes.slice(0, 4)]).toEqual([0, 0, 1, 0]);
      const svg = await h.app.http.request("/favicon.svg");
      expect(svg.headers.get("content-type")).toBe("image/svg+xml");
    } finally {
      await h.close();
    }
  });
});
