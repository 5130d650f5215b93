import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { create } from "qrcode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupCardNumber, qrPath } from "../../web/portal/member-card.ts";
import {
  browserAvailable,
  checkPage,
  LAPTOP,
  launchBrowser,
  openPage,
  SCREENSHOTS,
  startWebServer,
  tabThrough,
  type WebProgram,
  type WebServer,
} from "../helpers/browser.ts";
import { startSmtp, type TestSmtp } from "../helpers/mail.ts";
import type { Json } from "../helpers/test-app.ts";

/**
 * The member portal in a real browser against a real server that mails through a real SMTP
 * server: a member joins from a friend's referral link with marketing consent, reads the code
 * from the received email, signs in, sees points (available, pending, expiring), tier progress and
 * history, redeems a reward for a voucher code, edits the profile and signs out, on a laptop and
 * on a phone. And a member's browser cannot fetch another member.
 */

const PHONE = { width: 390, height: 844 };

describe.runIf(browserAvailable())("member portal", () => {
  let browser: Browser;
  let web: WebServer;
  let smtp: TestSmtp;
  let program: WebProgram;
  let referrer: { id: string; referralCode: string };
  let latteId: string;

  const ok = async (res: Promise<{ status: number; body: unknown }>, what: string) => {
    const r = await res;
    if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as Json;
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    [web, browser] = await Promise.all([startWebServer({ SMTP_URL: smtp.url }), launchBrowser()]);
    program = await web.createProgram("Portal Coffee");
    const key = program.key;
    // Points are spendable at once (no pending period) and expire after 12 months.
    await ok(
      web.api("PATCH", "/v1/programs/current", { pendingDays: 0, pointsExpiry: { policy: "fixed_period", months: 12 } }, key),
      "settings",
    );
    await ok(
      web.api(
        "POST",
        "/v1/rules",
        {
          name: "Welcome",
          description: "50 points when you join",
          trigger: "signup",
          effect: { type: "fixed_points", points: 50 },
        },
        key,
      ),
      "signup rule",
    );
    await ok(
      web.api(
        "POST",
        "/v1/rules",
        {
          name: "Per dollar",
          description: "1 point for every $1 you spend",
          trigger: "purchase",
          effect: { type: "points_per_amount", points: 1, per: 100 },
        },
        key,
      ),
      "purchase rule",
    );
    await ok(
      web.api(
        "PUT",
        "/v1/tiers",
        {
          policy: { metric: "points_earned", window: { type: "lifetime" }, periodMonths: 12, graceDays: 0 },
          tiers: [
            { name: "Green", threshold: 0, benefits: ["Birthday treat"] },
            { name: "Gold", threshold: 500, benefits: ["Free refills"] },
          ],
        },
        key,
      ),
      "tiers",
    );
    const latte = await ok(
      web.api(
        "POST",
        "/v1/rewards",
        { name: "Free latte", description: "Any size", type: "free_product", value: { sku: "LATTE" }, costPoints: 100 },
        key,
      ),
      "latte",
    );
    latteId = latte.id;
    await ok(
      web.api("POST", "/v1/rewards", { name: "Travel mug", type: "free_product", value: { sku: "MUG" }, costPoints: 1000 }, key),
      "mug",
    );
    referrer = await ok(web.api("POST", "/v1/members", { email: "friend@example.com", name: "Friend" }, key), "referrer");
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await smtp?.close();
  });

  it.each([
    ["laptop", LAPTOP],
    ["phone", PHONE],
  ] as const)(
    "a member joins, signs in with the emailed code, sees points and tier, redeems, edits the profile (%s)",
    async (label, viewport) => {
      const email = `ada-${label}@example.com`;
      const shot = (page: string) => `portal-${label}-${page}`;
      // Phones are unique in a programme: each run its own.
      const digits = label === "phone" ? "5678" : "1234";
      const t = await openPage(browser, web.base, viewport);
      const { page } = t;

      // Landing page from a friend's referral link: the code is filled in.
      await page.goto(`/portal/${program.id}?ref=${referrer.referralCode}`);
      await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Portal Coffee");
      await expect.poll(() => page.getByLabel("Referral code (optional)").inputValue()).toBe(referrer.referralCode);
      expect(await page.getByText("1 point for every $1 you spend").isVisible()).toBe(true);
      expect(await page.getByText("Travel mug").isVisible()).toBe(true);
      await checkPage(t, shot("landing"));
      // By keyboard: skip link, header, then the join form's fields, each with visible focus.
      const reached = await tabThrough(page, 5);
      expect(reached.join(" ")).toMatch(/input/);

      // Join with consent.
      const mailed = smtp.received.length;
      await page.getByLabel("Email", { exact: true }).fill(email);
      await page.getByLabel("Name (optional)").fill("Ada");
      await page.getByLabel("Birthday (optional)").fill("1990-05-01");
      await page.getByLabel(/Send me news and offers/).check();
      await page.getByRole("button", { name: "Join" }).click();
      await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Sign in to Portal Coffee");
      await expect.poll(() => page.getByRole("status").first().textContent()).toContain(`We sent a sign-in code to ${email}`);
      await checkPage(t, shot("sign-in"));

      const [member] = (await ok(web.api("GET", `/v1/members?email=${email}`, undefined, program.key), "find")).data;
      expect(member).toMatchObject({ name: "Ada", birthDate: "1990-05-01", referredBy: referrer.id });
      expect(member.marketingConsent.granted).toBe(true);
      expect(Date.now() - new Date(member.marketingConsent.at).getTime()).toBeLessThan(60_000);
      // A purchase (120 points, spendable at once) and a bonus that is still pending.
      await ok(
        web.api("POST", "/v1/events", { id: `buy-${label}`, type: "purchase", member: { email }, amount: 12_000 }, program.key),
        "purchase",
      );
      await ok(
        web.api(
          "POST",
          `/v1/members/${member.id}/adjustments`,
          { points: 30, reason: "Coffee club bonus", availableAt: new Date(Date.now() + 7 * 86_400_000).toISOString() },
          program.key,
        ),
        "pending bonus",
      );

      // A wrong code is refused in words; the emailed one signs in.
      const code = await smtp.codeMailedTo(email, mailed);
      await page.getByLabel("Sign-in code").fill(code === "000000" ? "000001" : "000000");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect.poll(() => page.getByRole("alert").textContent()).toContain("That code is not right");
      await page.getByLabel("Sign-in code").fill(code);
      await page.getByRole("button", { name: "Sign in" }).click();

      // Dashboard: 50 welcome + 120 earned, 30 pending, expiry dates, tier progress, referral link.
      await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Hi, Ada");
      const points = page.getByRole("region", { name: "Your points" });
      await expect.poll(() => points.textContent()).toContain("170 pts");
      expect(await points.textContent()).toMatch(/Pending.*30 pts/);
      expect(await points.textContent()).toMatch(/Expiring on \w+/);
      expect(await points.textContent()).toContain("Travel mug");
      const tier = await ok(web.api("GET", `/v1/members/${member.id}/tier`, undefined, program.key), "tier");
      const progress = page.getByRole("progressbar", { name: "Progress to Gold" });
      await expect.poll(() => progress.getAttribute("aria-valuenow")).toBe(String(tier.progress.percentToNext));
      expect(await page.getByTestId("tier-next").textContent()).toBe(
        `${tier.amountToNext} more points to earn to reach Gold (${tier.progress.percentToNext}% of the way)`,
      );
      expect(await page.getByLabel("Your referral link").inputValue()).toBe(
        `${web.base}/portal/${program.id}?ref=${member.referralCode}`,
      );
      await page.getByRole("button", { name: "Copy link" }).click();
      await expect
        .poll(() => page.getByRole("region", { name: "Invite a friend" }).getByRole("status").textContent())
        .not.toBe("");
      await expect.poll(() => page.getByRole("region", { name: "Recent activity" }).textContent()).toContain("Coffee club bonus");
      // In the member's words: no internal ids of events or redemptions.
      expect(await page.getByRole("region", { name: "Recent activity" }).textContent()).not.toMatch(/\b(buy-|mem_|red_)/);
      await checkPage(t, shot("dashboard"));

      // The digital member card: the card number as a QR code (the qrcode library's matrix for
      // exactly that number) and in groups of four digits, for the till's scanner or a cashier.
      const card = page.getByRole("region", { name: "Your member card" });
      expect(member.cardNumber).toMatch(/^\d{12}$/);
      expect(await card.getByTestId("card-number").textContent()).toBe(groupCardNumber(member.cardNumber));
      const { modules } = create(member.cardNumber, { errorCorrectionLevel: "M" });
      const drawn = await card.locator("svg path").getAttribute("d");
      expect(drawn).toBe(qrPath(modules.size, (r, c) => modules.data[r * modules.size + c] === 1));
      await mkdir(SCREENSHOTS, { recursive: true });
      await card.screenshot({ path: join(SCREENSHOTS, `${shot("card")}.png`) });

      // The member's browser reaches only /v1/me: another member, or their own id, is refused.
      const probe = await page.evaluate(
        async (ids) =>
          Promise.all(
            [`/v1/members/${ids.other}`, `/v1/members/${ids.own}`, `/v1/members/${ids.other}/balance`].map(async (path) => {
              const res = await fetch(path);
              return { path, status: res.status, code: ((await res.json()) as { error?: { code?: string } }).error?.code };
            }),
          ),
        { other: referrer.id, own: member.id },
      );
      for (const answer of probe) expect(answer, answer.path).toMatchObject({ status: 403, code: "forbidden" });

      const nav = page.getByRole("navigation", { name: "Your account" });
      // Rewards: the latte now, the mug nearly; redeem the latte (confirmed) and get its code.
      await nav.getByRole("link", { name: "Rewards" }).click();
      await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Rewards");
      await expect.poll(() => page.getByRole("region", { name: "Nearly there" }).textContent()).toContain("830 pts to go");
      await checkPage(t, shot("rewards"));
      await page.getByRole("button", { name: "Redeem Free latte" }).click();
      await page.getByRole("button", { name: "Yes, redeem for 100 pts" }).click();
      await expect.poll(() => page.getByRole("status").filter({ hasText: "Free latte is yours" }).count()).toBe(1);
      const vouchers = await ok(web.api("GET", `/v1/members/${member.id}/vouchers`, undefined, program.key), "vouchers");
      const voucherCode: string = vouchers.data[0].code;
      expect(vouchers.data[0].reward.id).toBe(latteId);
      expect(await page.getByRole("status").filter({ hasText: "Free latte is yours" }).textContent()).toContain(voucherCode);
      await expect.poll(() => page.getByRole("region", { name: "Your vouchers" }).textContent()).toContain(voucherCode);
      // The code is read out at the till: on one line, even on a phone (it once broke at a dash).
      const codeLines = await page
        .getByRole("region", { name: "Your vouchers" })
        .getByText(voucherCode, { exact: true })
        .evaluate((el) => {
          const range = document.createRange();
          range.selectNodeContents(el);
          return new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top))).size;
        });
      expect(codeLines, "lines the voucher code takes").toBe(1);
      expect(await page.getByText("You have 70 pts to spend").isVisible()).toBe(true);
      await checkPage(t, shot("rewards-redeemed"));

      // History, a page at a time.
      await nav.getByRole("link", { name: "History" }).click();
      await expect.poll(() => page.getByRole("region", { name: "Points history" }).textContent()).toContain("Spent");
      const history = await page.getByRole("region", { name: "Points history" }).textContent();
      expect(history).toContain("Redeemed 1 × Free latte");
      expect(history).not.toMatch(/\b(buy-|mem_|red_)/);
      await checkPage(t, shot("history"));

      // Profile: change the name and phone, withdraw consent.
      await nav.getByRole("link", { name: "Profile" }).click();
      await expect.poll(() => page.getByLabel("Name").inputValue()).toBe("Ada");
      await page.getByLabel("Phone").fill("not a phone");
      await page.getByRole("button", { name: "Save" }).click();
      await expect
        .poll(() => page.getByRole("alert").first().textContent())
        .toBe("Phone “not a phone” is not a possible phone number in US: enter it with its area code");
      await page.getByLabel("Phone").fill("12");
      await page.getByRole("button", { name: "Save" }).click();
      await expect.poll(() => page.getByRole("alert").first().textContent()).toBe("Enter a phone number with its area code");
      await page.getByLabel("Name").fill("Ada Lovelace");
      await page.getByLabel("Phone").fill(`(555) 010-${digits}`);
      await page.getByLabel(/Send me news and offers/).uncheck();
      await page.getByRole("button", { name: "Save" }).click();
      await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved." }).count()).toBe(1);
      expect(await page.getByText(/You said no on/).isVisible()).toBe(true);
      const edited = await ok(web.api("GET", `/v1/members/${member.id}`, undefined, program.key), "member");
      expect(edited).toMatchObject({ name: "Ada Lovelace", phone: `+1555010${digits}`, marketingConsent: { granted: false } });
      await checkPage(t, shot("profile"));

      // Sign out: back to the landing page, and /v1/me is closed to this browser.
      await page.getByRole("button", { name: "Sign out" }).first().click();
      await expect.poll(() => page.getByRole("heading", { name: "Join" }).count()).toBe(1);
      expect(await page.evaluate(async () => (await fetch("/v1/me")).status)).toBe(401);
      await t.close();
    },
  );

  it("the landing page shows spend thresholds as money", async () => {
    const shop = await web.createProgram("Spend Coffee");
    await ok(
      web.api(
        "PUT",
        "/v1/tiers",
        {
          policy: { metric: "spend", window: { type: "lifetime" }, periodMonths: 12, graceDays: 0 },
          tiers: [
            { name: "Green", threshold: 0, benefits: [] },
            { name: "Gold", threshold: 10_000, benefits: ["Free refills"] },
          ],
        },
        shop.key,
      ),
      "tiers",
    );
    const t = await openPage(browser, web.base, PHONE);
    await t.page.goto(`/portal/${shop.id}`);
    const tiers = t.page.getByRole("region", { name: "Tiers" });
    // The API counts spend in cents: 10000 is $100.00, not "10,000 spent".
    await expect.poll(() => tiers.textContent()).toContain("Gold — from $100.00 spent");
    await checkPage(t, "portal-phone-landing-spend-tiers");
    await t.close();
  });

  it("shows what is needed to reach and to keep a spend tier in money, and one history line per expiry day", async () => {
    const shop = await web.createProgram("Tier Coffee");
    const key = shop.key;
    const ladder = await ok(
      web.api(
        "PUT",
        "/v1/tiers",
        {
          policy: { metric: "spend", window: { type: "lifetime" }, periodMonths: 12, graceDays: 0 },
          tiers: [
            { name: "Green", threshold: 0 },
            { name: "Silver", threshold: 10_000, benefits: ["Free refills"] },
            { name: "Gold", threshold: 50_000 },
          ],
        },
        key,
      ),
      "tiers",
    );
    const email = "tess@example.com";
    const tess = await ok(web.api("POST", "/v1/members", { email, name: "Tess" }, key), "member");
    await ok(
      web.api("POST", "/v1/events", { id: "tess-1", type: "purchase", memberId: tess.id, amount: 3_000 }, key),
      "purchase",
    );
    await ok(
      web.api("POST", `/v1/members/${tess.id}/tier`, { tierId: ladder.tiers[1].id, reason: "Opening offer" }, key),
      "assign",
    );
    // Three lots that expire at the same moment: the ledger books three expiries, the member reads one.
    const expiresAt = new Date(Date.now() + 3_000).toISOString();
    for (const points of [10, 20, 30]) {
      await ok(web.api("POST", `/v1/members/${tess.id}/adjustments`, { points, reason: "Trial points", expiresAt }, key), "lot");
    }
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    await ok(web.api("POST", "/v1/jobs/run", {}, key), "jobs");
    const ledger = await ok(web.api("GET", `/v1/members/${tess.id}/ledger?limit=50`, undefined, key), "ledger");
    expect(ledger.data.filter((e: Json) => e.type === "expiry")).toHaveLength(3);
    const status = await ok(web.api("GET", `/v1/members/${tess.id}/tier`, undefined, key), "status");
    expect({ next: status.amountToNext, keep: status.amountToKeep }).toEqual({ next: 47_000, keep: 7_000 });

    const t = await openPage(browser, web.base, PHONE);
    const { page } = t;
    await page.goto(`/portal/${shop.id}/sign-in`);
    const mailed = smtp.received.length;
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByRole("button", { name: "Email me a code" }).click();
    await page.getByLabel("Sign-in code").fill(await smtp.codeMailedTo(email, mailed));
    await page.getByLabel("Sign-in code").press("Enter");
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Hi, Tess");
    await expect
      .poll(() => page.getByTestId("tier-next").textContent())
      .toBe(`$470.00 more to spend to reach Gold (${status.progress.percentToNext}% of the way)`);
    expect(await page.getByTestId("tier-keep").textContent()).toMatch(/^To keep Silver: \$70\.00 more to spend by \w.+\.$/);
    await checkPage(t, "portal-phone-tier-money");

    await page.getByRole("navigation", { name: "Your account" }).getByRole("link", { name: "History" }).click();
    const history = page.getByRole("region", { name: "Points history" });
    await expect.poll(() => history.textContent()).toContain("Expired");
    const expiredLines = history.locator("li").filter({ hasText: "Expired" });
    expect(await expiredLines.count()).toBe(1);
    expect(await expiredLines.first().textContent()).toContain("−60 pts");
    await checkPage(t, "portal-phone-history-expiry-day");
    await t.close();
  });

  it("a returning member asks for a code by email and lands on their dashboard", async () => {
    const email = "returning@example.com";
    await ok(web.api("POST", "/v1/members", { email, name: "Rita" }, program.key), "member");
    const t = await openPage(browser, web.base, PHONE);
    const { page } = t;
    await page.goto(`/portal/${program.id}/sign-in`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Sign in to Portal Coffee");
    await checkPage(t, "portal-phone-sign-in-email");
    const mailed = smtp.received.length;
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByRole("button", { name: "Email me a code" }).click();
    await page.getByLabel("Sign-in code").fill(await smtp.codeMailedTo(email, mailed));
    await page.getByLabel("Sign-in code").press("Enter");
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Hi, Rita");
    // Reloading keeps the session (the cookie), and the landing page sends a signed-in member home.
    await page.goto(`/portal/${program.id}`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Hi, Rita");

    // Two vouchers valid for 30 days, one used at the till: only the one ready to use says until when.
    const rita = (await ok(web.api("GET", `/v1/members?email=${email}`, undefined, program.key), "find")).data[0];
    const scone = await ok(
      web.api(
        "POST",
        "/v1/rewards",
        { name: "Free scone", type: "free_product", value: { sku: "SCONE" }, costPoints: 10, voucherValidDays: 30 },
        program.key,
      ),
      "scone",
    );
    await ok(web.api("POST", `/v1/members/${rita.id}/adjustments`, { points: 20, reason: "Scones" }, program.key), "points");
    const codes: string[] = [];
    for (const _ of [1, 2]) {
      const redeemed = await ok(
        web.api("POST", `/v1/members/${rita.id}/redemptions`, { rewardId: scone.id, quantity: 1, channel: "pos" }, program.key),
        "redeem",
      );
      codes.push(redeemed.vouchers[0].code);
    }
    await ok(web.api("POST", `/v1/vouchers/${codes[0]}/redeem`, {}, program.key), "use");
    await page.getByRole("navigation", { name: "Your account" }).getByRole("link", { name: "Rewards" }).click();
    const row = (code: string) =>
      page.getByRole("region", { name: "Your vouchers" }).getByRole("listitem").filter({ hasText: code });
    await expect.poll(() => row(codes[0] ?? "").textContent()).toContain("Used");
    expect(await row(codes[0] ?? "").textContent()).not.toContain("until");
    expect(await row(codes[1] ?? "").textContent()).toMatch(/Ready to use.*until/);
    await t.close();
  });
});
