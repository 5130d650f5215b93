/**
 * Programme goals in a real browser: the owner finds the Goals page from the overview, sets an
 * average order value goal typed as money and a members' share of revenue goal typed as a
 * percentage (a share typed past 100% is refused in its own terms), reads each goal's figures,
 * members vs guests and chart, downloads the CSV, changes one goal and deletes the other; the
 * overview shows the goal's progress and links into every Insights page; a manager reads the
 * goals but cannot set them (on a tablet).
 *
 * Today: Ada buys $40.00 and $20.00 (members: 2 purchases, $60.00, AOV $30.00), a guest buys
 * $15.00 (guests: 1, $15.00). Members' share of revenue: 60 / 75 = 80%.
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
  TABLET,
  type WebServer,
} from "../helpers/browser.ts";

const INSIGHTS = ["engagement", "customers", "campaigns", "rewards", "finance", "revenue", "goals"];
/** The machine is shared: answers after a change may take a few seconds. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });
/** A goal's panel: its heading is the goal's name and its status. */
const goalName = (name: string) => new RegExp(`^${name} (On track|Achieved|Behind pace|Missed|No baseline|No data)`);

describe.runIf(browserAvailable())("console: programme goals", () => {
  let browser: Browser;
  let web: WebServer;

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it("sets goals and tracks them against their targets, members vs guests", { timeout: 240_000 }, async () => {
    const program = await web.createProgram("Goal Coffee");
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await web.api(method, path, body, program.key);
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      return res.body;
    };
    await api("PATCH", "/v1/programs/current", { unknownMemberPolicy: "guest" });
    const ada = await api("POST", "/v1/members", { name: "Ada Lovelace", email: "ada@example.com" });
    await api("POST", "/v1/events", { id: "g-1", type: "purchase", memberId: ada.id, amount: 4000 });
    await api("POST", "/v1/events", { id: "g-2", type: "purchase", memberId: ada.id, amount: 2000 });
    await api("POST", "/v1/events", { id: "g-3", type: "purchase", amount: 1500, receiptId: "R-1" });

    const t = await openPage(browser, web.base, LAPTOP);
    const { page } = t;
    await page.goto(`/admin?program=${program.id}`);
    await signIn(page, program.owner, program.id);
    const goalsPanel = page.getByRole("region", { name: "Programme goals" });
    await poll(() => goalsPanel.textContent()).toContain("No goals yet");
    // The overview links into every Insights page, over its own range.
    const links = page.getByRole("navigation", { name: "Insights" }).getByRole("link");
    const hrefs = await links.evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).pathname));
    expect(hrefs).toEqual(INSIGHTS.map((p) => `/admin/insights/${p}`));
    expect(await page.getByRole("link", { name: "Liability in money" }).getAttribute("href")).toMatch(
      /^\/admin\/insights\/finance\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/,
    );
    await goalsPanel.getByRole("link", { name: "Goals page" }).click();
    await poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Programme goals");

    const targetDate = new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10);
    const form = page.getByRole("form", { name: "Set a goal" });
    await form.getByLabel("Goal", { exact: true }).selectOption("average_order_value");
    await form.getByLabel("Target (USD)").fill("35.00");
    await form.getByLabel("Baseline (USD)").fill("25.00");
    await form.getByLabel("Target date").fill(targetDate);
    await form.getByLabel("Note").fill("Bundles at the till");
    await form.getByRole("button", { name: "Set the goal" }).click();
    const aov = page.getByRole("region", { name: goalName("Average order value") });
    await poll(() => aov.textContent()).toContain("On track");
    // Set today, so the pace is still the baseline: $30.00 >= $25.00; half way from $25.00 to $35.00.
    expect(await aov.locator(".goal-figures dd").allTextContents()).toEqual(["$30.00", "$35.00", "$25.00", "$25.00", "50%"]);
    expect(await aov.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("50");
    const vs = await aov
      .getByRole("region", { name: "Average order value: members vs guests" })
      .locator("tbody tr")
      .allTextContents();
    expect(vs).toEqual(["Members2$60.00$30.00", "Guests (no member)1$15.00$15.00"]);
    await poll(() => aov.locator(".recharts-line-curve").count()).toBe(2);

    // A share typed past 100% is refused in its own terms, beside its field.
    await form.getByLabel("Goal", { exact: true }).selectOption("member_revenue_share");
    await form.getByLabel("Target (%)").fill("150");
    await form.getByLabel("Target date").fill(targetDate);
    await form.getByRole("button", { name: "Set the goal" }).click();
    await poll(() => form.locator(".field .error").first().textContent()).toBe(
      "Members' share of revenue is a share between 0 and 1 (0.35 means 35%): target 1.5 would be 150%",
    );
    await form.getByLabel("Target (%)").fill("70");
    await form.getByRole("button", { name: "Set the goal" }).click();
    const share = page.getByRole("region", { name: goalName("Members' share of revenue") });
    await poll(() => share.textContent()).toContain("Achieved");
    expect(await share.locator(".goal-figures dd").first().textContent()).toBe("80.0%");
    await checkPage(t, "admin-goals");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download CSV of goals" }).click(),
    ]);
    const csv = await readFile(await download.path(), "utf8");
    expect(download.suggestedFilename()).toMatch(/^goals-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(csv).toContain(",average_order_value,,money,30.00,35.00,25.00,stated,25.00,0.5,on_track,");
    expect(csv).toContain(",member_revenue_share,,share,0.8,0.7,");

    // Change the target to $40.00: a third of the way from $25.00.
    await page.getByRole("button", { name: "Edit Average order value" }).click();
    const edit = page.getByRole("form", { name: "Change the goal: Average order value" });
    expect(await edit.getByLabel("Target (USD)").inputValue()).toBe("35");
    await edit.getByLabel("Target (USD)").fill("40.00");
    await edit.getByRole("button", { name: "Save the goal" }).click();
    await poll(() => aov.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("33");
    await poll(() => page.locator(".alert.ok").textContent()).toBe("Average order value was changed.");

    // Delete the share goal, after a confirmation.
    await page.getByRole("button", { name: "Delete Members' share of revenue" }).click();
    await page.getByRole("button", { name: "Delete members' share of revenue" }).click();
    await poll(() => share.count()).toBe(0);

    // The overview shows the goal's progress and links to it.
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Overview" }).click();
    await poll(() => goalsPanel.textContent()).toContain("Average order value");
    expect(await goalsPanel.textContent()).toContain("On track");
    expect(await goalsPanel.getByRole("progressbar").getAttribute("aria-valuetext")).toBe(
      "$30.00 of $40.00 (33% of the way from the baseline)",
    );
    await checkPage(t, "admin-overview-goals");
    await page.getByRole("navigation", { name: "Insights" }).getByRole("link", { name: "Goals" }).click();
    await poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Programme goals");

    // A manager reads the goals and cannot set them.
    const m = await openPage(browser, web.base, TABLET);
    await m.page.goto(`/admin/insights/goals?program=${program.id}`);
    await signIn(m.page, program.manager, program.id);
    await poll(() => m.page.getByRole("region", { name: goalName("Average order value") }).count()).toBe(1);
    expect(await m.page.getByRole("form", { name: "Set a goal" }).count()).toBe(0);
    expect(await m.page.getByRole("button", { name: "Edit Average order value" }).count()).toBe(0);
    await poll(() => m.page.locator(".recharts-line-curve").count()).toBe(2);
    await checkPage(m, "admin-goals-manager-tablet");
    await m.page.close();
  });
});
