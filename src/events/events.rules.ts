import type { ExpiryPolicy } from "../db/schema.ts";
import type { Contribution } from "../earning/earning.types.ts";
import { formatMoney } from "../earning/money.rules.ts";
import type { CreditPart } from "../ledger/credits.rules.ts";
import { expiryFor, pendingUntil } from "../programs/programs.rules.ts";
import { DomainError } from "../shared/errors.ts";

/** `total * part / whole`, rounded half up, in exact integers. */
export function share(total: number, part: number, whole: number): number {
  if (whole === 0) return 0;
  const n = BigInt(total) * BigInt(part);
  const d = BigInt(whole);
  return Number((2n * n + d) / (2n * d));
}

export interface ReturnBasis {
  amount: number;
  /** Points the purchase's rules gave. */
  points: number;
  returnedAmount: number;
  clawedBack: number;
  sources: { account: "issued" | "partner"; partnerId: string | null; points: number }[];
  campaigns: { campaignId: string; points: number }[];
}

export interface ReturnPlan {
  totalReturned: number;
  totalTakenBack: number;
  take: number;
  sources: { account: "issued" | "partner"; partnerId: string | null; points: number }[];
  /** Points each budgeted campaign gets back. */
  campaignRefunds: { campaignId: string; points: number }[];
  explanation: string;
}

/**
 * How many points a return takes back: the purchase's points in proportion to the share of its
 * amount returned so far (rounded half up), minus what earlier returns took. Computed on the
 * running total, so partial returns add up exactly to the points given and never exceed them.
 * Each funding account (and each campaign budget) gets back its own share the same way.
 */
export function planReturn(basis: ReturnBasis, returned: number, currency: string): ReturnPlan {
  const totalReturned = basis.returnedAmount + returned;
  if (totalReturned > basis.amount) {
    throw new DomainError(
      "unprocessable",
      `Returns would total ${formatMoney(totalReturned, currency)}, more than the purchase's ${formatMoney(basis.amount, currency)}`,
      { field: "amount", purchaseAmount: basis.amount, alreadyReturned: basis.returnedAmount },
    );
  }
  const totalTakenBack = Math.min(basis.points, share(basis.points, totalReturned, basis.amount));
  const take = Math.max(0, totalTakenBack - basis.clawedBack);
  const portion = (part: number) =>
    Math.max(0, share(part, totalTakenBack, basis.points) - share(part, basis.clawedBack, basis.points));
  const partner = basis.sources.filter((s) => s.account === "partner").map((s) => ({ ...s, points: portion(s.points) }));
  const partnerPoints = partner.reduce((sum, s) => sum + s.points, 0);
  const sources = [
    ...partner.filter((s) => s.points > 0),
    ...(take - partnerPoints > 0 ? [{ account: "issued" as const, partnerId: null, points: take - partnerPoints }] : []),
  ];
  const campaignRefunds = basis.campaigns
    .map((c) => ({ campaignId: c.campaignId, points: portion(c.points) }))
    .filter((c) => c.points > 0);
  const explanation =
    `Returned ${formatMoney(returned, currency)} of a ${formatMoney(basis.amount, currency)} purchase ` +
    `(${formatMoney(totalReturned, currency)} in all): ${take} of its ${basis.points} points taken back`;
  return { totalReturned, totalTakenBack, take, sources, campaignRefunds, explanation };
}

/** When points earned by an event become available and expire, under the rule's overrides if any. */
export function creditTiming(
  program: { timezone: string; pendingDays: number; pointsExpiry: ExpiryPolicy },
  override: { pendingDays: number | null; expiry: ExpiryPolicy | null },
  occurredAt: Date,
  now: Date,
): { availableAt: Date; expiresAt: Date | null } {
  // Both run from when the event occurred, so a late-posted event gets the dates it would have had
  // on time: the pending period (a return window) from the purchase, the expiry from when it was earned.
  const availableAt = pendingUntil(override.pendingDays ?? program.pendingDays, occurredAt, program.timezone);
  const expiresAt = expiryFor(override.expiry ?? program.pointsExpiry, occurredAt, program.timezone);
  return { availableAt: availableAt > now ? availableAt : now, expiresAt };
}

