/**
 * The console's campaigns as a manager sees them: the list shows each campaign's state by its
 * schedule (an active campaign whose dates are over is "ended", not "active") and a recurring
 * one's next occurrence; the campaign editor's recurrence section says the pattern in plain words
 * and lists the next occurrences before anything is saved, and saves what it says.
 */
import { DateTime } from "luxon";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  browserAvailable,
  checkPage,
  launchBrowser,
  openPage,
  signIn,
  startWebServer,
  type WebServer,
} from "../helpers/browser.ts";

/** The machine is shared: give the first page loads time. */
const SLOW = { timeout: 20_000 };
const NEXT_YEAR = new Date().getUTCFullYear() + 1;

describe.runIf(browserAvailable())("console: campaign states and recurring campaigns", () => {
  let browser: Browser;
  let web: WebServer;

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it("lists states by schedule and edits a recurrence with its summary and next occurrences", { timeout: 120_000 }, async () => {
    const program = await web.createProgram("Recurring Coffee");
    const api = (method: string, path: string, body?: unknown) => web.api(method, path, body, program.key);
    const made = await Promise.all([
      api("POST", "/v1/campaigns", { name: "Summer 2025", status: "active", startsAt: "2025-06-01", endsAt: "2025-08-31" }),
      api("POST", "/v1/campaigns", {
        name: "Tuesday bonus",
        status: "active",
        startsAt: `${NEXT_YEAR}-01-01`,
        recurrence: { freq: "weekly", byWeekday: ["tue"] },
      }),
    ]);
    for (const m of made) expect(m.status, JSON.stringify(m.body)).toBe(201);

    const t = await openPage(browser, web.base);
    const { page } = t;
    await page.goto(`/admin?program=${program.id}`);
    await signIn(page, program.owner, program.id);
    await expect.poll(() => page.getByRole("navigation", { name: "Console" }).isVisible(), SLOW).toBe(true);
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Campaigns" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent(), SLOW).toBe("Campaigns");
    const row = (name: string) => page.getByRole("row", { name: new RegExp(name) });
    await expect.poll(() => row("Summer 2025").count(), SLOW).toBe(1);
    // The bug: an active campaign whose schedule was over showed as "active".
    expect(await row("Summer 2025").getByRole("cell").nth(1).textContent()).toBe("ended");
    const firstTuesday = (await api("GET", `/v1/campaigns/${made[1]?.body.id}`)).body.nextOccurrences[0].startsAt;
    const day = DateTime.fromISO(firstTuesday, { zone: "America/New_York" }).toFormat("ccc d LLL");
    expect(day).toMatch(/^Tue \d+ Jan$/);
    expect(await row("Tuesday bonus").getByRole("cell").nth(1).textContent()).toBe(`scheduled next: ${day}`);
    expect(await row("Tuesday bonus").getByRole("cell").nth(2).textContent()).toBe(
      `Every Tuesday, 00:00-23:59, America/New_York, from 1 Jan ${NEXT_YEAR}`,
    );
    await checkPage(t, "admin-campaigns-states");

    // -- a new campaign every weekend, a budget per occurrence ----------------------------------
    await page.getByRole("link", { name: "New campaign" }).click();
    const form = page.getByRole("form", { name: "Campaign" });
    await form.getByLabel("Campaign name").fill("Weekend double");
    await form.getByLabel("Starts on").fill(`${NEXT_YEAR}-01-01`);
    await form.getByLabel("Repeats", { exact: true }).selectOption("weekly");
    await form.getByRole("group", { name: "On these days" }).getByLabel("Saturday").check();
    await form.getByLabel("Lasts").fill("2");
    const summary = form.getByLabel("Recurrence summary");
    await expect
      .poll(() => summary.locator("strong").textContent(), SLOW)
      .toBe(`Every Saturday, from 00:00 for 2 days, America/New_York, from 1 Jan ${NEXT_YEAR}`);
    const next = await summary.getByRole("list", { name: "Next occurrences" }).getByRole("listitem").allTextContents();
    expect(next).toHaveLength(5);
    expect(next[0]).toMatch(new RegExp(`^Sat \\d+ Jan ${NEXT_YEAR}, 00:00 – Mon \\d+ Jan, 00:00$`));
    await form.getByLabel("Budget (points)").fill("500");
    await form.getByLabel("Budget is for").selectOption("occurrence");
    await checkPage(t, "admin-campaign-recurrence-edit");
    await form.getByRole("button", { name: "Create campaign" }).click();
    await page.waitForURL(/\/admin\/campaigns\/cmp_/);
    const id = /campaigns\/(cmp_[0-9a-z]+)/.exec(page.url())?.[1] ?? "";
    const saved = (await api("GET", `/v1/campaigns/${id}`)).body;
    expect(saved).toMatchObject({
      recurrence: { freq: "weekly", byWeekday: ["sat"], duration: { days: 2 } },
      budgetPer: "occurrence",
      budget: { points: 500 },
      state: "draft",
    });
    // Reopened, the form shows the saved pattern.
    await expect.poll(() => form.getByLabel("Repeats", { exact: true }).inputValue(), SLOW).toBe("weekly");
    await expect.poll(() => summary.locator("strong").textContent()).toContain("Every Saturday, from 00:00 for 2 days");
    await checkPage(t, "admin-campaign-recurrence-saved");
  });
});
