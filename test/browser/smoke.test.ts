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

describe.runIf(browserAvailable())("web apps are served", () => {
  let browser: Browser;
  let web: WebServer;

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it.each(["admin", "pos", "portal/x"])("/%s loads", async (path) => {
    const t = await openPage(browser, web.base);
    const res = await t.page.goto(`/${path}`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
    await checkPage(t, `smoke-${path.replace("/", "-")}`);
    await t.close();
  });

  it("an owner signs in to the console and a cashier is sent to the point of sale", async () => {
    const program = await web.createProgram("Smoke Coffee");
    const t = await openPage(browser, web.base);
    await t.page.goto(`/admin?program=${program.id}`);
    await signIn(t.page, program.owner, program.id);
    await expect.poll(() => t.page.getByRole("navigation", { name: "Console" }).textContent()).toContain("Smoke Coffee");
    await checkPage(t, "admin-shell-owner");
    await t.close();

    const c = await openPage(browser, web.base);
    await c.page.goto(`/admin?program=${program.id}`);
    await signIn(c.page, program.cashier, program.id);
    await expect.poll(() => c.page.getByRole("heading", { level: 1 }).textContent()).toContain("for owners and managers");
    await c.close();
  });
});
