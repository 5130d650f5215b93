/**
 * Reward patterns in a real browser. A reward is judged underused only after two weeks on offer,
 * so the story is written first, 40 days back, by the app in process on an embedded data
 * directory with its clock set back; a real server is then started on that directory and an owner
 * reads the Insights page (popular and underused with their reasons, the chart, the table, a CSV
 * file) and the rewards list (redemptions over 90 days, the underused flag in words).
 *
 * The story, in days before today (New York), at noon: 40 days ago Espresso (100 points, stock 6,
 * vouchers for 7 days), Mug (300, no codes) and Tote (500) are made, and 12 members get 1000 points.
 * 20 days ago M6 redeems a Mug; 10 days ago M1..M5 each an Espresso, and M1 uses the voucher 9 days
 * ago (the other four expired 2 days ago, unused).
 *
 * On offer 41 days each (40 days ago to today). Median of 5, 1, 0 = 1.
 * Espresso: 5 redemptions, 5x the median; 6 - 5 = 1 left at 5 / 41 a day lasts 8.2 days (stock up).
 * Within reach (80 points) and able to afford it: M6..M12 = 7.
 * Tote: 0 redemptions while all 12 could afford it: underused. Mug: 1 (above a quarter of the median).
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DateTime } from "luxon";
import pino from "pino";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { ManualClock } from "../../src/shared/clock.ts";
import {
  browserAvailable,
  checkPage,
  LAPTOP,
  launchBrowser,
  openPage,
  PASSWORD,
  ROOT_KEY,
  signIn,
  startWebServer,
  type WebServer,
} from "../helpers/browser.ts";
import { type Json, requestApp } from "../helpers/test-app.ts";

const NY = "America/New_York";
const SECRET = "the reward insights test's secret key, 32+ chars";

/** Noon in New York `days` days before today there. */
const daysAgo = (days: number) => DateTime.now().setZone(NY).startOf("day").minus({ days }).plus({ hours: 12 }).toJSDate();

/** Writes the story into a fresh data directory and answers it with the ids the test needs. */
async function writeStory(dataDir: string) {
  const clock = new ManualClock(daysAgo(40));
  const config = loadConfig({}, { dataDir, rootKey: ROOT_KEY, secretKey: SECRET, logLevel: "silent" });
  const app = await createApp(config, { clock, log: pino({ level: "silent" }) });
  try {
    const call = async (method: string, path: string, body?: unknown, key = ROOT_KEY, status = 201): Promise<Json> => {
      const res = await requestApp(app, method, path, { key, body });
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(status);
      return res.body;
    };
    const created = await call("POST", "/v1/programs", { name: "Bean Counter", currency: "USD", timezone: NY, country: "US" });
    const programId: string = created.program.id;
    const key: string = created.apiKey.secret;
    const owner = `owner-${programId.slice(-8).toLowerCase()}@example.com`;
    await call("POST", `/v1/programs/${programId}/staff`, {
      email: owner,
      name: "Olivia Owner",
      role: "owner",
      password: PASSWORD,
    });
    const reward = async (name: string, costPoints: number, extra: Record<string, unknown>) =>
      (
        await call(
          "POST",
          "/v1/rewards",
          { name, type: "free_product", value: { sku: name.toUpperCase() }, costPoints, ...extra },
          key,
        )
      ).id as string;
    const espresso = await reward("Espresso", 100, { stock: 6, voucherValidDays: 7 });
    const mug = await reward("Mug", 300, { codeFormat: { type: "none" } });
    const tote = await reward("Tote", 500, {});
    const members: string[] = [];
    for (let i = 1; i <= 12; i++) {
      const id = (await call("POST", "/v1/members", { name: `M${i}` }, key)).id as string;
      await call("POST", `/v1/members/${id}/adjustments`, { points: 1000, reason: "Opening balance" }, key);
      members.push(id);
    }
    const redeem = (member: string | undefined, rewardId: string) =>
      call("POST", `/v1/members/${member}/redemptions`, { rewardId }, key);
    clock.set(daysAgo(20));
    await redeem(members[5], mug);
    clock.set(daysAgo(10));
    const first = await redeem(members[0], espresso);
    for (const m of members.slice(1, 5)) await redeem(m, espresso);
    clock.set(daysAgo(9));
    await call("POST", `/v1/vouchers/${first.vouchers[0].code}/redeem`, {}, key, 200);
    return { programId, owner, espresso, mug, tote };
  } finally {
    await app.close();
  }
}

