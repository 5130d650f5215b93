import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_OWNER_EMAIL, DEMO_PROGRAM_NAME } from "../../src/demo/demo.plan.ts";
import {
  browserAvailable,
  checkPage,
  launchBrowser,
  openPage,
  signIn,
  startWebServer,
  TABLET,
  type TestPage,
  type WebServer,
} from "../helpers/browser.ts";

/** What `stampbook serve` printed once the demo was made: its programme id and the staff password. */
async function demoCredentials(web: WebServer, timeoutMs: number): Promise<{ programId: string; password: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = web.server.output();
    const program = /Demo programme "[^"]+" \((prg_[a-z0-9]+)\)/.exec(out);
    const password = /Password {2}(\S+)/.exec(out);
    // The credentials come first; the history is written after them.
    if (program?.[1] && password?.[1] && out.includes("Demo history written")) {
      expect(out).toContain(`/admin?program=${program[1]}`);
      expect(out).toContain(DEMO_OWNER_EMAIL);
      return { programId: program[1], password: password[1] };
    }
    if (Date.now() > deadline) throw new Error(`no demo credentials printed in ${timeoutMs} ms:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.runIf(browserAvailable())("console overview on the demo programme", () => {
  let browser: Browser;
  let web: WebServer;
  let demo: { programId: string; password: string };

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebServer({ STAMPBOOK_DEMO: "1" }), launchBrowser()]);
    demo = await demoCredentials(web, 280_000);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  async function signedIn(viewport?: typeof TABLET): Promise<TestPage> {
    const t = await openPage(browser, web.base, viewport);
    await t.page.goto(`/admin?program=${demo.programId}`);
    await signIn(t.page, DEMO_OWNER_EMAIL, demo.programId, demo.password);
    await expect.poll(() => t.page.getByRole("navigation", { name: "Console" }).textContent()).toContain(DEMO_PROGRAM_NAME);
    await t.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    return t;
  }

  const figure = (t: TestPage, label: string) =>
    t.page
      .getByRole("region", { name: "Key figures" })
      .locator(".stat")
      .filter({ has: t.page.getByText(label, { exact: true }) })
      .locator(".value");

  it("shows the year's figures and charts, and follows a change of range", async () => {
    const t = await signedIn();
    await t.page.getByRole("button", { name: "12 months" }).click();
    await expect.poll(() => t.page.getByRole("button", { name: "12 months" }).getAttribute("aria-pressed")).toBe("true");
    await expect.poll(() => figure(t, "Members").textContent()).toBe("300");
    for (const label of ["Active members (30 days)", "Outstanding points", "Redemption rate"]) {
      expect(await figure(t, label).textContent()).toMatch(/\d/);
    }
    // Three charts, each an image with a name that says what it shows, drawn as SVG.
    const charts = t.page.locator('div[role="img"]');
    await expect.poll(() => charts.count()).toBe(3);
    // The page keeps the last range's charts until the new range's figures arrive: wait for them.
    await expect.poll(() => charts.nth(0).getAttribute("aria-label")).toMatch(/^Line chart by month .* points issued/);
    await expect.poll(() => t.page.locator('[role="img"] .recharts-wrapper > svg').count()).toBe(3);
    expect(await t.page.locator(".recharts-line").count()).toBe(3);
    for (const name of ["Points issued, redeemed and expired", "Members by tier", "Top rewards"]) {
      await t.page.getByRole("heading", { level: 2, name }).waitFor();
    }
    expect(await t.page.getByRole("table", { name: "Most redeemed rewards" }).locator("tbody tr").count()).toBe(5);
    await checkPage(t, "admin-overview");

    // A shorter range by hand: weeks, and the page says so.
    const to = await t.page.getByLabel("To", { exact: true }).inputValue();
    const from = new Date(Date.parse(`${to}T00:00:00Z`) - 59 * 86_400_000).toISOString().slice(0, 10);
    await t.page.getByLabel("From", { exact: true }).fill(from);
    await expect.poll(() => t.page.getByText(/Showing .* by week\./).textContent()).toContain(`Showing ${from} to ${to}`);
    await expect.poll(() => charts.nth(0).getAttribute("aria-label")).toMatch(/^Line chart by week/);
    expect(await t.page.getByRole("button", { name: "12 months" }).getAttribute("aria-pressed")).toBe("false");
    await t.page.getByRole("button", { name: "30 days" }).click();
    await expect.poll(() => t.page.getByText(/Showing .* by day\./).count()).toBe(1);
    await checkPage(t, "admin-overview-30-days");
    await t.close();
  });

  it("fits a tablet", async () => {
    const t = await signedIn(TABLET);
    await t.page.getByRole("button", { name: "12 months" }).click();
    await expect.poll(() => t.page.locator('[role="img"] .recharts-wrapper > svg').count()).toBe(3);
    const overflow = await t.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await checkPage(t, "admin-overview-tablet");
    await t.close();
  });
});
