/**
 * Deferred revenue in a real browser: a purchase of $1,000 made 40 days ago earned 1,000 points
 * worth a cent each, with finance expecting 95% to be redeemed; a member redeemed 500 today. The
 * owner opens Insights > Deferred revenue and reads (cents):
 *   allocated 100,000 x 950 / 100,950 = 941.06 -> $9.41 (goods $990.59)
 *   recognised 941.06 x 500 / 950 = 495.29 -> $4.95; liability $9.41 - $4.95 = $4.46
 * then sets 90% from today through the form: the purchase keeps its allocation and today's
 * figures catch up: 941.06 x 500 / 900 = 522.81 -> $5.23 recognised, liability $4.18. The tables
 * download as CSV.
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

const newYorkDay = (at: Date) =>
  new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York", year: "numeric", month: "2-digit", day: "2-digit" }).format(
    at,
  );

describe.runIf(browserAvailable())("console: deferred revenue", () => {
  let browser: Browser;
  let web: WebServer;

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it("shows allocation, recognition and the liability per period, and re-measures when the owner sets a new estimate", {
    timeout: 180_000,
  }, async () => {
    const program = await web.createProgram("Revenue Coffee");
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await web.api(method, path, body, program.key);
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      return res.body;
    };
    const bought = new Date(Date.now() - 40 * 86_400_000);
    await api("POST", "/v1/programs/current/redemption-estimates", {
      rate: 0.95,
      effectiveFrom: `${newYorkDay(bought).slice(0, 7)}-01`,
      note: "Last year's redemptions",
    });
    await api("POST", "/v1/rules", {
      name: "1 point per dollar",
      trigger: "purchase",
      effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      // In force before the purchase: an event is judged by the rules of when it happened.
      inForceFrom: new Date(bought.getTime() - 86_400_000).toISOString(),
    });
    const member = await api("POST", "/v1/members", { name: "Ada Lovelace" });
    await api("POST", "/v1/events", {
      id: "rev-1",
      type: "purchase",
      memberId: member.id,
      amount: 100_000,
      occurredAt: bought.toISOString(),
    });
    const reward = await api("POST", "/v1/rewards", {
      name: "Coffee beans",
      type: "free_product",
      value: { sku: "BEANS" },
      costPoints: 500,
    });
    await api("POST", `/v1/members/${member.id}/redemptions`, { rewardId: reward.id });

    const t = await openPage(browser, web.base, LAPTOP);
    const { page } = t;
    await page.goto(`/admin?program=${program.id}`);
    await signIn(page, program.owner, program.id);
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Insights" }).click();
    await page.getByRole("navigation", { name: "Insights" }).getByRole("link", { name: "Deferred revenue" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Deferred revenue");
    const perPeriod = page.getByRole("region", { name: "Deferred revenue per period" });
    const totals = () => perPeriod.locator("tfoot tr").textContent();
    await expect.poll(totals).toBe("Range$1,000.001,000$9.41$4.95$0.00$0.00$4.46");
    const estimate = page.getByRole("heading", { name: /Expected redemption rate on/ });
    expect(await estimate.textContent()).toContain("95%");
    expect(await page.getByText("set by finance").first().isVisible()).toBe(true);
    await expect.poll(() => page.locator(".recharts-bar-rectangle").count()).toBeGreaterThan(0);
    const layers = page.getByRole("region", { name: "Deferred revenue by month of issue" });
    expect(await layers.locator("tbody tr").allTextContents()).toEqual([
      `${newYorkDay(bought).slice(0, 7)}1,000500950$9.41$4.95$0.00$4.46`,
    ]);
    await checkPage(t, "admin-deferred-revenue");

    const downloaded = async (name: string) => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name }).click()]);
      return await readFile(await download.path(), "utf8");
    };
    const periods = await downloaded("Download CSV: deferred revenue per period");
    expect(periods).toContain(
      "period,purchases,sales,points_issued,allocated_to_points,allocated_to_goods,recognised,breakage,liability_start,liability_end,expected_rate,rate_source\r\n",
    );
    expect(periods).toContain(`${newYorkDay(bought).slice(0, 7)}-01,1,1000.00,1000,9.41,990.59,`);
    expect(await downloaded("Download CSV: deferred revenue by month of issue")).toContain(",9.41,4.95,0.00,4.46\r\n");

    // The owner revises the estimate from today: revenue to date is re-measured at once.
    await page.getByLabel("Expected redemption rate (%)").fill("90");
    await page.getByLabel("Note").fill("Q4 review");
    await page.getByRole("button", { name: "Set estimate" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved" }).textContent()).toContain("90%");
    await expect.poll(totals).toBe("Range$1,000.001,000$9.41$5.23$0.00$0.00$4.18");
    const history = page.getByRole("region", { name: "Estimates set by finance" });
    await expect.poll(() => history.locator("tbody tr").count()).toBe(2);
    expect(await history.locator("tbody tr").first().textContent()).toContain("90%Q4 review");
    await checkPage(t, "admin-deferred-revenue-revised");

    // A manager reads it but cannot set the estimate.
    const m = await openPage(browser, web.base, LAPTOP);
    await m.page.goto(`/admin?program=${program.id}`);
    await signIn(m.page, program.manager, program.id);
    await m.page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Insights" }).click();
    await m.page.getByRole("navigation", { name: "Insights" }).getByRole("link", { name: "Deferred revenue" }).click();
    await expect.poll(() => m.page.getByText("Owners set the estimate.").count()).toBe(1);
    expect(await m.page.getByLabel("Expected redemption rate (%)").count()).toBe(0);
  });
});
