import { plural } from "../shared/plural.ts";
import type { Effect } from "./earning.schemas.ts";
import type { EarnEvent, EventItem } from "./earning.types.ts";
import { paidFor, quantityOf } from "./items.rules.ts";
import { formatMoney } from "./money.rules.ts";
import { type Fraction, frac, mul, ZERO } from "./rounding.rules.ts";

/**
 * What a rule's effect gives: points per amount, per item, fixed points, stamps on a card, and the
 * extra of a multiplier; each exact until its rule rounds it.
 */

/** What a base (non-multiplier) effect gives on some of the event's items, before rounding. */
export function baseRaw(effect: Effect, event: EarnEvent, ruleItems: EventItem[] | null, on: EventItem[] | null): Fraction {
  switch (effect.type) {
    case "points_per_amount":
      return mul(paidFor(event, on), frac(effect.points, effect.per));
    case "points_per_item":
      return frac(quantityOf(event, on) * effect.points);
    case "fixed_points": {
      if (on === ruleItems) return frac(effect.points);
      // a share of a fixed award: by the part of the eligible amount these items make up
      const whole = paidFor(event, ruleItems);
      const part = paidFor(event, on);
      if (whole.n === 0n) return ZERO;
      return mul(frac(effect.points), { n: part.n * whole.d, d: part.d * whole.n });
    }
    default:
      return ZERO;
  }
}

export function describeBase(
  effect: Effect,
  event: EarnEvent,
  items: EventItem[] | null,
  points: number,
  currency: string,
): string {
  const onItems = items === null ? "" : " of eligible items";
  switch (effect.type) {
    case "points_per_amount": {
      const paid = paidFor(event, items);
      const amount = formatMoney(Number(paid.n / paid.d), currency);
      return `${plural(effect.points, "point")} per ${formatMoney(effect.per, currency)} on ${amount}${onItems} (${effect.rounding}): ${plural(points, "point")}`;
    }
    case "points_per_item":
      return `${plural(effect.points, "point")} per item x ${quantityOf(event, items)} eligible: ${plural(points, "point")}`;
    case "fixed_points":
      return `${plural(points, "point")} for this ${event.type}`;
    default:
      return "";
  }
}

/**
 * The extra points a multiplier adds to `points`: points x (factor - 1). Factors have at most two
 * decimals, so the extra is an exact fraction of hundredths.
 */
export const multiplierExtra = (points: Fraction, factor: number): Fraction =>
  mul(points, { n: BigInt(Math.round(factor * 100) - 100), d: 100n });

/** A stamp card after `earned` more stamps on top of `before`: the stamps on the current card and the cards completed. */
export function stampCard(cardSize: number, before: number, earned: number): { progress: number; completedCards: number } {
  return {
    progress: (before + earned) % cardSize,
    completedCards: Math.floor((before + earned) / cardSize) - Math.floor(before / cardSize),
  };
}
