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
  tabThrough,
  type WebProgram,
  type WebServer,
} from "../helpers/browser.ts";
import type { Json } from "../helpers/test-app.ts";

/*
 * The console's members and vouchers pages in a real browser: an owner finds members by phone,
 * email, name and external id, pages through the list, opens a member (balance, tier, history,
 * referrals), adjusts points, blocks, unblocks and edits them, enrols one, and looks up and uses
 * a voucher; every change shows without a reload, and mistakes show the API's own messages.
 */

/** Waits for the page (sign-in hashes a password; a loaded machine is slow). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 });

describe.runIf(browserAvailable())("console: members and vouchers", () => {
  let browser: Browser;
  let web: WebServer;
  let program: WebProgram;
  let ada: Json;
  let voucherCode: string;

  const ok = async (res: Promise<{ status: number; body: Json }>, what: string) => {
    const { status, body } = await res;
    if (status >= 300) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
    return body;
  };

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    program = await web.createProgram("Members Coffee");
    const call = (method: string, path: string, body?: unknown) =>
      ok(web.api(method, path, body, program.key), `${method} ${path}`);
    await call("POST", "/v1/rules", {
      name: "1 point per dollar",
      trigger: "purchase",
      effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
    });
    await call("PUT", "/v1/tiers", {
      policy: { metric: "points_earned", window: { type: "lifetime" } },
      tiers: [
        { name: "Bronze", threshold: 0 },
        { name: "Silver", threshold: 500 },
      ],
    });
    ada = await call("POST", "/v1/members", {
      name: "Ada Lovelace",
      email: "ada@example.com",
      phone: "(555) 123-4567",
      externalId: "card-0001",
    });
    await call("POST", "/v1/members", { name: "Ben Referred", email: "ben@example.com", referralCode: ada.referralCode });
    for (let i = 1; i <= 30; i++) {
      await call("POST", "/v1/members", { name: `Shopper ${String(i).padStart(2, "0")}`, email: `shopper${i}@example.com` });
    }
    for (const [id, amount] of [
      ["p-1", 12_000],
      ["p-2", 12_050],
    ] as const) {
      await call("POST", "/v1/events", { id, type: "purchase", memberId: ada.id, amount, storeId: "main-street" });
    }
    const reward = await call("POST", "/v1/rewards", {
      name: "Free latte",
      type: "free_product",
      value: { sku: "LATTE" },
      costPoints: 100,
    });
    const redemption = await call("POST", `/v1/members/${ada.id}/redemptions`, { rewardId: reward.id });
    voucherCode = redemption.vouchers[0].code;
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  /** The message shown for the input labelled `label` (its aria-describedby text). */
  async function fieldMessage(page: Page, label: string): Promise<string> {
    const describedBy = await page.getByLabel(label, { exact: true }).getAttribute("aria-describedby");
    if (!describedBy) return "";
    return (await page.locator(`[id="${describedBy}"]`).textContent()) ?? "";
  }

  const h1 = (page: Page) => page.getByRole("heading", { level: 1 }).textContent();
  const memberRows = (page: Page) => page.locator("tbody tr");

  async function search(page: Page, term: string) {
    await page.getByLabel("Search members").fill(term);
    await page.getByLabel("Search members").press("Enter");
    await poll(() => page.locator("p[aria-live]").textContent()).toContain(term);
  }

  it("an owner finds, pages through, opens and changes members without reloading", async () => {
    const t = await openPage(browser, web.base);
    const { page } = t;
    await page.goto(`/admin/members?program=${program.id}`);
    await signIn(page, program.owner, program.id);
    await poll(() => h1(page)).toContain("Members");
    await poll(() => memberRows(page).count()).toBe(25);
    // The count is of every member, not of the page shown.
    await poll(() => page.locator("p[aria-live]").textContent()).toBe("32 members, oldest first");
    // Oldest first: Ada and Ben, then the shoppers. Tiers come from the ladder.
    expect(await memberRows(page).first().textContent()).toContain("Ada Lovelace");
    await poll(() => memberRows(page).first().textContent()).toContain("Bronze");
    await checkPage(t, "admin-members");
    // By keyboard from the top of the page: the new-member button, the search box, its button, the
    // table (scrollable on a narrow screen) and its rows.
    await page.locator("main").focus();
    const reached = await tabThrough(page, 6);
    expect(reached.slice(0, 3)).toEqual(["button:New member", "input:", "button:Search"]);
    expect(reached.slice(3).join(" ")).toContain("a:Ada Lovelace");

    // Nothing below reloads the page: this mark would be lost.
    await page.evaluate(() => {
      (window as unknown as { __noReload: boolean }).__noReload = true;
    });
    const stillSamePage = () => page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload === true);

    // Two pages of members, by the API's cursor.
    await page.getByRole("button", { name: "Next" }).click();
    await poll(() => page.getByRole("navigation", { name: "Pagination" }).textContent()).toContain("Page 2");
    await poll(() => memberRows(page).count()).toBe(7);
    expect(await page.locator("tbody").textContent()).toContain("Shopper 30");
    expect(await page.getByRole("button", { name: "Next" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Previous" }).click();
    await poll(() => memberRows(page).count()).toBe(25);

    // One search box: phone as typed, email, name, external id.
    for (const term of ["(555) 123-4567", "ada@example.com", "Lovelace", "card-0001"]) {
      await search(page, term);
      await poll(() => memberRows(page).count()).toBe(1);
      expect(await memberRows(page).first().textContent()).toContain("Ada Lovelace");
    }
    await search(page, "Shopper 1");
    await poll(() => memberRows(page).count()).toBe(10); // Shopper 10 to 19
    await poll(() => page.locator("p[aria-live]").textContent()).toBe("10 members match “Shopper 1”");
    await search(page, "Shopper");
    await poll(() => page.locator("p[aria-live]").textContent()).toBe("30 members match “Shopper”");
    expect(await memberRows(page).count()).toBe(25);

    // The member page: balance, tier progress, history.
    await search(page, "Lovelace");
    await page.getByRole("link", { name: "Ada Lovelace" }).click();
    await poll(() => h1(page)).toContain("Ada Lovelace");
    // 120 + 120 points earned, 100 spent on the latte.
    await poll(() => page.getByTestId("available").textContent()).toBe("140 pts");
    const progress = page.getByRole("progressbar", { name: "Progress to Silver" });
    await poll(() => progress.getAttribute("aria-valuenow")).toBe("48");
    expect(await page.getByRole("heading", { name: "Tier", exact: true }).locator("..").textContent()).toContain("Bronze");
    expect(await page.getByRole("heading", { name: "Next reward", exact: true }).locator("..").textContent()).toBeTruthy();
    const history = page.getByRole("tabpanel");
    await poll(() => history.textContent()).toContain("earn");
    expect(await history.textContent()).toContain("capture");
    await checkPage(t, "admin-member");

    await page.getByRole("tab", { name: "Purchases and events" }).click();
    await poll(() => history.textContent()).toContain("$120.50");
    expect(await history.textContent()).toContain("Store main-street");
    await page.getByRole("tab", { name: "Redemptions and vouchers" }).click();
    await poll(() => history.textContent()).toContain(voucherCode);
    expect(await history.textContent()).toContain("Free latte");
    await page.getByRole("tab", { name: "Referrals" }).click();
    await poll(() => history.textContent()).toContain("Ben Referred");
    expect(await history.textContent()).toContain("waiting for a qualifying purchase");
    await page.getByRole("tab", { name: "Points ledger" }).click();

    // A mistake shows the API's own messages next to the fields.
    await page.getByLabel("Points", { exact: true }).fill("0");
    await page.getByRole("button", { name: "Credit points" }).click();
    const refused = await web.api("POST", `/v1/members/${ada.id}/adjustments`, { points: 0, reason: "" }, program.key);
    const issues: Json[] = refused.body.error.details.issues;
    const apiMessage = (path: string) => issues.find((i) => i.path === path)?.message;
    expect(apiMessage("points")).toBe("must not be 0");
    await poll(() => fieldMessage(page, "Points")).toBe(apiMessage("points"));
    expect(await fieldMessage(page, "Reason")).toBe(apiMessage("reason"));
    expect(await page.getByRole("alert").first().textContent()).toBe(refused.body.error.message);

    // A credit with its reason: the new balance and the ledger line appear at once.
    await page.getByLabel("Points", { exact: true }).fill("50");
    await page.getByLabel("Reason", { exact: true }).fill("Goodwill for a spilt latte");
    await page.getByRole("button", { name: "Credit points" }).click();
    await poll(() => page.getByTestId("available").textContent()).toBe("190 pts");
    await poll(() => history.textContent()).toContain("Goodwill for a spilt latte");
    // Who did it, by name: the owner sees themself as "(you)".
    expect(await history.locator("tbody tr").first().textContent()).toContain("Olivia Owner (you)");
    expect(await page.getByRole("status").first().textContent()).toContain("Credited 50 pts");
    // A debit beyond the balance is refused with the API's words.
    await page.getByLabel("Debit (take away)").check();
    await page.getByLabel("Points", { exact: true }).fill("1000");
    await page.getByLabel("Reason", { exact: true }).fill("Too much");
    await page.getByRole("button", { name: "Debit points" }).click();
    await poll(() => page.getByRole("alert").first().textContent()).toMatch(/point/i);
    expect(await page.getByTestId("available").textContent()).toBe("190 pts");

    // Block and unblock, each after a confirmation.
    await page.getByRole("button", { name: "Block member" }).click();
    await page.getByRole("button", { name: "Yes, block" }).click();
    await poll(() => h1(page)).toContain("blocked");
    expect((await web.api("GET", `/v1/members/${ada.id}`, undefined, program.key)).body.status).toBe("blocked");
    await page.getByRole("button", { name: "Unblock member" }).click();
    await page.getByRole("button", { name: "Yes, unblock" }).click();
    await poll(() => h1(page)).toContain("active");

    // Edit the profile: a bad email is the API's message at the field, then a new name.
    await page.getByRole("button", { name: "Edit profile" }).click();
    await page.getByLabel("Email", { exact: true }).fill("not-an-email");
    await page.getByRole("button", { name: "Save profile" }).click();
    const badEmail = await web.api("PATCH", `/v1/members/${ada.id}`, { email: "not-an-email" }, program.key);
    await poll(() => fieldMessage(page, "Email")).toBe(badEmail.body.error.details.issues[0].message);
    await page.getByLabel("Email", { exact: true }).fill("ada@example.com");
    await page.getByLabel("Name", { exact: true }).fill("Ada King");
    await page.getByRole("button", { name: "Save profile" }).click();
    await poll(() => h1(page)).toContain("Ada King");
    expect((await web.api("GET", `/v1/members/${ada.id}`, undefined, program.key)).body.name).toBe("Ada King");

    // Back in the list, the new name shows.
    await page.getByRole("link", { name: "← Members" }).click();
    await search(page, "King");
    await poll(() => memberRows(page).count()).toBe(1);

    expect(await stillSamePage()).toBe(true);
    t.expectNoProblems();
    await t.close();
  });

  it("an owner enrols a member, with the API's messages at the fields", async () => {
    const t = await openPage(browser, web.base);
    const { page } = t;
    await page.goto(`/admin/members?program=${program.id}`);
    await signIn(page, program.owner, program.id);
    await page.getByRole("button", { name: "New member" }).click();
    const form = page.getByRole("form", { name: "New member" });
    await form.getByLabel("Name").fill("Grace Hopper");
    await form.getByLabel("Email").fill("ada@example.com"); // Ada's
    await form.getByLabel("Phone").fill("12");
    await form.getByRole("button", { name: "Enrol member" }).click();
    // In the cashier's words: the field by its label, no "Invalid body:", no "at least 3 characters".
    await poll(() => fieldMessage(page, "Phone")).toBe("Enter a phone number with its area code");
    expect(await page.getByRole("alert").first().textContent()).toBe("Enter a phone number with its area code");
    await checkPage(t, "admin-members-new-phone-message");
    await form.getByLabel("Phone").fill("(555) 987-6543");
    await form.getByRole("button", { name: "Enrol member" }).click();
    // Another member has this email: the 409 names the field.
    await poll(() => fieldMessage(page, "Email")).toBe("Another member of this programme already has this email");
    await checkPage(t, "admin-members-new");
    await form.getByLabel("Email").fill("grace@example.com");
    await form.getByRole("button", { name: "Enrol member" }).click();
    await poll(() => h1(page)).toContain("Grace Hopper");
    expect(await page.getByTestId("available").textContent()).toBe("0 pts");
    expect(await page.locator("main").textContent()).toContain("+15559876543");
    t.expectNoProblems();
    await t.close();
  });

  it("an owner looks a voucher up and uses it, after a confirmation", async () => {
    const t = await openPage(browser, web.base);
    const { page } = t;
    await page.goto(`/admin/vouchers?program=${program.id}`);
    await signIn(page, program.owner, program.id);
    await poll(() => h1(page)).toContain("Vouchers");
    await page.getByLabel("Voucher code").fill("NO-SUCH-CODE");
    await page.getByRole("button", { name: "Look up" }).click();
    await poll(() => page.getByRole("alert").first().textContent()).toContain("not found");

    await page.getByLabel("Voucher code").fill(voucherCode.toLowerCase());
    await page.getByRole("button", { name: "Look up" }).click();
    const panel = page.getByRole("region", { name: voucherCode });
    await poll(() => panel.textContent()).toContain("Valid: it can be used now.");
    expect(await panel.textContent()).toContain("Free latte");
    await poll(() => panel.getByRole("link").textContent()).toContain("Ada");
    await checkPage(t, "admin-vouchers");

    await page.getByRole("button", { name: "Use voucher" }).click();
    await page.getByLabel("Order id (optional)").fill("order-77");
    await page.getByRole("button", { name: "Yes, use it" }).click();
    await poll(() => panel.textContent()).toContain("Not valid: Already used.");
    expect(await panel.textContent()).toContain("order order-77");
    expect((await web.api("GET", `/v1/vouchers/${voucherCode}`, undefined, program.key)).body.status).toBe("used");

    // Cancelling a redemption whose voucher is unused gives the points back.
    const reward = (await web.api("GET", `/v1/vouchers/${voucherCode}`, undefined, program.key)).body.reward;
    const second = await ok(
      web.api("POST", `/v1/members/${ada.id}/redemptions`, { rewardId: reward.id }, program.key),
      "second redemption",
    );
    const before = second.balance.available;
    await page.getByLabel("Voucher code").fill(second.vouchers[0].code);
    await page.getByRole("button", { name: "Look up" }).click();
    const secondPanel = page.getByRole("region", { name: second.vouchers[0].code });
    await poll(() => secondPanel.textContent()).toContain("Valid");
    await page.getByRole("button", { name: "Cancel redemption" }).click();
    await page.getByLabel("Reason (optional)").fill("Changed their mind");
    await page.getByRole("button", { name: "Yes, cancel it" }).click();
    await poll(() => secondPanel.textContent()).toContain("Not valid: Cancelled.");
    expect(await page.getByRole("status").textContent()).toContain("points went back");
    expect((await web.api("GET", `/v1/members/${ada.id}/balance`, undefined, program.key)).body.available).toBe(before + 100);

    // The member link opens the member page, with the points back.
    await secondPanel.getByRole("link").click();
    await poll(() => h1(page)).toContain("Ada");
    await poll(() => page.getByTestId("available").textContent()).toBe(`${before + 100} pts`);
    t.expectNoProblems();
    await t.close();
  });

  it("the member page works on a tablet", async () => {
    const t = await openPage(browser, web.base, TABLET);
    const { page } = t;
    await page.goto(`/admin/members/${ada.id}?program=${program.id}`);
    await signIn(page, program.owner, program.id);
    await poll(() => h1(page)).toContain("Ada");
    await poll(() => page.getByTestId("available").textContent()).toMatch(/^\d+ pts$/);
    await poll(() => page.getByRole("tabpanel").textContent()).toContain("earn");
    // Nothing wider than the screen but the scrolling tables.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await checkPage(t, "admin-member-tablet");
    await t.close();
  });

  it("an owner returns part of a purchase from the member's history, with a reason", async () => {
    const rita = await ok(web.api("POST", "/v1/members", { name: "Rita Return" }, program.key), "member");
    await ok(
      web.api("POST", "/v1/events", { id: "ret-1", type: "purchase", memberId: rita.id, amount: 8_000 }, program.key),
      "purchase",
    );
    const t = await openPage(browser, web.base);
    const { page } = t;
    await page.goto(`/admin/members/${rita.id}?program=${program.id}`);
    await signIn(page, program.owner, program.id);
    await poll(() => h1(page)).toContain("Rita");
    await poll(() => page.getByTestId("available").textContent()).toBe("80 pts");
    await page.getByRole("tab", { name: "Purchases and events" }).click();
    await page.getByRole("button", { name: "Return… purchase ret-1" }).click();
    const form = page.getByRole("form", { name: "Return purchase ret-1" });
    expect(await form.getByLabel("Amount returned (USD)").inputValue()).toBe("80");
    // The reason is asked for before anything is sent.
    await form.getByRole("button", { name: "Return and take points back" }).click();
    await poll(() => form.textContent()).toContain("Say why it is returned");
    await form.getByLabel("Amount returned (USD)").fill("20.50");
    await form.getByLabel("Reason").fill("Damaged mug");
    expect(await form.textContent()).not.toContain("Say why it is returned");
    await checkPage(t, "admin-member-return");
    await form.getByRole("button", { name: "Return and take points back" }).click();
    await poll(() => page.getByRole("tabpanel").textContent()).toContain("Returned $20.50: 21 pts taken back.");
    await poll(() => page.getByTestId("available").textContent()).toBe("59 pts");
    const ledger = await ok(web.api("GET", `/v1/members/${rita.id}/ledger`, undefined, program.key), "ledger");
    expect(ledger.data[0].reason).toMatch(/of purchase ret-1: Damaged mug$/);
    t.expectNoProblems();
    await t.close();
  });
});
