import type { Schema } from "../../shared/api/client.ts";
import { fromMinor } from "./form-values.ts";

/** A short line for lists: "2 points per $1.00", "x2", "10-stamp card". */
export function effectSummary(effect: Schema<"Effect">, currency: string): string {
  const money = (minor: number) =>
    new Intl.NumberFormat(undefined, { style: "currency", currency }).format(Number(fromMinor(minor, currency)));
  switch (effect.type) {
    case "points_per_amount":
      return `${effect.points} pt per ${money(effect.per)}`;
    case "points_per_item":
      return `${effect.points} pt per item`;
    case "fixed_points":
      return `${effect.points} pt`;
    case "multiplier":
      return `x${effect.factor}`;
    case "stamps":
      return `${effect.cardSize}-stamp card, ${effect.rewardPoints} pt when full`;
  }
}
