import type { ItemsSelector } from "./earning.schemas.ts";
import type { EarnEvent, EventItem } from "./earning.types.ts";
import { type Fraction, frac, ZERO } from "./rounding.rules.ts";

/** An event's items: which a rule's selector makes eligible, and what was paid for them. */

const lineTotal = (item: EventItem) => item.quantity * item.unitPrice;

function matchesFilter(item: EventItem, filter: NonNullable<ItemsSelector["include"]>): boolean {
  return (
    (filter.skus?.includes(item.sku) ?? false) ||
    (item.category !== undefined && (filter.categories?.includes(item.category) ?? false)) ||
    (item.brand !== undefined && (filter.brands?.includes(item.brand) ?? false))
  );
}

/** The items a selector makes eligible; null means the whole event (no selector). */
export function eligibleItems(event: EarnEvent, selector: ItemsSelector | undefined): EventItem[] | null {
  if (!selector || (!selector.include && !selector.exclude)) return null;
  return (event.items ?? []).filter(
    (item) =>
      (!selector.include || matchesFilter(item, selector.include)) &&
      !(selector.exclude && matchesFilter(item, selector.exclude)),
  );
}

export function intersect(a: EventItem[] | null, b: EventItem[] | null): EventItem[] | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.filter((item) => b.includes(item));
}

/**
 * The amount paid for some items: the event's amount shared across its items by line total, so
 * an order-level discount lowers every item's share. `null` items: the whole amount.
 */
export function paidFor(event: EarnEvent, items: EventItem[] | null): Fraction {
  const amount = event.amount ?? 0;
  if (items === null) return frac(amount);
  const all = (event.items ?? []).reduce((sum, i) => sum + lineTotal(i), 0);
  if (all === 0) return ZERO;
  return frac(BigInt(amount) * BigInt(items.reduce((sum, i) => sum + lineTotal(i), 0)), all);
}

export const quantityOf = (event: EarnEvent, items: EventItem[] | null) =>
  (items ?? event.items ?? []).reduce((sum, i) => sum + i.quantity, 0);
