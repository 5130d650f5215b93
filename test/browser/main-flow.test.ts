import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  browserAvailable,
  checkPage,
  launchBrowser,
  openPage,
  signIn,
  startWebServer,
  TABLET,
  type WebServer,
} from "../helpers/browser.ts";
import { createCampaignAndRewardInConsole } from "../helpers/console-design.ts";
import { startSmtp, type TestSmtp } from "../helpers/mail.ts";

/**
 * The story across the three apps, each in its own browser context (its own cookies), on
 * one real server that mails through a real SMTP server: an owner designs a campaign and a reward
 * in the console; a member joins on the portal; a cashier finds the member by phone at the till,
 * records a purchase (double points) and redeems the reward; the member signs in to the portal and
 * sees it all: the points, the history and the voucher; the owner sees it in the console.
 */
describe.runIf(browserAvailable())("main flow: console, point of sale, portal", () => {
  let browser: Browser;
  let web: WebServer;
  let smtp: TestSmtp;

  beforeAll(async () => {
    smtp = await startSmtp();
    [web, browser] = await Promise.all([startWebServer({ SMTP_URL: smtp.url }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await smtp?.close();
  });

  const heading = (page: Page) => page.getByRole("heading", { level: 1 }).textContent();

  it("an owner designs, a cashier sells and redeems, the member sees it all", async () => {
    const program = await web.createProgram("Main Street Coffee");
    // Points spendable at once, so the till can redeem right after the purchase.
    const settings = await web.api("PATCH", "/v1/programs/current", { pendingDays: 0 }, program.key);
    expect(settings.status).toBe(200);

    // 1. The owner, in the console: a standing rule, a double-points campaign and a reward.
    const owner = await openPage(browser, web.base);
    await owner.page.goto(`/admin?program=${program.id}`);
    await signIn(owner.page, program.owner, program.id);
    await expect.poll(() => owner.page.getByRole("navigation", { name: "Console" }).textContent()).toContain("Main Street");
    const design = await createCampaignAndRewardInConsole(owner.page, {
      campaign: { name: "Double points fortnight", factor: 2 },
      reward: { name: "Free latte", sku: "LATTE", costPoints: 100, stock: 50 },
    });
    await checkPage(owner, "flow-1-owner-reward");

    // 2. A member joins on the portal with a phone number and marketing consent.
    const member = await openPage(browser, web.base, { width: 390, height: 844 });
    await member.page.goto(`/portal/${program.id}`);
    await expect.poll(() => heading(member.page)).toBe("Main Street Coffee");
    const email = "grace@example.com";
    const mailed = smtp.received.length;
    await member.page.getByLabel("Email", { exact: true }).fill(email);
    await member.page.getByLabel("Name (optional)").fill("Grace Hopper");
    await member.page.getByLabel("Phone (optional)").fill("+1 202 555 0188");
    await member.page.getByLabel(/Send me news and offers/).check();
    await member.page.getByRole("button", { name: "Join" }).click();
    await expect.poll(() => heading(member.page)).toBe("Sign in to Main Street Coffee");
    await checkPage(member, "flow-2-member-joined");

    // 3. The cashier, at the till on a tablet, by keyboard: phone typed as the customer says it.
    const till = await openPage(browser, web.base, TABLET);
    await till.page.goto(`/pos?program=${program.id}`);
    await signIn(till.page, program.cashier, program.id);
    const lookup = till.page.getByLabel("Phone, card or email");
    await expect.poll(() => lookup.evaluate((el) => el === document.activeElement)).toBe(true);
    await till.page.keyboard.type("(202) 555-0188");
    await till.page.keyboard.press("Enter");
    const panel = till.page.getByRole("region", { name: "Grace Hopper" });
    await expect.poll(() => panel.textContent()).toContain("Available");
    await till.page.keyboard.press("Alt+KeyP");
    await till.page.keyboard.type("60.00");
    await till.page.keyboard.press("Enter");
    // $60 at 1 point per dollar, doubled by the campaign: 120 points.
    await expect.poll(() => till.page.locator("main").textContent()).toContain("+120 points");
    await expect.poll(() => till.page.getByTestId("available").textContent()).toBe("120 pts");
    // The rewards list is re-read after the balance: the screenshot waits for it.
    await expect.poll(() => till.page.getByRole("button", { name: "Redeem Free latte" }).count()).toBe(1);
    await checkPage(till, "flow-3-till-purchase");
    // Alt+R, Enter asks to confirm (points spent are spent), Enter again redeems.
    await till.page.keyboard.press("Alt+KeyR");
    await till.page.keyboard.press("Enter");
    await expect.poll(() => till.page.evaluate(() => document.activeElement?.textContent ?? "")).toContain("Yes, redeem");
    await till.page.keyboard.press("Enter");
    const code = till.page.locator(".pos-voucher-result .pos-code");
    await expect.poll(() => code.count()).toBe(1);
    const voucher = (await code.textContent())?.trim() ?? "";
    await expect.poll(() => till.page.getByTestId("available").textContent()).toBe("20 pts");
    await checkPage(till, "flow-4-till-redeemed");

    // 4. The member signs in with the code mailed when they joined, and sees it all.
    await member.page.getByLabel("Sign-in code").fill(await smtp.codeMailedTo(email, mailed));
    await member.page.getByLabel("Sign-in code").press("Enter");
    await expect.poll(() => heading(member.page)).toBe("Hi, Grace Hopper");
    const points = member.page.getByRole("region", { name: "Your points" });
    await expect.poll(() => points.textContent()).toContain("20 pts");
    await expect.poll(() => member.page.getByRole("region", { name: "Recent activity" }).textContent()).toContain("Free latte");
    await checkPage(member, "flow-5-member-dashboard");
    await member.page.getByRole("navigation", { name: "Your account" }).getByRole("link", { name: "Rewards" }).click();
    await expect.poll(() => member.page.getByRole("region", { name: "Your vouchers" }).textContent()).toContain(voucher);
    await checkPage(member, "flow-6-member-vouchers");

    // 5. The owner sees the member, the campaign's points and the redemption in the console.
    await owner.page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Members" }).click();
    await owner.page
      .getByRole("searchbox")
      .or(owner.page.getByLabel(/Search/))
      .first()
      .fill("Grace");
    await owner.page.keyboard.press("Enter");
    await owner.page.getByRole("link", { name: "Grace Hopper" }).click();
    await expect.poll(() => heading(owner.page)).toContain("Grace Hopper");
    await expect.poll(() => owner.page.locator("main").textContent()).toContain("20 pts");
    await checkPage(owner, "flow-7-owner-member");

    // The ledger agrees with every screen: 120 earned (60 from the campaign), 100 spent, one voucher.
    const found = await web.api("GET", `/v1/members?phone=${encodeURIComponent("+12025550188")}`, undefined, program.key);
    const memberId: string = found.body.data[0].id;
    const balance = await web.api("GET", `/v1/members/${memberId}/balance`, undefined, program.key);
    expect(balance.body).toMatchObject({ available: 20 });
    const events = await web.api("GET", `/v1/members/${memberId}/events`, undefined, program.key);
    const purchase = events.body.data.find((e: { type: string }) => e.type === "purchase");
    expect(purchase.points).toBe(120);
    const vouchers = await web.api("GET", `/v1/members/${memberId}/vouchers`, undefined, program.key);
    expect(vouchers.body.data.map((v: { code: string }) => v.code)).toEqual([voucher]);
    expect(design.rewardId).toBe(vouchers.body.data[0].reward.id);

    for (const t of [owner, till, member]) await t.close();
  });
});
