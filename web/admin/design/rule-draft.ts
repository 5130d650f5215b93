/**
 * The earn rule form's draft (what its fields hold: text as typed) and the API's rule, both ways:
 * `ruleDraft` fills the form from a saved rule, `ruleBody` turns the form into the body of
 * POST /v1/rules or PATCH /v1/rules/{id}. Pure: no React, no requests (table-tested beside it).
 */
import type { Schema, Sent } from "../../shared/api/client.ts";
import {
  type AttributeOp,
  CHANNEL_LABELS,
  type ConditionType,
  type EffectType,
  type ExpiryRoundTo,
  isValueOf,
  type Period,
  type Rounding,
  type StampPer,
  WEEKDAY_LABELS,
} from "../../shared/api/values.ts";
import type { NewRule, Rule } from "../api/rules.ts";
import { fromMinor, list, num, str, toMinor } from "./form-values.ts";

type Condition = Schema<"Condition">;
type Effect = Schema<"Effect">;
type ExpiryPolicy = Schema<"ExpiryPolicy">;
type Limits = Schema<"Limits">;
type DateWindow = Extract<Condition, { type: "date_window" }>;

/** One condition row: every kind's fields, so switching the kind keeps what was typed. */
export interface ConditionDraft {
  key: number;
  type: ConditionType;
  amount: string;
  values: string;
  picks: string[];
  from: string;
  to: string;
  attribute: string;
  op: AttributeOp;
  value: string;
  n: string;
  every: boolean;
}

export interface RuleDraft {
  name: string;
  description: string;
  status: Rule["status"];
  trigger: string;
  conditions: ConditionDraft[];
  scheduleFrom: string;
  scheduleTo: string;
  onlySkus: string;
  onlyCategories: string;
  onlyBrands: string;
  exceptSkus: string;
  exceptCategories: string;
  exceptBrands: string;
  effect: EffectType;
  points: string;
  per: string;
  rounding: Rounding;
  factor: string;
  cardSize: string;
  stampPer: StampPer;
  rewardPoints: string;
  perEvent: string;
  period: Period | "";
  maxPoints: string;
  maxAwards: string;
  priority: string;
  stacking: Rule["stacking"];
  pendingDays: string;
  expiry: "default" | ExpiryPolicy["policy"];
  expiryMonths: string;
  expiryRoundTo: ExpiryRoundTo;
  fundedBy: Rule["fundedBy"];
}

/** What a section of the rule form gets: the draft, a setter, and the API's message at a path. */
export interface DraftFields {
  d: RuleDraft;
  set: <K extends keyof RuleDraft>(key: K, value: RuleDraft[K]) => void;
  err: (path: string) => string | undefined;
}

let nextKey = 1;

export function emptyCondition(type: ConditionType = "min_amount"): ConditionDraft {
  return {
    key: nextKey++,
    type,
    amount: "",
    values: "",
    picks: [],
    from: "",
    to: "",
    attribute: "",
    op: "eq",
    value: "",
    n: "1",
    every: false,
  };
}

function conditionDraft(c: Condition, currency: string): ConditionDraft {
  const d = emptyCondition(c.type);
  switch (c.type) {
    case "min_amount":
      d.amount = fromMinor(c.amount, currency);
      break;
    case "channel":
    case "tier":
      d.picks = c.in;
      d.values = c.in.join(", ");
      break;
    case "store":
    case "partner":
    case "segment":
      d.values = c.in.join(", ");
      break;
    case "day_of_week":
      d.picks = c.days;
      break;
    case "time_of_day":
    case "date_window":
      d.from = c.from ?? "";
      d.to = c.to ?? "";
      break;
    case "purchase_number":
      d.n = str(c.n);
      d.every = Boolean(c.every);
      break;
    default:
      d.attribute = c.key;
      d.op = c.op;
      d.value = Array.isArray(c.value) ? c.value.join(", ") : c.value === undefined ? "" : String(c.value);
  }
  return d;
}

/** A typed attribute value: numbers and true/false as such, the rest as text. */
function scalar(text: string): unknown {
  const t = text.trim();
  if (t === "true" || t === "false") return t === "true";
  return t !== "" && Number.isFinite(Number(t)) ? Number(t) : t;
}

function conditionBody(d: ConditionDraft, currency: string): Sent<Condition> {
  switch (d.type) {
    case "min_amount":
      return { type: d.type, amount: toMinor(d.amount, currency) };
    case "channel":
      return { type: d.type, in: d.picks.filter((p) => isValueOf(CHANNEL_LABELS, p)) };
    case "tier":
      return { type: d.type, in: d.picks.length > 0 ? d.picks : list(d.values) };
    case "store":
    case "partner":
    case "segment":
      return { type: d.type, in: list(d.values) };
    case "day_of_week":
      return { type: d.type, days: d.picks.filter((p) => isValueOf(WEEKDAY_LABELS, p)) };
    case "time_of_day":
      return { type: d.type, from: d.from, to: d.to };
    case "date_window":
      return { type: d.type, ...(d.from && { from: d.from }), ...(d.to && { to: d.to }) };
    case "purchase_number":
      return { type: d.type, n: num(d.n), every: d.every };
    default:
      return {
        type: d.type,
        key: d.attribute.trim(),
        op: d.op,
        ...(d.op === "in" ? { value: list(d.value).map(scalar) } : d.op === "exists" ? {} : { value: scalar(d.value) }),
      };
  }
}

/** A date window of whole days: the rule's schedule, which the form shows apart from the conditions. */
const isSchedule = (c: Condition): c is DateWindow =>
  c.type === "date_window" && [c.from, c.to].every((v) => v === undefined || /^\d{4}-\d{2}-\d{2}$/.test(v));

