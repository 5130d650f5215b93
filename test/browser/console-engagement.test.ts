/**
 * The Engagement page in a real browser: a manager follows the console's Insights link, reads the
 * members' share of purchases and revenue, active members, points by account, redemption
 * frequency and the cohort heat map, changes the interval, and downloads a table as CSV.
 *
 * Today: Ada buys $40 and $20, Ben $10, a guest $30; Ada redeems a 10-point reward.
 * Members' share: 3 of 4 purchases (75.0%), $70 of $100 (70.0%); both members active; 70 points
 * earned, 10 redeemed; Ben never redeemed (50.0%); this month's cohort: 2 members, both bought.
 */
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

describe.runIf(browserAvailable())("console: engagement insights", () => {
  let browser: Browser;
  let web: WebServer;

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it("shows participation, points, redemption frequency and cohorts, with CSV downloads", { timeout: 180_000 }, async () => {
    const program = await web.createProgram("Engaged Coffee");
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await web.api(method, path, body, program.key);
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      return res.body;
    };
    await api("PATCH", "/v1/programs/current", { unknownMemberPolicy: "guest" });
    await api("POST", "/v1/rules", {
      name: "1 point per dollar",
      trigger: "purchase",
      effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
    });
    const reward = await api("POST", "/v1/rewards", {
      name: "Cookie",
      type: "free_product",
      value: { sku: "COOKIE" },
      costPoints: 10,
    });
    const ada = await api("POST", "/v1/members", { name: "Ada Lovelace" });
    const ben = await api("POST", "/v1/members", { name: "Ben Franklin" });
    await api("POST", "/v1/events", { id: "e-1", type: "purchase", memberId: ada.id, amount: 4000 });
    await api("POST", "/v1/events", { id: "e-2", type: "purchase", memberId: ada.id, amount: 2000 });
    await api("POST", "/v1/events", { id: "e-3", type: "purchase", memberId: ben.id, amount: 1000 });
    await api("POST", "/v1/events", { id: "g-1", type: "purchase", amount: 3000, receiptId: "R-1" });
    await api("POST", `/v1/members/${ada.id}/redemptions`, { rewardId: reward.id });

    const t = await openPage(browser, web.base, LAPTOP);
    const { page } = t;
    await page.goto(`/admin?program=${program.id}`);
    await signIn(page, program.manager, program.id);
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Insights" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Engagement");
    expect(new URL(page.url()).pathname).toBe("/admin/insights/engagement");

    const figures = page.getByRole("region", { name: "Participation in figures" });
    await expect.poll(() => figures.textContent()).toContain("75.0%");
    expect(await figures.textContent()).toContain("70.0%");
    expect(await figures.textContent()).toContain("3 by members, 1 by guests");
    const frequency = page.getByRole("region", { name: "Redemption frequency in figures" });
    await expect.poll(() => frequency.textContent()).toContain("1 of 2 members");
    expect(await frequency.textContent()).toContain("50.0%");
    const pointsTotal = page.getByRole("region", { name: "Points by period" }).locator("tfoot tr");
    await expect.poll(() => pointsTotal.textContent()).toBe("Total7000010060"); // 70 earned, 0, 0, 0, 10 redeemed, 0 expired, 60 net;
    const heatmap = page.getByRole("region", { name: "Retention by enrolment month" }).locator("tbody tr");
    await expect.poll(() => heatmap.count()).toBe(1);
    expect(await heatmap.first().textContent()).toMatch(/^\d{4}-\d{2}20\.0% \(0\)100\.0%2$/);
    // Each chart has its accessible name (the figures it shows) and its numbers as a table.
    await expect.poll(() => page.locator(".recharts-bar-rectangle").count()).toBeGreaterThan(0);
    expect(await page.getByRole("img", { name: /purchases by members \(3\) and by guests \(1\)/ }).count()).toBe(1);

    // By month: the interval goes into the address and the answer.
    await page.getByLabel("Periods", { exact: true }).selectOption("month");
    await expect.poll(() => new URL(page.url()).searchParams.get("interval")).toBe("month");
    await expect.poll(() => page.locator(".panel .muted").first().textContent()).toContain("by month");
    await checkPage(t, "admin-insights-engagement");

    const { readFile } = await import("node:fs/promises");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download CSV: participation by period" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^participation-series-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile(await download.path(), "utf8");
    expect(csv).toContain("period,member_purchases,guest_purchases,member_revenue,guest_revenue,");
    expect(csv).toMatch(/\r\n\d{4}-\d{2}-\d{2},3,1,70\.00,30\.00,0\.75,0\.7,2,2,2,1\r\n$/);
    const [cohorts] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download CSV: retention per cohort and month" }).click(),
    ]);
    expect(await readFile(await cohorts.path(), "utf8")).toMatch(
      /^cohort,size,months_after_enrolment,purchasers,share\r\n\d{4}-\d{2},2,0,2,1\r\n$/,
    );
  });
});