describe.runIf(browserAvailable())("console: reward patterns", () => {
  let browser: Browser;
  let web: WebServer;
  let story: Awaited<ReturnType<typeof writeStory>>;

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "stampbook-reward-insights-"));
    [story, browser] = await Promise.all([writeStory(dataDir), launchBrowser()]);
    web = await startWebServer({ STAMPBOOK_DATA_DIR: dataDir, STAMPBOOK_SECRET_KEY: SECRET });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it("shows popular and underused rewards with their reasons, the chart, the table and the CSV files", {
    timeout: 180_000,
  }, async () => {
    const t = await openPage(browser, web.base, LAPTOP);
    const { page } = t;
    await page.goto(`/admin?program=${story.programId}`);
    await signIn(page, story.owner, story.programId);
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Insights" }).click();
    await page.getByRole("navigation", { name: "Insights" }).getByRole("link", { name: "Rewards" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Reward patterns");

    const popular = page.getByRole("region", { name: "Popular", exact: true });
    await expect
      .poll(() => popular.locator("li").allTextContents())
      .toEqual(["Espresso5 redemptions, 5x the median of 1; its stock lasts about 8.2 days at this rate"]);
    expect(await page.getByRole("region", { name: "Underused", exact: true }).locator("li").allTextContents()).toEqual([
      "Tote0 redemptions in 41 days while 12 members could afford it",
    ]);
    expect(await popular.textContent()).toContain("the median reward (1 redemption in this range)");

    const chart = page.getByRole("img", { name: /^Bar chart of redemptions/ });
    expect(await chart.getAttribute("aria-label")).toMatch(/Espresso 5, Mug 1, Tote 0\.$/);
    await expect.poll(() => page.locator(".recharts-bar-rectangle").count()).toBeGreaterThan(0);

    const table = page.getByRole("region", { name: "Every reward, most redeemed first" });
    // Each row's cells as they read (a cell's lines run together in textContent).
    const rows = await Promise.all((await table.locator("tbody tr").all()).map((tr) => tr.locator("th, td").allTextContents()));
    expect(rows).toEqual([
      // Reward, now, redemptions, members, points, vouchers issued, used, expired unused, open, stock left, days of stock, within reach, can afford
      [
        "Espresso100 pts, 41 days on offer",
        "On offer",
        "5",
        "5",
        "500",
        "5",
        "1",
        "4",
        "0",
        "1",
        "Stock up8.2 days left",
        "7from 80 pts",
        "7",
      ],
      [
        "Mug300 pts, 41 days on offer",
        "On offer",
        "1",
        "1",
        "300",
        "0",
        "0",
        "0",
        "0",
        "Unlimited",
        "Unlimited",
        "11from 240 pts",
        "11",
      ],
      [
        "Tote500 pts, 41 days on offer",
        "On offer",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "Unlimited",
        "Unlimited",
        "12from 400 pts",
        "12",
      ],
    ]);
    await checkPage(t, "admin-insights-rewards");

    const { readFile } = await import("node:fs/promises");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download CSV: underused rewards" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^rewards-underused-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(await readFile(await download.path(), "utf8")).toBe(
      `reward_id,name,redemptions,members_can_afford,reason\r\n${story.tote},Tote,0,12,0 redemptions in 41 days while 12 members could afford it\r\n`,
    );
    const [all] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download CSV: every reward" }).click(),
    ]);
    expect((await readFile(await all.path(), "utf8")).split("\r\n")[1]).toBe(
      `${story.espresso},Espresso,active,available,100,41,5,5,5,500,5,1,4,0,1,0.12,8.2,true,80,7,7`,
    );

    // The rewards list: redemptions over the last 90 days, and the underused flag with its reason in words.
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Rewards" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Rewards");
    const recent = async (name: string) => {
      const row = page.getByRole("row").filter({ has: page.getByRole("link", { name, exact: true }) });
      return row.locator("td").nth(5).textContent();
    };
    await expect.poll(() => recent("Tote")).toBe("0Underused0 redemptions in 41 days while 12 members could afford it");
    expect(await recent("Espresso")).toBe("5");
    expect(await recent("Mug")).toBe("1");
    await checkPage(t, "admin-rewards-recent");
    await page.getByRole("link", { name: "Reward patterns" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Reward patterns");
  });
});
