/**
 * Programme design through the console's forms, as an owner or manager would do it: for the
 * browser tests of the design pages and the cross-app main flow (a campaign and a reward made in
 * the console, then used at the point of sale and seen in the portal).
 */
import { DateTime } from "luxon";
import type { Page } from "playwright-core";
import { expect } from "vitest";

/** A small SVG as a data: URL: an image the page can show without the internet (CSP: img-src data:). */
export const REWARD_IMAGE = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#c8a27a"/><circle cx="32" cy="32" r="18" fill="#6f4e37"/></svg>',
)}`;

/** Today in the programme's time zone (YYYY-MM-DD), plus `days`. */
export function programDay(timezone: string, days = 0): string {
  return DateTime.now().setZone(timezone).plus({ days }).toISODate() ?? "";
}

export interface ConsoleDesignOptions {
  timezone?: string;
  /** A standing "1 point per dollar" rule for the campaign's multiplier to double (default true). */
  baseRule?: boolean;
  campaign?: { name?: string; factor?: number; holdoutPercent?: number; budgetPoints?: number; segments?: string };
  reward?: { name?: string; sku?: string; costPoints?: number; stock?: number; imageUrl?: string };
}

export interface ConsoleDesign {
  baseRuleId: string | null;
  campaignId: string;
  campaignRuleName: string;
  rewardId: string;
}

const idFrom = (url: string, kind: string): string => {
  const match = new RegExp(`/admin/${kind}/([a-z]+_[0-9a-z]+)`).exec(url);
  if (!match?.[1]) throw new Error(`no ${kind} id in ${url}`);
  return match[1];
};

/** Fills and submits the console's rule form (`form` scopes it on a page with several forms). */
export async function fillRuleForm(
  page: Page,
  rule: {
    name: string;
    effect: "points_per_amount" | "multiplier" | "fixed_points";
    points?: string;
    per?: string;
    factor?: string;
  },
  formName = "New rule",
): Promise<void> {
  const form = page.getByRole("form", { name: formName });
  await form.getByLabel("Rule name").fill(rule.name);
  await form.getByLabel("Reward", { exact: true }).selectOption(rule.effect);
  if (rule.points !== undefined) await form.getByLabel("Points", { exact: true }).fill(rule.points);
  if (rule.per !== undefined) await form.getByLabel(/^For every/).fill(rule.per);
  if (rule.factor !== undefined) await form.getByLabel("Factor").fill(rule.factor);
}

/**
 * Signed in to the console as an owner or manager, makes by its forms: a standing 1 point per
 * dollar rule, an active campaign from today for 30 days with a multiplier rule (double points
 * by default), and a free-product reward with stock and an image. Returns their ids.
 */
export async function createCampaignAndRewardInConsole(page: Page, options: ConsoleDesignOptions = {}): Promise<ConsoleDesign> {
  const tz = options.timezone ?? "America/New_York";
  let baseRuleId: string | null = null;
  if (options.baseRule !== false) {
    await page.goto("/admin/rules/new");
    await fillRuleForm(page, { name: "1 point per dollar", effect: "points_per_amount", points: "1", per: "1" });
    await page.getByRole("button", { name: "Create rule" }).click();
    await page.waitForURL(/\/admin\/rules\/rul_/);
    baseRuleId = idFrom(page.url(), "rules");
  }

  const c = options.campaign ?? {};
  await page.goto("/admin/campaigns/new");
  const form = page.getByRole("form", { name: "Campaign" });
  await form.getByLabel("Campaign name").fill(c.name ?? "Double points");
  await form.getByLabel("Status").selectOption("active");
  await form.getByLabel("Starts on").fill(programDay(tz));
  await form.getByLabel("Ends on").fill(programDay(tz, 30));
  if (c.segments) await form.getByLabel("Segments").fill(c.segments);
  await form.getByLabel("Holdout (%)").fill(String(c.holdoutPercent ?? 0));
  await form.getByLabel("Budget (points)").fill(String(c.budgetPoints ?? 100_000));
  await form.getByRole("button", { name: "Create campaign" }).click();
  await page.waitForURL(/\/admin\/campaigns\/cmp_/);
  const campaignId = idFrom(page.url(), "campaigns");
  const campaignRuleName = `${c.name ?? "Double points"} rule`;
  await page.getByRole("button", { name: "Add a rule" }).click();
  await fillRuleForm(page, { name: campaignRuleName, effect: "multiplier", factor: String(c.factor ?? 2) });
  await page.getByRole("form", { name: "New rule" }).getByRole("button", { name: "Create rule" }).click();
  await expect
    .poll(() =>
      page
        .getByRole("region", { name: "Rules of this campaign" })
        .getByRole("cell", { name: campaignRuleName, exact: true })
        .count(),
    )
    .toBe(1);

  const r = options.reward ?? {};
  await page.goto("/admin/rewards/new");
  const rewardForm = page.getByRole("form", { name: "New reward" });
  await rewardForm.getByLabel("Reward name").fill(r.name ?? "Free latte");
  await rewardForm.getByLabel("Reward type").selectOption("free_product");
  await rewardForm.getByLabel("Product SKU").fill(r.sku ?? "LATTE");
  await rewardForm.getByLabel("Cost (points)").fill(String(r.costPoints ?? 100));
  await rewardForm.getByLabel("Stock").fill(String(r.stock ?? 50));
  await rewardForm.getByLabel("Image URL").fill(r.imageUrl ?? REWARD_IMAGE);
  await rewardForm.getByRole("button", { name: "Create reward" }).click();
  await page.waitForURL(/\/admin\/rewards\/rwd_/);
  return { baseRuleId, campaignId, campaignRuleName, rewardId: idFrom(page.url(), "rewards") };
}