/** Groups contributions into credit parts: one lot per funding, availability and expiry. */
export function creditPartsFor(
  contributions: Pick<Contribution, "points" | "fundedBy" | "pendingDays" | "expiry">[],
  partnerId: string | null,
  program: { timezone: string; pendingDays: number; pointsExpiry: ExpiryPolicy },
  occurredAt: Date,
  now: Date,
): { parts: CreditPart[]; timing: { availableAt: Date; expiresAt: Date | null }[] } {
  const parts = new Map<string, CreditPart>();
  const timing = contributions.map((c) => creditTiming(program, c, occurredAt, now));
  contributions.forEach((c, i) => {
    const t = timing[i];
    if (!t || c.points === 0) return;
    const source = c.fundedBy === "partner" ? "partner" : "issued";
    const key = `${source}|${t.availableAt.getTime()}|${t.expiresAt?.getTime() ?? ""}`;
    const part = parts.get(key);
    if (part) part.points += c.points;
    else
      parts.set(key, {
        points: c.points,
        source,
        partnerId: source === "partner" ? partnerId : null,
        availableAt: t.availableAt,
        expiresAt: t.expiresAt,
      });
  });
  return { parts: [...parts.values()], timing };
}

/**
 * What returned items are worth: their share of what the purchase paid (so an order-level
 * discount is returned too), at the purchase's own prices (a sku on several lines at its average).
 * Valued on the running total of every return's items, half up, so returns item by item add up to
 * exactly the amount paid. Without the purchase's items: at the prices the return gives.
 */
export function returnedValue(
  purchase: { amount: number; items: { sku: string; quantity: number; unitPrice: number }[] | null },
  earlier: { sku: string; quantity: number }[],
  returned: { sku: string; quantity: number; unitPrice: number }[],
): number {
  if (!purchase.items?.length) return returned.reduce((sum, i) => sum + i.quantity * i.unitPrice, 0);
  const bought = new Map<string, { units: number; total: number }>();
  for (const item of purchase.items) {
    const line = bought.get(item.sku) ?? { units: 0, total: 0 };
    line.units += item.quantity;
    line.total += item.quantity * item.unitPrice;
    bought.set(item.sku, line);
  }
  const listed = [...bought.values()].reduce((sum, line) => sum + line.total, 0);
  /** The listed value of so many units of each sku, each sku's share rounded on its own total. */
  const listedValue = (items: { sku: string; quantity: number }[]) => {
    const units = new Map<string, number>();
    for (const item of items) units.set(item.sku, (units.get(item.sku) ?? 0) + item.quantity);
    let value = 0;
    for (const [sku, n] of units) {
      const line = bought.get(sku);
      if (line) value += share(line.total, n, line.units);
    }
    return value;
  };
  const before = share(purchase.amount, listedValue(earlier), listed);
  const after = share(purchase.amount, listedValue([...earlier, ...returned]), listed);
  return after - before;
}

/**
 * A return's items must have been bought: each sku in the purchase, and no more units than bought
 * over all its returns (`returned` lists every return's items, this one last).
 */
export function checkReturnedItems(
  bought: { sku: string; quantity: number }[] | null,
  returned: { sku: string; quantity: number }[] | null,
): void {
  if (!returned || !bought) return;
  const units = new Map<string, number>();
  for (const item of bought) units.set(item.sku, (units.get(item.sku) ?? 0) + item.quantity);
  for (const item of returned) {
    const had = units.get(item.sku) ?? 0;
    if (item.quantity > had) {
      throw new DomainError("unprocessable", `The purchase had ${had} of ${item.sku}; ${item.quantity} cannot be returned`, {
        field: "items",
        sku: item.sku,
      });
    }
    units.set(item.sku, had - item.quantity);
  }
}

/**
 * Refuses a purchase above the programme's largest accepted purchase (a mistyped amount at a till
 * would otherwise earn millions of points), in money as people read it.
 */
export function checkPurchaseAmount(
  event: { type: string; amount: number | null },
  program: { currency: string; maxPurchaseAmount: number },
): void {
  if (event.type !== "purchase" || event.amount === null || event.amount <= program.maxPurchaseAmount) return;
  throw new DomainError(
    "validation_error",
    `A purchase of ${formatMoney(event.amount, program.currency)} is above this programme's largest accepted purchase of ${formatMoney(program.maxPurchaseAmount, program.currency)}`,
    { field: "amount", maxPurchaseAmount: program.maxPurchaseAmount },
  );
}

/**
 * A purchase of nothing that earns nothing is a mistake (an empty amount at a till), not a
 * purchase: refused. A $0 purchase that earns (a stamp for a visit, a points-per-visit rule) is
 * a real event and kept.
 */
export function checkEarnsSomething(
  event: { type: string; amount: number | null },
  earned: { points: number; stamps: number }[],
  currency: string,
): void {
  if (event.type !== "purchase" || event.amount !== 0) return;
  if (earned.some((c) => c.points > 0 || c.stamps > 0)) return;
  throw new DomainError(
    "validation_error",
    `A purchase of ${formatMoney(0, currency)} earns nothing in this programme: enter the amount paid`,
    { field: "amount" },
  );
}
