/**
 * The staff report in a real browser: a cashier signs in at a till for a store and rings up a sale
 * by keyboard (the till shows its store); a manager opens the console's staff report and reads the
 * cashier by name, the sale's amount, the store, a bar chart, and downloads the CSV; the member's
 * history names the cashier too.
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

describe.runIf(browserAvailable())("console: staff report", () => {
  let browser: Browser;
  let web: WebServer;

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it("shows per cashier and per store what the till recorded, by name", { timeout: 180_000 }, async () => {
    const program = await web.createProgram("Staff Coffee");
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await web.api(method, path, body, program.key);
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      return res.body;
    };
    await api("POST", "/v1/rules", {
      name: "1 point per dollar",
      trigger: "purchase",
      effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
    });
    const member = await api("POST", "/v1/members", { name: "Ada Lovelace", phone: "+12025550143" });
    // An integration's sale, with no store.
    await api("POST", "/v1/events", { id: "web-1", type: "purchase", memberId: member.id, amount: 1200 });

    // The till: the cashier signs in for the main street store and rings up $23.45.
    const till = await openPage(browser, web.base, LAPTOP);
    await till.page.goto(`/pos?program=${program.id}`);
    await till.page.getByLabel("Store").fill("main-st");
    await signIn(till.page, program.cashier, program.id);
    await expect.poll(() => till.page.locator("header").textContent()).toContain("Store main-st");
    await till.page.getByLabel("Phone, card or email").fill("(202) 555-0143");
    await till.page.keyboard.press("Enter");
    await till.page.getByLabel("Amount (USD)").fill("23.45");
    await till.page.keyboard.press("Enter");
    await expect.poll(() => till.page.textContent("body")).toContain("+23 points");
    await till.page.close();

    // The manager's console.
    const t = await openPage(browser, web.base, LAPTOP);
    const { page } = t;
    await page.goto(`/admin?program=${program.id}`);
    await signIn(page, program.manager, program.id);
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Staff report" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Staff report");
    const perCashier = page.getByRole("region", { name: "Per cashier, busiest first" });
    await expect.poll(() => perCashier.textContent()).toContain("Cass Cashier");
    const rows = await perCashier.locator("tbody tr").allTextContents();
    expect(rows).toEqual(["Cass Cashier01$23.4500", "Default admin key11$12.0000"]);
    expect(await perCashier.locator("tfoot tr").textContent()).toBe("Total12$35.4500");
    const perStore = await page.getByRole("region", { name: "Per store, busiest first" }).locator("tbody tr").allTextContents();
    expect(perStore).toEqual(["main-st01$23.4500", "No store11$12.0000"]);
    await expect.poll(() => page.locator(".recharts-bar-rectangle").count()).toBeGreaterThan(0);
    await checkPage(t, "admin-staff-report");

    const { readFile } = await import("node:fs/promises");
    const downloaded = async (name: string) => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name }).click()]);
      return { file: download.suggestedFilename(), text: await readFile(await download.path(), "utf8") };
    };
    const cashiers = await downloaded("Download CSV per cashier");
    expect(cashiers.file).toMatch(/^staff-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(cashiers.text).toContain("actor,name,enrolments,sales,sales_amount,redemptions,vouchers_used\r\n");
    expect(cashiers.text).toContain(",Cass Cashier,0,1,23.45,0,0");
    expect((await downloaded("Download CSV per store")).text).toContain("main-st,0,1,23.45,0,0");

    // The member's history names the cashier.
    await page.goto(`/admin/members/${member.id}`);
    await expect.poll(() => page.getByRole("region", { name: "Ledger history" }).textContent()).toContain("Cass Cashier");
    await checkPage(t, "admin-member-history-actor");
  });
});
