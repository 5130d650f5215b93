import type { Browser, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  browserAvailable,
  checkPage,
  LAPTOP,
  launchBrowser,
  openPage,
  signIn,
  startWebServer,
  TABLET,
  type TestPage,
  tabThrough,
  type WebProgram,
  type WebServer,
} from "../helpers/browser.ts";

/** The accessible label of the focused element (its <label>, else aria-label, else its text). */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLInputElement | null;
    if (!el || el === document.body) return "";
    return (el.labels?.[0]?.textContent ?? el.getAttribute("aria-label") ?? el.textContent ?? "").trim();
  });

const text = (page: Page) => page.locator("main").textContent();

/** Waits for the page to get there (automatic retries back off for about a second). */
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000 });

describe.runIf(browserAvailable())("point of sale", () => {
  let browser: Browser;
  let web: WebServer;

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  const ok = async (method: string, path: string, body: unknown, key: string) => {
    const res = await web.api(method, path, body, key);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  /** A programme with 1 point per dollar (available at once), a 20-point reward and a member with a phone. */
  async function setUp(name: string) {
    const program = await web.createProgram(name);
    await ok("PATCH", "/v1/programs/current", { pendingDays: 0 }, program.key);
    await ok(
      "POST",
      "/v1/rules",
      { name: "1 point per dollar", trigger: "purchase", effect: { type: "points_per_amount", points: 1, per: 100 } },
      program.key,
    );
    const reward = await ok(
      "POST",
      "/v1/rewards",
      { name: "Free latte", type: "free_product", value: { sku: "LATTE" }, costPoints: 20 },
      program.key,
    );
    const member = await ok(
      "POST",
      "/v1/members",
      { name: "Ada Lovelace", phone: "+12025550143", email: `ada-${program.id.slice(-6)}@example.com` },
      program.key,
    );
    return { program, reward, memberId: member.id as string };
  }

  const balance = async (program: WebProgram, memberId: string) =>
    (await ok("GET", `/v1/members/${memberId}/balance`, undefined, program.key)) as { available: number };

  async function openPos(program: WebProgram, viewport = LAPTOP): Promise<TestPage> {
    const t = await openPage(browser, web.base, viewport);
    await t.page.goto(`/pos?program=${program.id}`);
    await signIn(t.page, program.cashier, program.id);
    await poll(() => focused(t.page)).toBe("Phone, card or email");
    return t;
  }

  /** Types a lookup and opens the one member it finds; focus lands on the purchase amount. */
  async function lookUp(page: Page, query: string) {
    await page.keyboard.press("Escape");
    await page.keyboard.type(query);
    await page.keyboard.press("Enter");
    await poll(() => focused(page)).toBe("Amount (USD)");
  }

  it.each([
    ["laptop", LAPTOP, ""],
    ["tablet", TABLET, "-tablet"],
  ])(
    "a cashier looks a member up by phone, records a purchase, redeems a reward and applies the voucher, by keyboard (%s)",
    async (_name, viewport, suffix) => {
      const { program, memberId } = await setUp(`Till Coffee ${suffix || "laptop"}`);
      const t = await openPos(program, viewport);
      const { page } = t;
      expect(await text(page)).toContain("Alt+P");
      await checkPage(t, `pos-lookup${suffix}`);

      // The phone typed another way than it is stored (+12025550143).
      await page.keyboard.type("(202) 555-0143");
      await page.keyboard.press("Enter");
      await poll(() => focused(page)).toBe("Amount (USD)");
      const panel = page.getByRole("region", { name: "Ada Lovelace" });
      await poll(() => panel.textContent()).toContain("Available");
      await poll(() => panel.textContent()).toContain("Free latte in 20 pts");
      // A programme without tiers: no tier, no benefits, and no error about it.
      expect(await panel.textContent()).toContain("No tier");
      expect(await panel.getByRole("alert").count()).toBe(0);
      await checkPage(t, `pos-member${suffix}`);
      // Tab order from the amount: record, add an item, then the voucher field and its button (no reward affordable yet).
      expect(await tabThrough(page, 4)).toEqual(["button:Record purchase", "button:Add item", "input:", "button:Check"]);

      // Escape goes back to the lookup; Alt+P to the amount; Enter records.
      await page.keyboard.press("Escape");
      expect(await focused(page)).toBe("Phone, card or email");
      await page.keyboard.press("Alt+KeyP");
      expect(await focused(page)).toBe("Amount (USD)");
      await page.keyboard.type("23.45");
      await page.keyboard.press("Enter");
      await poll(() => text(page)).toContain("+23 points");
      expect(await text(page)).toContain("1 point per $1.00 on $23.45 (floor): 23 points");
      await poll(() => page.getByTestId("available").textContent()).toBe("23 pts");
      // The rewards list is re-read too (it arrives a moment after the balance): no "points missing"
      // beside 23 available in the screenshot.
      await poll(() => page.getByRole("button", { name: "Redeem Free latte" }).count()).toBe(1);
      expect(await page.getByRole("region", { name: /Rewards/ }).textContent()).not.toContain("missing");
      await checkPage(t, `pos-purchase${suffix}`);

      // Alt+R: the first reward that can be redeemed; Enter asks to confirm (as the portal does),
      // Enter again redeems it and shows the voucher code.
      await page.keyboard.press("Alt+KeyR");
      expect(await focused(page)).toBe("Redeem Free latte");
      await page.keyboard.press("Enter");
      await poll(() => focused(page)).toBe("Yes, redeem for 20 pts");
      expect(await page.getByRole("group", { name: "Confirm redeeming Free latte" }).textContent()).toContain(
        "Spend 20 pts of Ada Lovelace's points on Free latte?",
      );
      expect((await balance(program, memberId)).available).toBe(23);
      await checkPage(t, `pos-redeem-confirm${suffix}`);
      await page.keyboard.press("Enter");
      const code = page.locator(".pos-voucher-result .pos-code");
      await poll(() => code.count()).toBe(1);
      const voucher = (await code.textContent())?.trim() ?? "";
      expect(voucher.length).toBeGreaterThanOrEqual(10);
      await poll(() => page.getByTestId("available").textContent()).toBe("3 pts");
      await checkPage(t, `pos-redeem${suffix}`);

      // Alt+V: check the code (Enter), then use it (Enter on the focused button).
      await page.keyboard.press("Alt+KeyV");
      expect(await focused(page)).toBe("Voucher code");
      await page.keyboard.type(voucher.toLowerCase());
      await page.keyboard.press("Enter");
      await poll(() => focused(page)).toBe("Use voucher");
      expect(await text(page)).toContain("Valid");
      await page.keyboard.press("Enter");
      await poll(() => text(page)).toContain("Voucher applied");
      await checkPage(t, `pos-voucher${suffix}`);

      // Checked again it is refused in words; an unknown code too.
      await page.keyboard.press("Alt+KeyV");
      await page.keyboard.press("Enter");
      await poll(() => text(page)).toContain("Already used");
      await page.keyboard.type("NOSUCHCODE99");
      await page.keyboard.press("Enter");
      await poll(() => text(page)).toContain("Unknown voucher code");

      expect((await balance(program, memberId)).available).toBe(3);
      const used = await ok("GET", `/v1/vouchers/${voucher}`, undefined, program.key);
      expect(used.status).toBe("used");
      t.expectNoProblems();
      await t.close();
    },
  );

  it("a session that ends mid-shift goes back to the sign-in form", async () => {
    const { program } = await setUp("Late Shift Coffee");
    const t = await openPos(program);
    // The session ends (expired, signed out elsewhere): the browser no longer holds it.
    await t.context.clearCookies();
    await t.page.keyboard.type("(202) 555-0143");
    await t.page.keyboard.press("Enter");
    await poll(() => t.page.getByRole("heading", { level: 1 }).textContent()).toBe("Sign in to Stampbook");
    await signIn(t.page, program.cashier, program.id);
    await poll(() => focused(t.page)).toBe("Phone, card or email");
    t.expectNoProblems();
    await t.close();
  });

  it("several matches are picked with the arrow keys; no match offers enrolment", async () => {
    const { program } = await setUp("Till Bakery");
    await ok("POST", "/v1/members", { name: "Byron Lovelace", externalId: "CARD-7" }, program.key);
    for (let i = 1; i <= 12; i++) await ok("POST", "/v1/members", { name: `Regular ${i}` }, program.key);
    const t = await openPos(program);
    const { page } = t;

    // The heading counts every match, not the ten the till lists.
    await page.keyboard.type("Regular");
    await page.keyboard.press("Enter");
    await poll(() => page.locator("#pos-matches").textContent()).toBe("12 members match “Regular”: the first 10 are shown");
    await poll(() => focused(page)).toContain("Regular");
    await page.keyboard.press("Alt+L");
    await page.keyboard.press("Control+A");

    await page.keyboard.type("Lovelace");
    await page.keyboard.press("Enter");
    await poll(() => text(page)).toContain("2 members match");
    await poll(() => focused(page)).toContain("Lovelace");
    await checkPage(t, "pos-lookup-several");
    await page.keyboard.press("ArrowDown");
    const second = await focused(page);
    await page.keyboard.press("Enter");
    await poll(() => focused(page)).toBe("Amount (USD)");
    const name = second.includes("Byron") ? "Byron Lovelace" : "Ada Lovelace";
    expect(await page.getByRole("region", { name }).count()).toBe(1);

    // A card number finds its member.
    await lookUp(page, "CARD-7");
    expect(await page.getByRole("region", { name: "Byron Lovelace" }).count()).toBe(1);

    // Nobody: enrol on the spot with the phone typed.
    await page.keyboard.press("Escape");
    await page.keyboard.type("202-555-0199");
    await page.keyboard.press("Enter");
    await poll(() => focused(page)).toBe("Name");
    expect(await page.getByLabel("Phone", { exact: true }).inputValue()).toBe("202-555-0199");
    await checkPage(t, "pos-enrol");
    await page.keyboard.type("Grace Hopper");
    await page.keyboard.press("Enter");
    await poll(() => focused(page)).toBe("Amount (USD)");
    expect(await page.getByRole("region", { name: "Grace Hopper" }).count()).toBe(1);
    const found = await ok("GET", "/v1/members?phone=%2B12025550199", undefined, program.key);
    expect(found.data.map((m: { name: string }) => m.name)).toEqual(["Grace Hopper"]);
    t.expectNoProblems();
    await t.close();
  });

  /** The purchase requests the page sends: their Idempotency-Key and event id. */
  function purchases() {
    const seen: { key: string | undefined; id: string }[] = [];
    const record = (request: Request) =>
      seen.push({ key: request.headers()["idempotency-key"], id: (request.postDataJSON() as { id: string }).id });
    return { seen, record, url: "**/v1/events" };
  }

  /** The test's own aborts show as failed loads in the console: expected here, not a page problem. */
  const dropAbortNoise = (t: TestPage) => {
    for (let i = t.problems.length - 1; i >= 0; i--) if (t.problems[i]?.includes("net::ERR_FAILED")) t.problems.splice(i, 1);
  };

  it("a purchase whose answer is lost is retried with the same key and earns once", async () => {
    const { program, memberId } = await setUp("Till Lost Answer");
    const t = await openPos(program);
    const { page } = t;
    const sent = purchases();
    let calls = 0;
    await page.route(sent.url, async (route) => {
      sent.record(route.request());
      if (++calls === 1) {
        // The server applies the sale, and the browser never hears back.
        const answer = await route.fetch();
        expect(answer.status()).toBe(201);
        await route.abort("failed");
      } else await route.continue();
    });
    await page.keyboard.type("2025550143");
    await page.keyboard.press("Enter");
    await poll(() => focused(page)).toBe("Amount (USD)");
    await page.keyboard.type("40");
    await page.keyboard.press("Enter");
    await poll(() => text(page)).toContain("+40 points");
    expect(sent.seen.length).toBe(2);
    expect(new Set(sent.seen.map((s) => s.key)).size).toBe(1);
    expect(new Set(sent.seen.map((s) => s.id)).size).toBe(1);
    expect((await balance(program, memberId)).available).toBe(40);
    const events = await ok("GET", `/v1/members/${memberId}/events`, undefined, program.key);
    expect(events.data.filter((e: { type: string }) => e.type === "purchase").length).toBe(1);
    dropAbortNoise(t);
    t.expectNoProblems();
    await t.close();
  });

  it("when the network stays down the sale is 'Not confirmed — retry', and the retry reuses its key", async () => {
    const { program, memberId } = await setUp("Till Offline");
    const t = await openPos(program);
    const { page } = t;
    const sent = purchases();
    let calls = 0;
    await page.route(sent.url, async (route) => {
      sent.record(route.request());
      // The first attempt reaches the server; every automatic retry is lost on the way.
      if (++calls === 1) await route.fetch();
      await route.abort("failed");
    });
    await page.keyboard.type("(202) 555-0143");
    await page.keyboard.press("Enter");
    await poll(() => focused(page)).toBe("Amount (USD)");
    await page.keyboard.type("12.99");
    await page.keyboard.press("Enter");
    await poll(() => text(page)).toContain("Not confirmed — retry");
    expect(await focused(page)).toBe("Retry sale");
    expect(await page.getByLabel("Amount (USD)").getAttribute("readonly")).not.toBeNull();
    const automatic = sent.seen.length;
    expect(automatic).toBeGreaterThanOrEqual(2);
    dropAbortNoise(t);
    await checkPage(t, "pos-not-confirmed");

    // The next customer must wait: the member stays open until the sale is settled.
    await page.keyboard.press("Escape");
    await page.keyboard.type("someone else");
    await page.keyboard.press("Enter");
    await poll(() => text(page)).toContain("A sale is not confirmed yet");
    expect(await page.getByRole("region", { name: "Ada Lovelace" }).count()).toBe(1);

    // The network is back: Alt+P, Enter retries the same sale.
    await page.unroute(sent.url);
    await page.route(sent.url, async (route) => {
      sent.record(route.request());
      await route.continue();
    });
    await page.keyboard.press("Alt+KeyP");
    await page.keyboard.press("Enter");
    await poll(() => text(page)).toContain("+12 points");
    expect(sent.seen.length).toBe(automatic + 1);
    expect(new Set(sent.seen.map((s) => s.key)).size).toBe(1);
    expect(new Set(sent.seen.map((s) => s.id)).size).toBe(1);
    expect((await balance(program, memberId)).available).toBe(12);

    // The next sale is a new one: a new key and a new event id.
    await page.keyboard.press("Alt+KeyP");
    await page.keyboard.type("5");
    await page.keyboard.press("Enter");
    await poll(() => text(page)).toContain("+5 points");
    const last = sent.seen.at(-1);
    expect(last?.key).not.toBe(sent.seen[0]?.key);
    expect(last?.id).not.toBe(sent.seen[0]?.id);
    expect((await balance(program, memberId)).available).toBe(17);
    dropAbortNoise(t);
    t.expectNoProblems();
    await t.close();
  });

  it("card number lookup, tier benefits, an unusual amount confirmed, a void, and the largest purchase refused", async () => {
    const { program, memberId } = await setUp("Till Guards");
    await ok(
      "PUT",
      "/v1/tiers",
      {
        policy: { metric: "spend", window: { type: "lifetime" }, periodMonths: 12, graceDays: 0 },
        tiers: [
          { name: "Green", threshold: 0, benefits: ["Free refill on filter coffee", "Birthday treat"] },
          { name: "Gold", threshold: 1_000_000, benefits: ["Free size upgrade"] },
        ],
      },
      program.key,
    );
    // A usual basket of $10.00 (30 sales of another member): the till confirms above $50.00.
    const regular = await ok("POST", "/v1/members", { name: "Regular" }, program.key);
    const events = Array.from({ length: 30 }, (_, i) => ({
      id: `usual-${i}`,
      type: "purchase",
      memberId: regular.id,
      amount: 1_000,
    }));
    await ok("POST", "/v1/events/batch", { events }, program.key);
    const card: string = (await ok("GET", `/v1/members/${memberId}`, undefined, program.key)).cardNumber;

    const t = await openPos(program);
    const { page } = t;
    // A keyboard-wedge scanner types the card's digits, then Enter.
    await page.keyboard.type(card);
    await page.keyboard.press("Enter");
    await poll(() => focused(page)).toBe("Amount (USD)");
    const panel = page.getByRole("region", { name: "Ada Lovelace" });
    await poll(() => panel.textContent()).toContain("Green benefits");
    await poll(() => panel.locator(".badge").first().textContent()).toBe("Green");
    await poll(() => page.getByRole("region", { name: /Rewards/ }).textContent()).toContain("Not yet");
    expect(await page.getByRole("list", { name: "Green benefits" }).textContent()).toContain("Free refill on filter coffee");
    expect(await panel.textContent()).toContain(`card ${card}`);
    await checkPage(t, "pos-benefits");

    // $250.00 is far above the usual $10.00: the cashier is asked, nothing is sent yet.
    await page.keyboard.type("250");
    await page.keyboard.press("Enter");
    await poll(() => focused(page)).toBe("Yes, record $250.00");
    expect(await page.getByRole("group", { name: "Confirm an unusual amount" }).textContent()).toContain(
      "$250.00 is far above this programme's usual sale (about $10.00)",
    );
    expect((await balance(program, memberId)).available).toBe(0);
    await checkPage(t, "pos-confirm-amount");
    // "No" goes back to the amount; "Yes" records it.
    await page.getByRole("button", { name: "No, change the amount" }).click();
    expect(await page.getByRole("group", { name: "Confirm an unusual amount" }).count()).toBe(0);
    await page.getByRole("button", { name: "Record purchase" }).click();
    await poll(() => focused(page)).toBe("Yes, record $250.00");
    await page.keyboard.press("Enter");
    await poll(() => text(page)).toContain("+250 points");
    expect((await balance(program, memberId)).available).toBe(250);

    // Void the sale just recorded: confirmed, then its points are taken back.
    await page.getByRole("button", { name: "Void this sale" }).click();
    await poll(() => focused(page)).toBe("Yes, void the sale");
    await page.keyboard.press("Enter");
    await poll(() => text(page)).toContain("Sale voided");
    expect(await text(page)).toContain("$250.00 returned: 250 pts taken back.");
    await poll(() => page.getByTestId("available").textContent()).toBe("0 pts");
    // The rewards are read again too: nothing to redeem with 0 points.
    await poll(() => page.getByRole("region", { name: /Rewards/ }).textContent()).toContain("Not yet");
    await checkPage(t, "pos-void");
    const ledger = await ok("GET", `/v1/members/${memberId}/ledger`, undefined, program.key);
    expect(ledger.data[0].reason).toMatch(/: void at till$/);

    // Above the largest purchase accepted ($10,000.00): confirmed as unusual, then refused in money terms.
    await page.keyboard.press("Alt+KeyP");
    await page.keyboard.type("250000");
    await page.keyboard.press("Enter");
    await poll(() => focused(page)).toBe("Yes, record $250,000.00");
    await page.keyboard.press("Enter");
    await poll(() => text(page)).toContain(
      "A purchase of $250,000.00 is above this programme's largest accepted purchase of $10,000.00",
    );
    await checkPage(t, "pos-max-purchase");
    expect((await balance(program, memberId)).available).toBe(0);
    t.expectNoProblems();
    await t.close();
  });
});