export function ruleDraft(rule: Rule | null, currency: string): RuleDraft {
  const effect = rule?.effect;
  const conditions = rule?.conditions ?? [];
  // The first whole-date window is the rule's schedule; the rest are condition rows.
  const scheduleIndex = conditions.findIndex(isSchedule);
  const schedule = conditions.find(isSchedule);
  const expiry = rule?.expiry ?? null;
  return {
    name: rule?.name ?? "",
    description: rule?.description ?? "",
    status: rule?.status ?? "active",
    trigger: rule?.trigger ?? "purchase",
    conditions: conditions.filter((_, i) => i !== scheduleIndex).map((c) => conditionDraft(c, currency)),
    scheduleFrom: schedule?.from ?? "",
    scheduleTo: schedule?.to ?? "",
    onlySkus: rule?.items?.include?.skus?.join(", ") ?? "",
    onlyCategories: rule?.items?.include?.categories?.join(", ") ?? "",
    onlyBrands: rule?.items?.include?.brands?.join(", ") ?? "",
    exceptSkus: rule?.items?.exclude?.skus?.join(", ") ?? "",
    exceptCategories: rule?.items?.exclude?.categories?.join(", ") ?? "",
    exceptBrands: rule?.items?.exclude?.brands?.join(", ") ?? "",
    effect: effect?.type ?? "points_per_amount",
    points: effect && "points" in effect ? str(effect.points) : "1",
    per: effect?.type === "points_per_amount" ? fromMinor(effect.per, currency) : "1",
    rounding: effect && "rounding" in effect ? effect.rounding : "floor",
    factor: effect?.type === "multiplier" ? str(effect.factor) : "2",
    cardSize: effect?.type === "stamps" ? str(effect.cardSize) : "10",
    stampPer: effect?.type === "stamps" ? effect.per : "event",
    rewardPoints: effect?.type === "stamps" ? str(effect.rewardPoints) : "",
    perEvent: str(rule?.limits.perEvent),
    period: rule?.limits.perMember?.period ?? "",
    maxPoints: str(rule?.limits.perMember?.maxPoints),
    maxAwards: str(rule?.limits.perMember?.maxAwards),
    priority: str(rule?.priority ?? 0),
    stacking: rule?.stacking ?? "stack",
    pendingDays: str(rule?.pendingDays),
    expiry: expiry === null ? "default" : expiry.policy,
    expiryMonths: expiry?.policy === "fixed_period" ? str(expiry.months) : "12",
    expiryRoundTo: expiry?.policy === "fixed_period" ? expiry.roundTo : "none",
    fundedBy: rule?.fundedBy ?? "program",
  };
}

function filterOf(skus: string, categories: string, brands: string) {
  const f = { skus: list(skus), categories: list(categories), brands: list(brands) };
  const out = Object.fromEntries(Object.entries(f).filter(([, v]) => v.length > 0));
  return Object.keys(out).length > 0 ? out : undefined;
}

function effectBody(d: RuleDraft, currency: string): Sent<Effect> {
  switch (d.effect) {
    case "points_per_amount":
      return { type: d.effect, points: num(d.points), per: toMinor(d.per, currency), rounding: d.rounding };
    case "points_per_item":
    case "fixed_points":
      return { type: d.effect, points: num(d.points) };
    case "multiplier":
      return { type: d.effect, factor: num(d.factor), rounding: d.rounding };
    case "stamps":
      return { type: d.effect, cardSize: num(d.cardSize), per: d.stampPer, rewardPoints: num(d.rewardPoints) };
  }
}

function limitsBody(d: RuleDraft): Sent<Limits> {
  const limits: Sent<Limits> = {};
  if (d.perEvent.trim()) limits.perEvent = num(d.perEvent);
  if (d.period) {
    limits.perMember = {
      period: d.period,
      ...(d.maxPoints.trim() && { maxPoints: num(d.maxPoints) }),
      ...(d.maxAwards.trim() && { maxAwards: num(d.maxAwards) }),
    };
  }
  return limits;
}

function expiryBody(d: RuleDraft): Sent<ExpiryPolicy> | undefined {
  if (d.expiry === "default") return undefined;
  if (d.expiry === "none") return { policy: "none" };
  return { policy: "fixed_period", months: num(d.expiryMonths), roundTo: d.expiryRoundTo };
}

/** The API body for a draft; `editing` sends an empty item selector to clear one. */
export function ruleBody(d: RuleDraft, currency: string, editing: boolean): Sent<NewRule> {
  const conditions = d.conditions.map((c) => conditionBody(c, currency));
  if (d.scheduleFrom || d.scheduleTo) {
    conditions.push({
      type: "date_window",
      ...(d.scheduleFrom && { from: d.scheduleFrom }),
      ...(d.scheduleTo && { to: d.scheduleTo }),
    });
  }
  const include = filterOf(d.onlySkus, d.onlyCategories, d.onlyBrands);
  const exclude = filterOf(d.exceptSkus, d.exceptCategories, d.exceptBrands);
  const items = include || exclude ? { ...(include && { include }), ...(exclude && { exclude }) } : editing ? {} : undefined;
  const expiry = expiryBody(d);
  return {
    name: d.name,
    ...(d.description.trim() && { description: d.description }),
    status: d.status,
    trigger: d.trigger.trim(),
    conditions,
    ...(items && { items }),
    effect: effectBody(d, currency),
    limits: limitsBody(d),
    priority: num(d.priority) ?? 0,
    stacking: d.stacking,
    ...(d.pendingDays.trim() && { pendingDays: num(d.pendingDays) }),
    ...(expiry && { expiry }),
    fundedBy: d.fundedBy,
  };
}
