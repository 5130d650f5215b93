/**
 * A goal's values as people type and read them, and as the API takes them: a share as a
 * percentage ("35" -> 0.35), money in the currency's major unit ("35.00" -> 3500 minor units),
 * purchase frequency as it is. Pure: no React, no requests.
 */
import { formatMinor } from "../../shared/money.ts";
import type { CaptureField, Goal, GoalKind, GoalProgress } from "../api/insights-goals.ts";
import { fromMinor, num, toMinor } from "../design/form-values.ts";

export type Unit = GoalProgress["unit"];

export const KINDS: { value: GoalKind; label: string; why: string }[] = [
  { value: "retention", label: "Retention", why: "Members who bought before buy again" },
  { value: "purchase_frequency", label: "Purchase frequency", why: "Members buy more often" },
  { value: "average_order_value", label: "Average order value", why: "Members spend more per purchase" },
  { value: "member_revenue_share", label: "Members' share of revenue", why: "More of the revenue comes from members" },
  { value: "data_capture", label: "Data capture", why: "Members give their details" },
];

export const CAPTURE_FIELDS: { value: CaptureField; label: string }[] = [
  { value: "contact", label: "Email or phone" },
  { value: "marketing_consent", label: "Marketing consent" },
  { value: "birth_date", label: "Birth date" },
];

export function unitOf(kind: GoalKind): Unit {
  if (kind === "average_order_value") return "money";
  if (kind === "purchase_frequency") return "purchases_per_30_days";
  return "share";
}

/** A goal's name: "Average order value", "Data capture: birth date". */
export function goalName(kind: GoalKind, captureField: CaptureField | null | undefined): string {
  const label = KINDS.find((k) => k.value === kind)?.label ?? kind;
  if (kind !== "data_capture" || !captureField) return label;
  return `${label}: ${(CAPTURE_FIELDS.find((f) => f.value === captureField)?.label ?? captureField).toLowerCase()}`;
}

/** A value in its unit, as read: "$30.00", "72.0%", "0.76 per 30 days"; "—" when there is none. */
export function formatValue(value: number | null | undefined, unit: Unit, currency: string): string {
  if (value === null || value === undefined) return "—";
  if (unit === "money") return formatMinor(value, currency);
  if (unit === "share") return `${(value * 100).toFixed(1)}%`;
  return `${value.toLocaleString(undefined, { maximumFractionDigits: 2 })} per 30 days`;
}

/** What the form's value field is called, in its unit. */
export function valueLabel(base: string, unit: Unit, currency: string): string {
  if (unit === "money") return `${base} (${currency})`;
  if (unit === "share") return `${base} (%)`;
  return `${base} (purchases per member per 30 days)`;
}

/** Typed text -> the API's value; blank -> undefined; not a number -> the text, so the API words the problem. */
export function toApiValue(text: string, unit: Unit, currency: string): number | undefined {
  if (unit === "money") return toMinor(text, currency);
  const n = num(text);
  if (typeof n !== "number" || unit !== "share") return n;
  return Math.round(n * 100) / 10_000;
}

export function fromApiValue(value: number | null | undefined, unit: Unit, currency: string): string {
  if (value === null || value === undefined) return "";
  if (unit === "money") return fromMinor(value, currency);
  if (unit === "share") return String(Math.round(value * 1_000_000) / 10_000);
  return String(value);
}

export interface GoalDraft {
  kind: GoalKind;
  captureField: CaptureField;
  target: string;
  baseline: string;
  startDate: string;
  targetDate: string;
  note: string;
}

export function goalDraft(goal: Goal | null, currency: string): GoalDraft {
  const unit = unitOf(goal?.kind ?? "retention");
  return {
    kind: goal?.kind ?? "retention",
    captureField: goal?.captureField ?? "contact",
    target: fromApiValue(goal?.target, unit, currency),
    baseline: fromApiValue(goal?.baseline, unit, currency),
    startDate: goal?.startDate ?? "",
    targetDate: goal?.targetDate ?? "",
    note: goal?.note ?? "",
  };
}

/** The body of POST /v1/goals or PATCH /v1/goals/{id}: blank optional fields left out (or cleared when editing). */
export function goalBody(d: GoalDraft, currency: string, editing: boolean) {
  const unit = unitOf(d.kind);
  const baseline = toApiValue(d.baseline, unit, currency);
  const note = d.note.trim();
  return {
    kind: d.kind,
    ...(d.kind === "data_capture" ? { captureField: d.captureField } : editing ? { captureField: null } : {}),
    target: toApiValue(d.target, unit, currency),
    ...(baseline !== undefined ? { baseline } : editing ? { baseline: null } : {}),
    ...(d.startDate ? { startDate: d.startDate } : {}),
    targetDate: d.targetDate,
    ...(note ? { note } : editing ? { note: null } : {}),
  };
}
