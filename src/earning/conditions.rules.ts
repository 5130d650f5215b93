import { localTime } from "../shared/local-time.ts";
import type { Condition, MemberCondition } from "./earning.schemas.ts";
import { WEEKDAYS } from "./earning.schemas.ts";
import type { EarnEvent, MemberFacts, MemberHistory, ProgramFacts } from "./earning.types.ts";
import { formatMoney } from "./money.rules.ts";
import { resolveBound } from "./periods.rules.ts";

/** A rule's conditions and a campaign's audience: whether each holds, and if not, why, in one line. */

export function attributeHolds(
  source: Record<string, unknown>,
  test: { key: string; op: "eq" | "neq" | "in" | "exists" | "gte" | "lte"; value?: unknown },
) {
  const actual = source[test.key];
  switch (test.op) {
    case "exists":
      return actual !== undefined && actual !== null;
    case "eq":
      return JSON.stringify(actual) === JSON.stringify(test.value);
    case "neq":
      return JSON.stringify(actual) !== JSON.stringify(test.value);
    case "in":
      return Array.isArray(test.value) && test.value.some((v) => JSON.stringify(v) === JSON.stringify(actual));
    case "gte":
    case "lte": {
      const a = typeof actual === "number" ? actual : typeof actual === "string" ? actual : undefined;
      const b = test.value as number | string | undefined;
      if (a === undefined || b === undefined || typeof a !== typeof b) return false;
      return test.op === "gte" ? a >= b : a <= b;
    }
  }
}

const show = (value: unknown) => JSON.stringify(value);

/** Null when the condition holds, else why not (one line). */
export function failedCondition(
  condition: Condition | MemberCondition,
  event: EarnEvent | null,
  member: MemberFacts,
  history: Pick<MemberHistory, "purchases"> | null,
  program: ProgramFacts,
): string | null {
  switch (condition.type) {
    case "member_attribute":
      return attributeHolds(member.attributes, condition)
        ? null
        : `member attribute ${condition.key} is ${show(member.attributes[condition.key] ?? null)}, not ${condition.op} ${show(condition.value ?? null)}`;
    case "tier":
      return member.tier && (condition.in.includes(member.tier.id) || condition.in.includes(member.tier.name))
        ? null
        : `member's tier ${member.tier ? member.tier.name : "(none)"} is not one of ${condition.in.join(", ")}`;
    case "segment":
      return member.segments.some((s) => condition.in.includes(s)) ? null : `member is in none of ${condition.in.join(", ")}`;
  }
  if (!event || !history) return null;
  switch (condition.type) {
    case "min_amount":
      return (event.amount ?? 0) >= condition.amount
        ? null
        : `amount ${formatMoney(event.amount ?? 0, program.currency)} is below ${formatMoney(condition.amount, program.currency)}`;
    case "channel":
      return event.channel !== null && (condition.in as string[]).includes(event.channel)
        ? null
        : `channel ${event.channel ?? "(none)"} is not ${condition.in.join(" or ")}`;
    case "store":
      return event.storeId !== null && condition.in.includes(event.storeId)
        ? null
        : `store ${event.storeId ?? "(none)"} is not ${condition.in.join(" or ")}`;
    case "partner":
      return event.partnerId !== null && condition.in.includes(event.partnerId)
        ? null
        : `partner ${event.partnerId ?? "(none)"} is not ${condition.in.join(" or ")}`;
    case "event_attribute":
      return attributeHolds(event.attributes, condition)
        ? null
        : `event attribute ${condition.key} is ${show(event.attributes[condition.key] ?? null)}, not ${condition.op} ${show(condition.value ?? null)}`;
    case "day_of_week": {
      const day = WEEKDAYS[localTime(event.occurredAt, program.timezone).weekday - 1] ?? "mon";
      return condition.days.includes(day) ? null : `${day} is not one of ${condition.days.join(", ")}`;
    }
    case "time_of_day": {
      const t = localTime(event.occurredAt, program.timezone).toFormat("HH:mm");
      const inside =
        condition.from <= condition.to ? t >= condition.from && t < condition.to : t >= condition.from || t < condition.to;
      return inside ? null : `${t} is outside ${condition.from}-${condition.to}`;
    }
    case "date_window": {
      const from = condition.from ? resolveBound(condition.from, program.timezone, "start") : null;
      const to = condition.to ? resolveBound(condition.to, program.timezone, "end") : null;
      if (from && event.occurredAt < from) return `occurred before ${condition.from}`;
      if (to && event.occurredAt >= to) return `occurred after ${condition.to}`;
      return null;
    }
    case "purchase_number": {
      const number = history.purchases + (event.type === "purchase" ? 1 : 0);
      const hit = condition.every ? number % condition.n === 0 : number === condition.n;
      return hit ? null : `this is purchase number ${number}, not ${condition.every ? "a multiple of " : ""}${condition.n}`;
    }
  }
}
