/**
 * The reward form's draft (its fields' text) and the API's reward, both ways: `rewardDraft` fills
 * the form from a saved reward, `rewardBody` turns it into the body of POST /v1/rewards or
 * PATCH /v1/rewards/{id}. Pure: no React, no requests.
 */
import { currencyDigits, parseAmount } from "../../shared/money.ts";
import type { Reward, RewardType } from "../api/rewards.ts";
import { dayOf, fromMinor, lastDayOf, list, num, str, toMinor } from "./form-values.ts";

export interface RewardDraft {
  type: RewardType;
  name: string;
  description: string;
  amount: string;
  percent: string;
  maxAmount: string;
  sku: string;
  productName: string;
  details: string;
  charity: string;
  costPoints: string;
  /** What one unit costs the business, typed as money in the programme's currency ("2.50"). */
  unitCost: string;
  category: string;
  imageUrl: string;
  status: Reward["status"];
  stock: string;
  limitCount: string;
  limitPeriod: string;
  availableFrom: string;
  availableUntil: string;
  minTierId: string;
  segments: string;
  voucherValidDays: string;
  codeType: "generated" | "pool" | "none";
  codePrefix: string;
  codeLength: string;
}

export function rewardDraft(r: Reward | null, currency: string, timezone: string): RewardDraft {
  const v = (r?.value ?? {}) as Record<string, unknown>;
  const money = (key: string) => fromMinor(v[key] as number | undefined, currency);
  return {
    type: r?.type ?? "discount_amount",
    name: r?.name ?? "",
    description: r?.description ?? "",
    amount: money("amount"),
    percent: str(v.percent as number | undefined),
    maxAmount: money("maxAmount"),
    sku: (v.sku as string) ?? "",
    productName: (v.productName as string) ?? "",
    details: (v.details as string) ?? "",
    charity: (v.charity as string) ?? "",
    costPoints: str(r?.costPoints),
    unitCost: moneyText(r?.unitCost, currency),
    category: r?.category ?? "",
    imageUrl: r?.imageUrl ?? "",
    status: r?.status ?? "active",
    stock: str(r?.stock?.total),
    limitCount: str(r?.memberLimit?.count),
    limitPeriod: r?.memberLimit?.period ?? "month",
    availableFrom: dayOf(r?.availableFrom, timezone),
    availableUntil: lastDayOf(r?.availableUntil, timezone),
    minTierId: r?.minTierId ?? "",
    segments: (r?.segments ?? []).join(", "),
    voucherValidDays: str(r?.voucherValidDays),
    codeType: r?.codeFormat.type ?? "generated",
    codePrefix: r?.codeFormat.type === "generated" ? (r.codeFormat.prefix ?? "") : "",
    codeLength: r?.codeFormat.type === "generated" ? str(r.codeFormat.length) : "12",
  };
}

function termsOf(d: RewardDraft, currency: string): Record<string, unknown> {
  const opt = (key: string, v: unknown) => (v === undefined || v === "" ? {} : { [key]: v });
  switch (d.type) {
    case "discount_amount":
    case "store_credit":
      return { amount: toMinor(d.amount, currency) };
    case "discount_percent":
      return { percent: num(d.percent), ...opt("maxAmount", toMinor(d.maxAmount, currency)) };
    case "free_product":
      return { sku: d.sku, ...opt("productName", d.productName.trim()) };
    case "experience":
      return opt("details", d.details.trim());
    case "donation":
      return { charity: d.charity, ...opt("amount", toMinor(d.amount, currency)) };
  }
}

/** Minor units as the amount a person would type, with the currency's decimals ("1.20"); blank for none. */
export function moneyText(minor: number | null | undefined, currency: string): string {
  if (minor === null || minor === undefined) return "";
  const digits = currencyDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
}

/**
 * What the form can tell before sending, in the words of the field: a unit cost must be an amount
 * of money in the programme's currency, which only the form knows it was typed as.
 */
export function rewardDraftErrors(d: RewardDraft, currency: string): Partial<Record<keyof RewardDraft, string>> {
  const digits = currencyDigits(currency);
  const example = digits === 0 ? "250" : `2.${"50".padEnd(digits, "0")}`;
  if (d.unitCost.trim() !== "" && parseAmount(d.unitCost, currency) === null) {
    return {
      unitCost: `Enter the unit cost as an amount in ${currency}, like ${example}${
        digits > 0 ? ` (at most ${digits} decimals)` : " (no decimals)"
      }, or leave it blank`,
    };
  }
  return {};
}

/** The body: a new reward omits what is blank; an edit sends null to clear it. */
export function rewardBody(d: RewardDraft, currency: string, editing: boolean): Record<string, unknown> {
  const blank = editing ? null : undefined;
  const body: Record<string, unknown> = {
    name: d.name,
    description: d.description.trim() ? d.description : blank,
    value: termsOf(d, currency),
    costPoints: num(d.costPoints),
    unitCost: d.unitCost.trim() ? (parseAmount(d.unitCost, currency) ?? d.unitCost) : blank,
    category: d.category.trim() ? d.category.trim() : blank,
    imageUrl: d.imageUrl.trim() ? d.imageUrl.trim() : blank,
    status: d.status,
    stock: num(d.stock) ?? blank,
    memberLimit: d.limitCount.trim() ? { count: num(d.limitCount), period: d.limitPeriod } : blank,
    availableFrom: d.availableFrom || blank,
    availableUntil: d.availableUntil || blank,
    minTierId: d.minTierId || blank,
    segments: list(d.segments),
    voucherValidDays: num(d.voucherValidDays) ?? blank,
  };
  if (!editing) {
    body.type = d.type;
    body.codeFormat =
      d.codeType === "generated"
        ? { type: "generated", ...(d.codePrefix.trim() && { prefix: d.codePrefix.trim() }), length: num(d.codeLength) ?? 12 }
        : { type: d.codeType };
  }
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}
