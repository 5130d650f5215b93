import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  browserAvailable,
  checkPage,
  launchBrowser,
  openPage,
  PASSWORD,
  startWebServer,
  type WebServer,
} from "../helpers/browser.ts";
import { fillRuleForm } from "../helpers/console-design.ts";

/*
 * A new business from a fresh server to a running programme in the browser alone: the setup link
 * the server printed, the setup page, the checklist that ticks itself as a rule and a reward are
 * made, and the settings page with the programme id, the till link and the portal's QR code.
 */

const heading = (page: Page) => page.getByRole("heading", { level: 1 });

describe.runIf(browserAvailable())("first run in the browser", () => {
  let browser: Browser;
  let web: WebServer;

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it("goes from the printed setup link to a checklist that ticks itself, and settings with the portal QR", async () => {
    const link = web.server.output().match(/http:\/\/localhost:\d+\/admin\/setup#token=\S+/)?.[0];
    expect(link, web.server.output()).toBeDefined();
    // The link names the port the server listens on.
    expect(link?.startsWith(web.base)).toBe(true);

    const t = await openPage(browser, web.base);
    const { page } = t;
    await page.goto(link ?? "");
    await expect.poll(() => heading(page).textContent()).toContain("set up your loyalty programme");
    await expect.poll(() => page.getByText("Setup link accepted").isVisible()).toBe(true);
    // The token leaves the address bar (and history) once read.
    expect(page.url()).not.toContain("token=");

    await page.getByLabel("Business name").fill("Corner Coffee");
    await page.getByLabel("Currency").selectOption("USD");
    await page.getByLabel("Country").fill("US");
    await page.getByLabel("Time zone").fill("America/New_York");
    await page.getByLabel("Your name").fill("Olive Owner");
    await page.getByLabel("Email").fill("olive@example.com");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Password again").fill("not the same password");
    await page.getByRole("button", { name: "Create programme and sign in" }).click();
    await expect.poll(() => page.getByText("The two passwords differ").isVisible()).toBe(true);
    await page.getByLabel("Password again").fill(PASSWORD);
    await checkPage(t, "setup-page");
    await page.getByRole("button", { name: "Create programme and sign in" }).click();

    // Signed in as the new owner, on the overview with an empty checklist.
    await expect.poll(() => heading(page).textContent(), { timeout: 15_000 }).toBe("Overview");
    const nav = page.getByRole("navigation", { name: "Console" });
    await expect.poll(() => nav.textContent()).toContain("Corner Coffee");
    const checklist = page.getByRole("region", { name: "Get your programme ready" });
    await expect.poll(() => checklist.getByText("0 of 6 done").isVisible()).toBe(true);
    await checkPage(t, "setup-checklist-new");

    // The checklist's own link leads to the rule form; a rule and a reward tick two steps.
    await checklist.getByRole("link", { name: "Add a rule" }).click();
    await fillRuleForm(page, { name: "1 point per dollar", effect: "points_per_amount", points: "1", per: "1" });
    await page.getByRole("button", { name: "Create rule" }).click();
    await page.waitForURL(/\/admin\/rules\/rul_/);
    await page.goto("/admin/rewards/new");
    const rewardForm = page.getByRole("form", { name: "New reward" });
    await rewardForm.getByLabel("Reward name").fill("Free coffee");
    await rewardForm.getByLabel("Reward type").selectOption("free_product");
    await rewardForm.getByLabel("Product SKU").fill("COFFEE");
    await rewardForm.getByLabel("Cost (points)").fill("100");
    await rewardForm.getByRole("button", { name: "Create reward" }).click();
    await page.waitForURL(/\/admin\/rewards\/rwd_/);
    await nav.getByRole("link", { name: "Overview" }).click();
    await expect.poll(() => checklist.getByText("2 of 6 done").isVisible()).toBe(true);
    const item = (id: string) => checklist.locator(`li[data-item="${id}"]`);
    expect(await item("earn_rule").getAttribute("class")).toBe("done");
    expect(await item("reward").getAttribute("class")).toBe("done");
    expect(await item("tiers").getAttribute("class")).toBeNull();
    await checkPage(t, "setup-checklist-ticked");

    // Settings: the programme id, the till link and the portal's QR code for a counter card.
    await nav.getByRole("link", { name: "Settings" }).click();
    await expect.poll(() => heading(page).textContent()).toBe("Settings");
    const links = page.getByRole("region", { name: "Your programme’s links" });
    const programId = await links.getByLabel("Programme id").inputValue();
    expect(programId).toMatch(/^prg_/);
    expect(await links.getByLabel(/^Member portal/).inputValue()).toBe(`${web.base}/portal/${programId}`);
    expect(await links.getByLabel(/^Point of sale/).inputValue()).toBe(`${web.base}/pos?program=${programId}`);
    const qr = links.getByRole("img", { name: `QR code for ${web.base}/portal/${programId}` });
    await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await qr.getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
    await checkPage(t, "setup-settings-links");

    // Printing the counter card counts as sharing the portal link.
    await page.evaluate(() => {
      window.print = () => undefined;
    });
    await links.getByRole("button", { name: "Print counter card" }).click();
    await nav.getByRole("link", { name: "Overview" }).click();
    await expect.poll(() => checklist.getByText("3 of 6 done").isVisible()).toBe(true);

    // The link is spent: opening it again says so, in words.
    const again = await openPage(browser, web.base);
    await again.page.goto(link ?? "");
    await expect.poll(() => again.page.getByRole("heading", { name: "This setup link was already used" }).isVisible()).toBe(true);
    await checkPage(again, "setup-link-used");
    await again.close();
    t.expectNoProblems();
    await t.close();
  });

  it("serves a favicon for the apps", async () => {
    const res = await fetch(`${web.server.url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^image\//);
  });
});
