/**
 * The Finance insights page in a real browser. An owner adds a reward with a unit cost typed as
 * money (a mistyped one is refused in the field's words first); the API records a purchase, two
 * adjustments and a redemption; the page shows the liability by expiry in points and money, the
 * month ends, breakage and the programme's cost, and downloads a table as CSV.
 *
 * Point value 0.5 (half a cent a point), no programme expiry:
 *   A buys $101: 101 points, never expiring. +40 points expiring in 10 days. +50 points pending
 *   for 5 days, never expiring. A coffee (30 points) takes from the soonest-expiring lot: 40 -> 10.
 *   Liability now: within 30 days 10 available ($0.05); never 101 available + 50 pending = 151
 *   ($0.755 -> $0.76); outstanding 161 ($0.805 -> $0.81).
 *   Cost over the last 90 days: programme-funded 101 + 90 = 191 points ($0.955 -> $0.96);
 *   redeemed 30 ($0.15); the coffee's unit cost $1.20 x 1.
 */
import { readFile } from "node:fs/promises";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  browserAvailable,
  checkPage,
  LAPTOP,
  launchBrowser,
  openPage,
  signIn,
  startWebServer,
  type WebServer,
} from "../helpers/browser.ts";

describe.runIf(browserAvailable())("console: finance insights", () => {
  let browser: Browser;
  let web: WebServer;

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it("shows the liability by expiry in money, month ends, breakage and cost, with CSV", { timeout: 240_000 }, async () => {
    const program = await web.createProgram("Finance Coffee");
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await web.api(method, path, body, program.key);
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      return res.body;
    };
    await api("PATCH", "/v1/programs/current", { pointValue: 0.5 });
    await api("POST", "/v1/rules", {
      name: "1 point per dollar",
      trigger: "purchase",
      effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
    });
    const member = await api("POST", "/v1/members", { name: "Ada Lovelace" });
    await api("POST", "/v1/events", { id: "fin-1", type: "purchase", memberId: member.id, amount: 10_100 });
    const day = 86_400_000;
    await api("POST", `/v1/members/${member.id}/adjustments`, {
      points: 40,
      reason: "Welcome",
      expiresAt: new Date(Date.now() + 10 * day).toISOString(),
    });
    await api("POST", `/v1/members/${member.id}/adjustments`, {
      points: 50,
      reason: "Launch bonus",
      availableAt: new Date(Date.now() + 5 * day).toISOString(),
      expiresAt: null,
    });

    const t = await openPage(browser, web.base, LAPTOP);
    const { page } = t;
    await page.goto(`/admin?program=${program.id}`);
    await signIn(page, program.owner, program.id);

    // The reward form: a unit cost is money in the programme's currency.
    const nav = page.getByRole("navigation", { name: "Console" });
    await nav.getByRole("link", { name: "Rewards" }).click();
    await page.getByRole("link", { name: "New reward" }).click();
    await page.getByLabel("Reward name").fill("Coffee");
    await page.getByLabel("Reward type").selectOption("free_product");
    await page.getByLabel("Cost (points)").fill("30");
    await page.getByLabel("Product SKU").fill("COFFEE");
    await page.getByLabel("Unit cost (USD)").fill("1.205");
    await page.getByRole("button", { name: "Create reward" }).click();
    await expect
      .poll(() => page.locator("form").textContent())
      .toContain("Enter the unit cost as an amount in USD, like 2.50 (at most 2 decimals), or leave it blank");
    await checkPage(t, "admin-reward-unit-cost-refused");
    await page.getByLabel("Unit cost (USD)").fill("1.20");
    await page.getByRole("button", { name: "Create reward" }).click();
    await page.waitForURL(/\/admin\/rewards\/rwd_/);
    await expect.poll(() => page.getByLabel("Unit cost (USD)").inputValue()).toBe("1.20");
    const rewardId = /rewards\/(rwd_[0-9a-z]+)/.exec(page.url())?.[1] ?? "";
    expect((await api("GET", `/v1/rewards/${rewardId}`)).unitCost).toBe(120);
    await api("POST", `/v1/members/${member.id}/redemptions`, { rewardId });

    await nav.getByRole("link", { name: "Insights" }).click();
    await page.getByRole("navigation", { name: "Insights" }).getByRole("link", { name: "Finance" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Finance");
    const figures = page.getByRole("region", { name: "Liability figures" });
    await expect.poll(() => figures.textContent()).toContain("$0.81");
    expect(await figures.textContent()).toContain("161 pts at the end of");
    const buckets = page.getByRole("region", { name: "Liability by expiry" });
    expect(await buckets.locator("tbody tr").allTextContents()).toEqual([
      "Within 30 days10010$0.05",
      "31–90 days000$0.00",
      "91–365 days000$0.00",
      "Later000$0.00",
      "Never10150151$0.76",
    ]);
    expect(await buckets.locator("tfoot tr").textContent()).toBe("Total11150161$0.81");
    await expect.poll(() => page.locator(".recharts-bar-rectangle").count()).toBeGreaterThan(0);
    const monthEndRows = page.getByRole("region", { name: "Liability at month ends" }).locator("tbody tr");
    await expect.poll(() => monthEndRows.count()).toBe(12);
    const monthEnds = await monthEndRows.allTextContents();
    expect(monthEnds.at(-1)).toMatch(/^\d{4}-\d{2}-\d{2}111500161\$0\.810$/);

    const cost = page.getByRole("region", { name: "Cost figures" });
    await expect.poll(() => cost.textContent()).toContain("$0.96");
    expect(await cost.textContent()).toContain("$1.20");
    expect(await cost.locator(".stat", { hasText: "Per active member" }).textContent()).toBe(
      "Per active member$0.961 active member",
    );
    await expect.poll(() => page.getByRole("region", { name: "Rewards redeemed, most points first" }).count()).toBe(1);
    const rewards = await page
      .getByRole("region", { name: "Rewards redeemed, most points first" })
      .locator("tbody tr")
      .allTextContents();
    expect(rewards).toEqual(["Coffee1130$0.15$1.20$1.20"]);
    await expect.poll(() => page.getByRole("region", { name: "Breakage figures" }).textContent()).toContain("$0.00");
    await checkPage(t, "admin-insights-finance");

    const downloaded = async (name: string) => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name }).click()]);
      return { file: download.suggestedFilename(), text: await readFile(await download.path(), "utf8") };
    };
    const csv = await downloaded("Download CSV: liability by expiry");
    expect(csv.file).toMatch(/^liability-buckets-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(csv.text).toBe(
      "bucket,available,pending,points,amount\r\n" +
        "within_30_days,10,0,10,0.05\r\ndays_31_to_90,0,0,0,0.00\r\ndays_91_to_365,0,0,0,0.00\r\nlater,0,0,0,0.00\r\nnever,101,50,151,0.76\r\n",
    );
    expect((await downloaded("Download CSV: rewards redeemed")).text).toContain(`${rewardId},Coffee,1,1,30,0.15,1.20,1.20\r\n`);

    // A past day: before anything happened, nothing was owed.
    await page.getByLabel("As of the end of").fill("2026-01-31");
    await expect.poll(() => figures.textContent()).toContain("0 pts at the end of 2026-01-31");
  });
});
