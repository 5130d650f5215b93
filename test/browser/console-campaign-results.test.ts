/**
 * Campaign results in a real browser: a programme with a 50% holdout campaign (100 members, split by
 * the engine's own draw; 3 in 5 treated members buy $50, 1 in 5 held-out members buy $20) and a
 * campaign with no holdout. A manager opens Insights > Campaigns and reads each campaign's groups,
 * lift, p-value and verdict, the chart, downloads the CSV, then opens the campaign's own page and
 * reads its Results section with the bootstrap interval.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdoutBucket } from "../../src/earning/campaign-reach.rules.ts";
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

describe.runIf(browserAvailable())("console: campaign results", () => {
  let browser: Browser;
  let web: WebServer;

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it("shows which campaign worked, treated vs held out, with its verdict", { timeout: 240_000 }, async () => {
    const program = await web.createProgram("Lift Coffee");
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await web.api(method, path, body, program.key);
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      return res.body;
    };
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
    const spring = await api("POST", "/v1/campaigns", {
      name: "Spring double points",
      status: "active",
      startsAt: tenDaysAgo,
      holdoutPercent: 50,
    });
    await api("POST", "/v1/rules", {
      name: "Spring: 2 points per dollar",
      campaignId: spring.id,
      trigger: "purchase",
      effect: { type: "points_per_amount", points: 2, per: 100, rounding: "floor" },
    });
    await api("POST", "/v1/campaigns", { name: "Welcome week", status: "active", startsAt: tenDaysAgo });

    const members: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const made = await Promise.all(
        Array.from({ length: 10 }, (_, i) => api("POST", "/v1/members", { email: `m${batch * 10 + i}@example.com` })),
      );
      members.push(...made.map((m) => m.id as string));
    }
    const treated = members.filter((m) => holdoutBucket(spring.id, m) >= 50);
    const heldOut = members.filter((m) => holdoutBucket(spring.id, m) < 50);
    const buyers = [...treated.filter((_, i) => i % 5 < 3), ...heldOut.filter((_, i) => i % 5 === 0)];
    const events = buyers.map((memberId, i) => ({
      id: `buy-${i}`,
      type: "purchase",
      memberId,
      amount: treated.includes(memberId) ? 5000 : 2000,
    }));
    await api("POST", "/v1/events/batch", { events });
    const treatedBuyers = treated.filter((_, i) => i % 5 < 3).length;
    const heldOutBuyers = heldOut.filter((_, i) => i % 5 === 0).length;

    const t = await openPage(browser, web.base, LAPTOP);
    const { page } = t;
    await page.goto(`/admin?program=${program.id}`);
    await signIn(page, program.manager, program.id);
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Insights" }).click();
    await page.getByRole("navigation", { name: "Insights" }).getByRole("link", { name: "Campaigns" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Campaign results");
    const table = page.getByRole("region", { name: "Campaign results" });
    await expect.poll(() => table.locator("tbody tr").count()).toBe(2);
    const [springRow, welcomeRow] = await table.locator("tbody tr").allTextContents();
    expect(springRow).toContain("Spring double points");
    expect(springRow).toContain(`${treated.length} / ${heldOut.length}`);
    expect(springRow).toContain(
      `${((treatedBuyers / treated.length) * 100).toFixed(1)}% / ${((heldOutBuyers / heldOut.length) * 100).toFixed(1)}%`,
    );
    expect(springRow).toContain("Worked: more spend");
    expect(springRow).toContain("< 0.001");
    expect(welcomeRow).toContain("Welcome week");
    expect(welcomeRow).toContain("No holdout");
    expect(welcomeRow).toContain("Lift needs a holdout");
    await expect.poll(() => page.locator(".recharts-bar-rectangle").count()).toBeGreaterThan(0);
    await checkPage(t, "admin-insights-campaigns");

    const { readFile } = await import("node:fs/promises");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download CSV: campaign results" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("campaigns.csv");
    const csv = await readFile(await download.path(), "utf8");
    expect(csv.split("\r\n")[0]).toMatch(/^campaign_id,name,status,holdout_percent,from,to,treated_members,/);
    expect(csv).toContain(`${spring.id},Spring double points,active,50,`);
    // The treated group's spend: $50.00 per treated buyer.
    expect(csv).toContain(`,${treated.length},${treatedBuyers},`);
    expect(csv).toContain(`,${treatedBuyers * 50}.00,`);

    // The campaign's own page shows its results, with the bootstrap interval.
    await table.getByRole("link", { name: "Spring double points" }).click();
    const results = page.getByRole("region", { name: "Results" });
    await expect.poll(() => results.textContent()).toContain("Worked: more spend");
    const text = (await results.textContent()) ?? "";
    expect(text).toContain("2,000 resamples, seed 20260413");
    expect(text).toContain(`Members in the audience${treated.length}${heldOut.length}`);
    await checkPage(t, "admin-campaign-results-section");
  });
});
