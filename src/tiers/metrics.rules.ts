import type { TierMetric } from "../db/schema.ts";

/** The qualifying metric: what an event adds to it and what a return takes off. */

/** What a (non-return) event adds to the metric. */
export function eventMetric(metric: TierMetric, event: { type: string; amount: number | null; points: number }): number {
  switch (metric) {
    case "points_earned":
      return event.points;
    case "spend":
      return event.type === "purchase" ? (event.amount ?? 0) : 0;
    case "purchases":
      return event.type === "purchase" ? 1 : 0;
  }
}

/** What a return takes off the metric: its points and amount, and the purchase once it is all returned. */
export function returnMetric(
  metric: TierMetric,
  ret: { pointsTakenBack: number; amount: number; completesReturn: boolean },
): number {
  switch (metric) {
    case "points_earned":
      return -ret.pointsTakenBack;
    case "spend":
      return -ret.amount;
    case "purchases":
      return ret.completesReturn ? -1 : 0;
  }
}
