import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  browserAvailable,
  checkPage,
  launchBrowser,
  openPage,
  PASSWORD,
  signIn,
  startWebServer,
  TABLET,
  tabThrough,
  type WebProgram,
  type WebServer,
} from "../helpers/browser.ts";

/*
 * The owner's console pages: settings, the audit log, API keys and staff; and who may not open
 * them (cashiers, managers), in the console and at the API with the browser's own session.
 */

/** A request with the page's own cookie (and the session's CSRF token on changes): status and body. */
async function fetchAs(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const session = await fetch("/auth/session").then((r) => r.json());
      const res = await fetch(path, {
        method,
        headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken ?? "" },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    { method, path, body },
  );
}

const heading = (page: Page) => page.getByRole("heading", { level: 1 });

describe.runIf(browserAvailable())("the owner's console pages", () => {
  let browser: Browser;
  let web: WebServer;
  let program: WebProgram;
  let other: WebProgram;
  const cashierEmail = `new-cashier-${Date.now()}@example.com`;

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    program = await web.createProgram("Owner Coffee");
    other = await web.createProgram("Other Bakery");
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  it("an owner changes a setting, sees it in the audit log, creates an API key and adds a cashier", async () => {
    const t = await openPage(browser, web.base);
    const { page } = t;
    await page.goto(`/admin?program=${program.id}`);
    await signIn(page, program.owner, program.id);
    const nav = page.getByRole("navigation", { name: "Console" });
    await expect.poll(() => nav.textContent()).toContain("Owner Coffee");

    // Settings: a field's own validation message, then a saved change.
    await nav.getByRole("link", { name: "Settings" }).click();
    await expect.poll(() => heading(page).textContent()).toBe("Settings");
    const pendingDays = page.getByLabel("Pending days");
    await expect.poll(() => pendingDays.inputValue()).toBe("0");
    await checkPage(t, "console-settings");
    const reached = await tabThrough(page, 8);
    expect(reached.length).toBeGreaterThan(4);
    await pendingDays.fill("400");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect.poll(() => page.getByText("must be at most 365").count()).toBeGreaterThan(0);
    expect(await pendingDays.getAttribute("aria-invalid")).toBe("true");
    await pendingDays.fill("14");
    await page.getByLabel("Return policy").selectOption("pending_only");
    // The largest purchase accepted, in dollars (the API's minor units shown as money).
    const maxPurchase = page.getByLabel("Largest purchase accepted (USD)");
    expect(await maxPurchase.inputValue()).toBe("10000");
    await maxPurchase.fill("2,500.50");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Settings saved");
    const saved = await web.api("GET", "/v1/programs/current", undefined, program.key);
    expect(saved.body).toMatchObject({ pendingDays: 14, returnPolicy: "pending_only", maxPurchaseAmount: 250_050 });
    await checkPage(t, "console-settings-saved");

    // The audit log: who, what, and the fields before and after.
    await nav.getByRole("link", { name: "Audit log" }).click();
    await expect.poll(() => heading(page).textContent()).toBe("Audit log");
    const firstRow = page.locator("tbody tr").first();
    await expect.poll(() => firstRow.textContent()).toContain("PATCH /v1/programs/current");
    expect(await firstRow.textContent()).toContain("Olivia Owner");
    await firstRow.getByRole("button", { name: "Show changes" }).click();
    const changes = page.getByRole("table", { name: "Changed fields" });
    const pendingRow = changes.getByRole("row").filter({ hasText: "pendingDays" });
    await expect.poll(() => pendingRow.textContent()).toMatch(/pendingDays\s*0\s*14/);
    expect(await changes.getByRole("row").filter({ hasText: "returnPolicy" }).textContent()).toMatch(
      /available_only\s*pending_only/,
    );
    await checkPage(t, "console-audit");
    // Filtered by an action that did not happen: nothing.
    await page.getByLabel("Action").fill("DELETE /v1/nothing");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await expect.poll(() => page.getByText("No changes match.").count()).toBe(1);

    // API keys: the secret shown once, with a copy button.
    await nav.getByRole("link", { name: "API keys" }).click();
    await expect.poll(() => heading(page).textContent()).toBe("API keys");
    await page.getByLabel("Key name").fill("Till 1");
    await page.getByLabel("Scope").selectOption("pos");
    await page.getByRole("button", { name: "Create key" }).click();
    const secretBox = page.getByTestId("api-key-secret");
    await expect.poll(() => secretBox.count()).toBe(1);
    const secret = (await secretBox.textContent()) ?? "";
    expect(secret).toMatch(/^sb_pos_/);
    expect(await page.getByRole("button", { name: "Copy secret" }).isVisible()).toBe(true);
    await checkPage(t, "console-api-key-created");
    expect((await web.api("GET", "/v1/members", undefined, secret)).status).toBe(200);
    await page.getByRole("button", { name: "Done" }).click();
    await expect.poll(() => secretBox.count()).toBe(0);
    await expect.poll(() => page.locator("tbody").textContent()).toContain("Till 1");
    expect(await page.content()).not.toContain(secret);
    await page.getByRole("button", { name: "Revoke Till 1" }).click();
    await page.getByRole("button", { name: "Yes, revoke" }).click();
    await expect.poll(() => page.locator("tbody tr").filter({ hasText: "Till 1" }).textContent()).toContain("revoked");
    expect((await web.api("GET", "/v1/members", undefined, secret)).status).toBe(401);
    await checkPage(t, "console-api-keys");

    // Staff: a new cashier.
    await nav.getByRole("link", { name: "Staff", exact: true }).click();
    await expect.poll(() => heading(page).textContent()).toBe("Staff");
    await page.getByLabel("Email").fill(cashierEmail);
    await page.getByLabel("Name", { exact: true }).fill("Nia New");
    await page.getByLabel("Role", { exact: true }).selectOption("cashier");
    await page.getByLabel("Initial password").fill("short");
    await page.getByRole("button", { name: "Add staff member" }).click();
    await expect.poll(() => page.getByText("must be at least 12 characters").count()).toBeGreaterThan(0);
    await page.getByLabel("Initial password").fill(PASSWORD);
    await page.getByRole("button", { name: "Add staff member" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Nia New was added as cashier");
    const row = page.locator("tbody tr").filter({ hasText: cashierEmail });
    expect(await row.getByLabel("Role of Nia New").inputValue()).toBe("cashier");
    await checkPage(t, "console-staff");
    // The owner cannot demote themself while they are the last owner: the API's message is shown.
    await page.getByLabel("Role of Olivia Owner").selectOption("manager");
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("last active owner");
    await expect.poll(() => page.getByLabel("Role of Olivia Owner").inputValue()).toBe("owner");

    // A session of this programme cannot see another programme's member.
    const created = await web.api("POST", "/v1/members", { email: "b-member@example.com" }, other.key);
    expect(created.status).toBe(201);
    expect((await fetchAs(page, "GET", `/v1/members/${created.body.id}`)).status).toBe(404);
    await t.close();
  });

  it("the settings page works on a tablet", async () => {
    const t = await openPage(browser, web.base, TABLET);
    await t.page.goto(`/admin/settings?program=${program.id}`);
    await signIn(t.page, program.owner, program.id);
    await expect.poll(() => heading(t.page).textContent()).toBe("Settings");
    await expect.poll(() => t.page.getByLabel("Pending days").inputValue()).toBe("14");
    await checkPage(t, "console-settings-tablet");
    // A short page: the navigation bar keeps its own height (it once stretched to half the screen).
    await t.page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "API keys" }).click();
    await expect.poll(() => heading(t.page).textContent()).toBe("API keys");
    const bar = await t.page.getByRole("navigation", { name: "Console" }).evaluate((el) => el.getBoundingClientRect().height);
    expect(bar, "the navigation bar's height on a tablet").toBeLessThan(250);
    await checkPage(t, "console-api-keys-tablet");
    await t.close();
  });

  it("a cashier cannot open settings or staff, and the API refuses their session", async () => {
    const t = await openPage(browser, web.base);
    const { page } = t;
    await page.goto(`/admin?program=${program.id}`);
    await signIn(page, cashierEmail, program.id);
    await expect.poll(() => heading(page).textContent()).toContain("for owners and managers");
    for (const path of ["/admin/settings", "/admin/staff"]) {
      await page.goto(path);
      await expect.poll(() => heading(page).textContent()).toContain("for owners and managers");
      expect(await page.getByLabel("Pending days").count()).toBe(0);
    }
    await checkPage(t, "console-cashier-no-access");
    const staff = await fetchAs(page, "GET", "/v1/staff");
    expect(staff.status).toBe(403);
    const patch = await fetchAs(page, "PATCH", "/v1/programs/current", { pendingDays: 0 });
    expect(patch.status).toBe(403);
    expect(patch.body).toMatchObject({ error: { code: "forbidden" } });
    expect((await web.api("GET", "/v1/programs/current", undefined, program.key)).body.pendingDays).toBe(14);
    await t.close();
  });

  it("a manager sees No access on staff and settings", async () => {
    const t = await openPage(browser, web.base);
    const { page } = t;
    await page.goto(`/admin?program=${program.id}`);
    await signIn(page, program.manager, program.id);
    const nav = page.getByRole("navigation", { name: "Console" });
    await expect.poll(() => nav.textContent()).toContain("Audit log");
    expect(await nav.getByRole("link", { name: "Staff", exact: true }).count()).toBe(0);
    for (const path of ["/admin/staff", "/admin/settings"]) {
      await page.goto(path);
      await expect.poll(() => heading(page).textContent()).toBe("No access");
    }
    await checkPage(t, "console-manager-no-access");
    expect((await fetchAs(page, "GET", "/v1/staff")).status).toBe(403);
    expect((await fetchAs(page, "GET", "/v1/audit")).status).toBe(200);
    await t.close();
  });
});
