/**
 * The console's programme design pages in a real browser: an owner makes an earn rule with a
 * condition, a campaign (schedule, audience, holdout, budget) with its double-points rule, tries
 * an example event and runs a backtest, edits the tier ladder (and meets the 409 for a tier
 * members hold), and adds a reward with stock and an image; every form by its labels, the API's
 * own messages next to the fields, and what was typed checked through the API.
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
  TABLET,
  type TestPage,
  tabThrough,
  type WebProgram,
  type WebServer,
} from "../helpers/browser.ts";
import { createCampaignAndRewardInConsole, fillRuleForm, programDay, REWARD_IMAGE } from "../helpers/console-design.ts";

const TZ = "America/New_York";

describe.runIf(browserAvailable())("console: rules, campaigns, tiers and rewards", () => {
  let browser: Browser;
  let web: WebServer;

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
  });

  async function ownerPage(program: WebProgram, viewport?: typeof TABLET): Promise<TestPage> {
    const t = await openPage(browser, web.base, viewport);
    await t.page.goto(`/admin?program=${program.id}`);
    await signIn(t.page, program.owner, program.id);
    await expect.poll(() => t.page.getByRole("navigation", { name: "Console" }).isVisible()).toBe(true);
    return t;
  }

  /** The error shown under the field labelled `label` inside `scope`. */
  const fieldError = (t: TestPage, label: string) =>
    t.page.locator(".field", { has: t.page.getByLabel(label, { exact: true }) }).locator(".error");

  it("an owner designs the programme by forms", { timeout: 180_000 }, async () => {
    const program = await web.createProgram("Design Coffee");
    const api = (method: string, path: string, body?: unknown) => web.api(method, path, body, program.key);
    const t = await ownerPage(program);
    const { page } = t;

    // -- an earn rule with a condition ----------------------------------------------------------
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Earn rules" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Earn rules");
    await checkPage(t, "admin-rules");
    await page.getByRole("link", { name: "New rule" }).click();
    await fillRuleForm(page, { name: "1 point per dollar", effect: "points_per_amount", points: "1", per: "1" });
    const ruleForm = page.getByRole("form", { name: "New rule" });
    await ruleForm.getByRole("button", { name: "Add a condition" }).click();
    await ruleForm.getByLabel("Condition type").selectOption("min_amount");
    // The API's message for conditions.0.amount shows next to the row's input.
    await ruleForm.getByLabel("Minimum amount (USD)").fill("-1");
    await ruleForm.getByRole("button", { name: "Create rule" }).click();
    await expect.poll(() => fieldError(t, "Minimum amount (USD)").textContent()).toBe("must be at least 0");
    await ruleForm.getByLabel("Minimum amount (USD)").fill("5");
    await ruleForm.getByLabel("Per-member limit").selectOption("day");
    await ruleForm.getByLabel("Most points in the period").fill("500");
    await ruleForm.getByLabel("Priority").fill("10");
    await checkPage(t, "admin-rule-edit");
    await ruleForm.getByRole("button", { name: "Create rule" }).click();
    await page.waitForURL(/\/admin\/rules\/rul_/);
    await expect.poll(() => page.getByText("Rule created.").isVisible()).toBe(true);
    const rules = (await api("GET", "/v1/rules")).body.data;
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      name: "1 point per dollar",
      trigger: "purchase",
      status: "active",
      priority: 10,
      conditions: [{ type: "min_amount", amount: 500 }],
      effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
      limits: { perMember: { period: "day", maxPoints: 500 } },
      campaignId: null,
    });
    // Editing saves a new version, listed under Versions.
    await page.getByLabel("Rule name").fill("1 point per dollar over $5");
    await page.getByRole("button", { name: "Save rule" }).click();
    await expect.poll(() => page.getByText("Saved: version 2.").isVisible()).toBe(true);
    await expect.poll(() => page.getByRole("region", { name: "Versions" }).getByRole("row").count()).toBe(3);
    // An example event on the standing rules, right on the rule's page: $4 is under the condition's $5.
    const ruleExample = page.getByRole("form", { name: "Example event" });
    const ruleTried = page.getByRole("region", { name: "Try an example event" });
    await ruleExample.getByLabel("Example amount (USD)").fill("12.99");
    await ruleExample.getByRole("button", { name: "Try it" }).click();
    await expect
      .poll(() => ruleTried.locator(".stat", { hasText: "Points earned" }).locator(".value").textContent())
      .toBe("12 pts");
    await ruleExample.getByLabel("Example amount (USD)").fill("4");
    await ruleExample.getByRole("button", { name: "Try it" }).click();
    await expect
      .poll(() => ruleTried.locator(".stat", { hasText: "Points earned" }).locator(".value").textContent())
      .toBe("0 pts");
    await expect.poll(() => ruleTried.getByText(/Condition not met/).count()).toBe(1);

    // -- a campaign: validation messages next to the fields, then created ----------------------
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Campaigns" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Campaigns");
    await page.getByRole("link", { name: "New campaign" }).click();
    const form = page.getByRole("form", { name: "Campaign" });
    await form.getByLabel("Campaign name").focus();
    const reached = await tabThrough(page, 10);
    expect(reached.length).toBeGreaterThanOrEqual(8);

    const emptyName = (await api("POST", "/v1/campaigns", { name: "" })).body.error;
    await form.getByRole("button", { name: "Create campaign" }).click();
    await expect.poll(() => fieldError(t, "Campaign name").textContent()).toBe(emptyName.details.issues[0].message);
    await expect.poll(() => form.getByRole("alert").textContent()).toBe(emptyName.message);

    await form.getByLabel("Campaign name").fill("Double points week");
    await form.getByLabel("Status").selectOption("active");
    await form.getByLabel("Starts on").fill(programDay(TZ, -3));
    await form.getByLabel("Ends on").fill(programDay(TZ, 30));
    await form.getByLabel("Segments").fill("vip, regulars");
    await form.getByLabel("Holdout (%)").fill("10");
    await form.getByLabel("Budget (points)").fill("-1");
    const badBudget = (await api("POST", "/v1/campaigns", { name: "x", budgetPoints: -1 })).body.error;
    await form.getByRole("button", { name: "Create campaign" }).click();
    await expect
      .poll(() => fieldError(t, "Budget (points)").textContent())
      .toBe(badBudget.details.issues.find((i: { path: string }) => i.path === "budgetPoints").message);
    expect(await form.getByLabel("Budget (points)").getAttribute("aria-invalid")).toBe("true");
    await form.getByLabel("Budget (points)").fill("5000");
    await form.getByRole("button", { name: "Create campaign" }).click();
    await page.waitForURL(/\/admin\/campaigns\/cmp_/);
    const campaignId = /campaigns\/(cmp_[0-9a-z]+)/.exec(page.url())?.[1] ?? "";

    // Its rule, through the same rule editor.
    await page.getByRole("button", { name: "Add a rule" }).click();
    await fillRuleForm(page, { name: "Double points", effect: "multiplier", factor: "2" });
    await page.getByRole("form", { name: "New rule" }).getByRole("button", { name: "Create rule" }).click();
    const campaignRules = page.getByRole("region", { name: "Rules of this campaign" });
    await expect.poll(() => campaignRules.getByRole("cell", { name: "Double points", exact: true }).count()).toBe(1);

    const campaign = (await api("GET", `/v1/campaigns/${campaignId}`)).body;
    expect(campaign).toMatchObject({
      name: "Double points week",
      status: "active",
      running: true,
      audience: [{ type: "segment", in: ["vip", "regulars"] }],
      holdoutPercent: 10,
      budget: { points: 5000, spent: 0, remaining: 5000 },
    });
    const midnight = DateTime.fromISO(programDay(TZ, -3), { zone: TZ }).toMillis();
    expect(new Date(campaign.startsAt).getTime()).toBe(midnight);
    const campaignRule = (await api("GET", `/v1/rules?campaignId=${campaignId}`)).body.data;
    expect(campaignRule).toMatchObject([{ name: "Double points", effect: { type: "multiplier", factor: 2 }, campaignId }]);

    // -- try an example event ---------------------------------------------------------------------
    const example = page.getByRole("form", { name: "Example event" });
    await example.getByLabel("Example amount (USD)").fill("25.50");
    await example.getByLabel("Member's segments").fill("vip");
    await example.getByRole("button", { name: "Try it" }).click();
    const tried = page.getByRole("region", { name: "Try an example event" });
    await expect.poll(() => tried.locator(".stat", { hasText: "Points earned" }).locator(".value").textContent()).toBe("50 pts");
    await expect
      .poll(() => tried.locator(".stat", { hasText: "From this campaign" }).locator(".value").textContent())
      .toBe("25 pts");
    await expect.poll(() => tried.getByText("x2 on 25 base points").count()).toBeGreaterThan(0);
    // Outside the audience: the campaign gives nothing, and says why.
    await example.getByLabel("Member's segments").fill("");
    await example.getByRole("button", { name: "Try it" }).click();
    await expect.poll(() => tried.locator(".stat", { hasText: "Points earned" }).locator(".value").textContent()).toBe("25 pts");
    await expect.poll(() => tried.getByText("Not in the campaign's audience").count()).toBe(1);

    // -- a backtest over purchases already received --------------------------------------------
    const members: string[] = [];
    for (let i = 0; i < 6; i++) {
      const m = await api("POST", "/v1/members", { email: `m${i}@example.com`, attributes: { segments: ["vip"] } });
      members.push(m.body.id);
      const e = await api("POST", "/v1/events", { id: `p-${i}`, type: "purchase", memberId: m.body.id, amount: 2_000 + i * 100 });
      expect(e.status).toBe(201);
    }
    const backtest = page.getByRole("form", { name: "Backtest" });
    await backtest.getByLabel("Backtest from").fill(programDay(TZ, -7));
    await backtest.getByLabel("Backtest to").fill(programDay(TZ));
    await backtest.getByRole("button", { name: "Run backtest" }).click();
    const expected = (
      await api("POST", `/v1/campaigns/${campaignId}/backtest`, {
        from: new Date(Date.now() - 8 * 86_400_000).toISOString(),
        to: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      })
    ).body;
    expect(expected.eventsReplayed).toBe(12); // six sign-ups and six purchases
    const results = page.getByRole("region", { name: "Backtest" });
    const stat = (label: string) => results.locator(".stat", { hasText: label }).locator(".value");
    await expect.poll(() => stat("Members reached").textContent()).toBe(String(expected.membersReached));
    expect(await stat("Points").textContent()).toBe(`${expected.points} pts`);
    expect(await stat("Cost").textContent()).toContain(String(expected.cost.amount));
    expect(await stat("Events rewarded").textContent()).toBe(String(expected.eventsRewarded));
    await checkPage(t, "admin-campaign-edit");

    await page.getByRole("link", { name: "← Campaigns" }).click();
    await expect.poll(() => page.getByRole("link", { name: "Double points week" }).isVisible()).toBe(true);
    await checkPage(t, "admin-campaigns");

    // -- the tier ladder ----------------------------------------------------------------------------
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Tiers" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Tiers");
    const tiersForm = page.getByRole("form", { name: "Tier ladder" });
    await tiersForm.getByLabel("Tiers are reached by").selectOption("points_earned");
    await tiersForm.getByLabel("Months counted").fill("12");
    await tiersForm.getByLabel("Grace days").fill("30");
    const tier = (n: number) => tiersForm.getByRole("group", { name: new RegExp(`^Tier ${n}`) });
    const addTier = async (name: string, threshold: string, multiplier = "1", benefits = "") => {
      await tiersForm.getByRole("button", { name: "Add a tier" }).click();
      const row = tiersForm.getByRole("group").last();
      await row.getByLabel("Tier name").fill(name);
      await row.getByLabel(/^Threshold/).fill(threshold);
      await row.getByLabel("Earn multiplier").fill(multiplier);
      if (benefits) await row.getByLabel("Benefits (one per line)").fill(benefits);
    };
    await addTier("Bronze", "0");
    await addTier("Gold", "1000", "2", "Free upsize\nBirthday cake");
    await addTier("Silver", "500", "1.5", "Free refill");
    // Silver was added last: move it down one rung, below Gold.
    await tier(3).getByRole("button", { name: "Move tier 3 down the ladder" }).click();
    expect(await tier(2).getByLabel("Tier name").inputValue()).toBe("Silver");
    await tiersForm.getByRole("button", { name: "Save tiers" }).click();
    await expect.poll(() => page.getByText("Tier ladder saved.").isVisible()).toBe(true);
    const ladder = (await api("GET", "/v1/tiers")).body;
    expect(ladder.policy).toEqual({
      metric: "points_earned",
      window: { type: "rolling_months", months: 12 },
      periodMonths: 12,
      graceDays: 30,
    });
    expect(
      ladder.tiers.map((x: { name: string; threshold: number; earnMultiplier: number; benefits: string[] }) => [
        x.name,
        x.threshold,
        x.earnMultiplier,
        x.benefits,
      ]),
    ).toEqual([
      ["Bronze", 0, 1, []],
      ["Silver", 500, 1.5, ["Free refill"]],
      ["Gold", 1000, 2, ["Free upsize", "Birthday cake"]],
    ]);
    // A member holds Silver: removing it is refused with the API's 409, shown on the page.
    const silverId = ladder.tiers[1].id;
    expect((await api("POST", `/v1/members/${members[0]}/tier`, { tierId: silverId, reason: "VIP" })).status).toBe(200);
    await tier(2).getByRole("button", { name: "Remove tier 2" }).click();
    await tiersForm.getByRole("button", { name: "Save tiers" }).click();
    await expect.poll(() => tiersForm.getByRole("alert").textContent()).toMatch(/Members still hold Silver \(1\)/);
    await checkPage(t, "admin-tiers");
    expect((await api("GET", "/v1/tiers")).body.tiers).toHaveLength(3);

    // -- a reward with stock and an image ------------------------------------------------------------
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Rewards" }).click();
    await page.getByRole("link", { name: "New reward" }).click();
    const rewardForm = page.getByRole("form", { name: "New reward" });
    await rewardForm.getByLabel("Reward name").fill("Free latte");
    await rewardForm.getByLabel("Reward type").selectOption("free_product");
    await rewardForm.getByLabel("Product SKU").fill("LATTE");
    await rewardForm.getByLabel("Product name").fill("Latte, any size");
    await rewardForm.getByLabel("Cost (points)").fill("150");
    await rewardForm.getByLabel("Stock").fill("40");
    await rewardForm.getByLabel("Per-member limit").fill("2");
    await rewardForm.getByLabel("Limit period").selectOption("month");
    await rewardForm.getByLabel("Minimum tier").selectOption({ label: "Silver and above" });
    await rewardForm.getByLabel("Voucher valid for (days)").fill("30");
    await rewardForm.getByLabel("Image URL").fill(REWARD_IMAGE);
    const preview = rewardForm.getByRole("img", { name: "Preview of Free latte" });
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await checkPage(t, "admin-reward-edit");
    await rewardForm.getByRole("button", { name: "Create reward" }).click();
    await page.waitForURL(/\/admin\/rewards\/rwd_/);
    const rewardId = /rewards\/(rwd_[0-9a-z]+)/.exec(page.url())?.[1] ?? "";
    expect((await api("GET", `/v1/rewards/${rewardId}`)).body).toMatchObject({
      name: "Free latte",
      type: "free_product",
      value: { sku: "LATTE", productName: "Latte, any size" },
      costPoints: 150,
      stock: { total: 40, remaining: 40 },
      memberLimit: { count: 2, period: "month" },
      minTierId: silverId,
      voucherValidDays: 30,
      imageUrl: REWARD_IMAGE,
      status: "active",
    });
    await page.getByRole("link", { name: "← Rewards" }).click();
    const thumb = page.getByRole("img", { name: "Free latte" });
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await page.getByRole("row", { name: /Free latte/ }).textContent()).toContain("40 of 40");
    await checkPage(t, "admin-rewards");

    // -- a pool reward: codes imported from the textarea ----------------------------------------------
    await page.getByRole("link", { name: "New reward" }).click();
    const poolForm = page.getByRole("form", { name: "New reward" });
    await poolForm.getByLabel("Reward name").fill("Partner voucher");
    await poolForm.getByLabel("Reward type").selectOption("discount_amount");
    await poolForm.getByLabel("Discount amount (USD)").fill("5");
    await poolForm.getByLabel("Cost (points)").fill("300");
    await poolForm.getByLabel("Voucher codes").selectOption("pool");
    await poolForm.getByRole("button", { name: "Create reward" }).click();
    await page.waitForURL(/\/admin\/rewards\/rwd_/);
    await page.getByLabel("Codes to import (one per line)").fill("PARTNER-0001\nPARTNER-0002\nPARTNER-0002\nPARTNER-0003");
    await page.getByRole("button", { name: "Import codes" }).click();
    await expect.poll(() => page.getByText(/Imported 3 codes/).isVisible()).toBe(true);
    const poolId = /rewards\/(rwd_[0-9a-z]+)/.exec(page.url())?.[1] ?? "";
    expect((await api("GET", `/v1/rewards/${poolId}`)).body).toMatchObject({ codesAvailable: 3, value: { amount: 500 } });
    await t.close();

    // -- the campaign form on a tablet ------------------------------------------------------------------
    const tablet = await ownerPage(program, TABLET);
    await tablet.page.goto(`/admin/campaigns/${campaignId}`);
    await expect.poll(() => tablet.page.getByLabel("Campaign name").inputValue()).toBe("Double points week");
    expect(await tablet.page.getByLabel("Starts on").inputValue()).toBe(programDay(TZ, -3));
    expect(await tablet.page.getByLabel("Ends on").inputValue()).toBe(programDay(TZ, 30));
    const overflow = await tablet.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, "no sideways scrolling on a tablet").toBeLessThanOrEqual(0);
    await checkPage(tablet, "admin-campaign-edit-tablet");
    await tablet.close();
  });

  it("createCampaignAndRewardInConsole makes a live campaign and a reward a purchase can use", { timeout: 120_000 }, async () => {
    const program = await web.createProgram("Helper Coffee");
    const api = (method: string, path: string, body?: unknown) => web.api(method, path, body, program.key);
    const t = await ownerPage(program);
    const made = await createCampaignAndRewardInConsole(t.page);
    t.expectNoProblems();
    await t.close();
    const member = (await api("POST", "/v1/members", { phone: "(555) 123-4567" })).body.id;
    const earned = await api("POST", "/v1/events", { id: "helper-1", type: "purchase", memberId: member, amount: 6_000 });
    expect(earned.body.points.total).toBe(120);
    expect(earned.body.contributions.map((c: { campaignId: string | null }) => c.campaignId)).toContain(made.campaignId);
    const redeemed = await api("POST", `/v1/members/${member}/redemptions`, { rewardId: made.rewardId });
    expect(redeemed.status).toBe(201);
  });
});
