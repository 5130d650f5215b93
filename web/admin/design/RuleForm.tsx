/**
 * The earn rule editor, shared by the rules page and a campaign's rules: when (event type,
 * conditions, schedule, eligible items) -> what (points per amount, per item, fixed, a
 * multiplier or stamps) -> within which limits. Built from form fields, never typed JSON; each
 * field shows the API's own message for its path (`conditions.0.amount`, `effect.points`, ...).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, sendOnce } from "../../shared/api.ts";
import { ErrorAlert, Field, Notice, SelectField } from "../../shared/ui.tsx";
import { useSession } from "../session.tsx";
import { CheckGroup, errorAt, fromMinor, list, num, str, TextArea, toMinor } from "./common.tsx";
import type { Condition, Effect, ExpiryPolicy, Ladder, Rule } from "./types.ts";

const CONDITION_TYPES = [
  { value: "min_amount", label: "Amount at least" },
  { value: "channel", label: "Channel" },
  { value: "store", label: "Store" },
  { value: "partner", label: "Partner" },
  { value: "tier", label: "Member's tier" },
  { value: "segment", label: "Member's segment" },
  { value: "day_of_week", label: "Day of the week" },
  { value: "time_of_day", label: "Time of day" },
  { value: "date_window", label: "Between dates" },
  { value: "purchase_number", label: "Purchase number" },
  { value: "event_attribute", label: "Event attribute" },
  { value: "member_attribute", label: "Member attribute" },
];
const CHANNELS = ["store", "online", "app", "partner"].map((c) => ({ value: c, label: c }));
const WEEKDAYS = [
  { value: "mon", label: "Mon" },
  { value: "tue", label: "Tue" },
  { value: "wed", label: "Wed" },
  { value: "thu", label: "Thu" },
  { value: "fri", label: "Fri" },
  { value: "sat", label: "Sat" },
  { value: "sun", label: "Sun" },
];
const OPS = [
  { value: "eq", label: "equals" },
  { value: "neq", label: "does not equal" },
  { value: "in", label: "is one of (comma-separated)" },
  { value: "exists", label: "is set" },
  { value: "gte", label: "at least" },
  { value: "lte", label: "at most" },
];
const EFFECTS = [
  { value: "points_per_amount", label: "Points per amount spent" },
  { value: "points_per_item", label: "Points per item" },
  { value: "fixed_points", label: "Fixed points" },
  { value: "multiplier", label: "Multiplier (e.g. double points)" },
  { value: "stamps", label: "Stamp card" },
];
const ROUNDING = [
  { value: "floor", label: "Round down" },
  { value: "round", label: "Round half up" },
  { value: "ceil", label: "Round up" },
];
const PERIODS = [
  { value: "", label: "No per-member limit" },
  { value: "day", label: "per day" },
  { value: "week", label: "per week" },
  { value: "month", label: "per month" },
  { value: "year", label: "per year" },
  { value: "lifetime", label: "for life" },
];

interface ConditionDraft {
  key: number;
  type: string;
  amount: string;
  values: string;
  picks: string[];
  from: string;
  to: string;
  attribute: string;
  op: string;
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
  effect: Effect["type"];
  points: string;
  per: string;
  rounding: string;
  factor: string;
  cardSize: string;
  stampPer: string;
  rewardPoints: string;
  perEvent: string;
  period: string;
  maxPoints: string;
  maxAwards: string;
  priority: string;
  stacking: Rule["stacking"];
  pendingDays: string;
  expiry: "default" | "none" | "fixed_period";
  expiryMonths: string;
  expiryRoundTo: string;
  fundedBy: Rule["fundedBy"];
}

let nextKey = 1;

function emptyCondition(type = "min_amount"): ConditionDraft {
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
  const inList = Array.isArray(c.in) ? (c.in as string[]) : [];
  switch (c.type) {
    case "min_amount":
      d.amount = fromMinor(c.amount as number, currency);
      break;
    case "channel":
    case "tier":
      d.picks = inList;
      d.values = inList.join(", ");
      break;
    case "store":
    case "partner":
    case "segment":
      d.values = inList.join(", ");
      break;
    case "day_of_week":
      d.picks = (c.days as string[]) ?? [];
      break;
    case "time_of_day":
    case "date_window":
      d.from = (c.from as string) ?? "";
      d.to = (c.to as string) ?? "";
      break;
    case "purchase_number":
      d.n = str(c.n as number);
      d.every = Boolean(c.every);
      break;
    default:
      d.attribute = (c.key as string) ?? "";
      d.op = (c.op as string) ?? "eq";
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

function conditionBody(d: ConditionDraft, currency: string): Condition {
  switch (d.type) {
    case "min_amount":
      return { type: d.type, amount: toMinor(d.amount, currency) };
    case "channel":
      return { type: d.type, in: d.picks };
    case "tier":
      return { type: d.type, in: d.picks.length > 0 ? d.picks : list(d.values) };
    case "store":
    case "partner":
    case "segment":
      return { type: d.type, in: list(d.values) };
    case "day_of_week":
      return { type: d.type, days: d.picks };
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

export function ruleDraft(rule: Rule | null, currency: string): RuleDraft {
  const effect = rule?.effect;
  const conditions = rule?.conditions ?? [];
  // The first whole-date window is the rule's schedule; the rest are condition rows.
  const scheduleIndex = conditions.findIndex(
    (c) => c.type === "date_window" && [c.from, c.to].every((v) => v === undefined || /^\d{4}-\d{2}-\d{2}$/.test(String(v))),
  );
  const schedule = scheduleIndex >= 0 ? conditions[scheduleIndex] : undefined;
  const expiry = rule?.expiry ?? null;
  return {
    name: rule?.name ?? "",
    description: rule?.description ?? "",
    status: rule?.status ?? "active",
    trigger: rule?.trigger ?? "purchase",
    conditions: conditions.filter((_, i) => i !== scheduleIndex).map((c) => conditionDraft(c, currency)),
    scheduleFrom: (schedule?.from as string) ?? "",
    scheduleTo: (schedule?.to as string) ?? "",
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
    expiryRoundTo: expiry?.policy === "fixed_period" ? (expiry.roundTo ?? "none") : "none",
    fundedBy: rule?.fundedBy ?? "program",
  };
}

function filterOf(skus: string, categories: string, brands: string) {
  const f = { skus: list(skus), categories: list(categories), brands: list(brands) };
  const out = Object.fromEntries(Object.entries(f).filter(([, v]) => v.length > 0));
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The API body for a draft; `editing` sends an empty item selector to clear one. */
export function ruleBody(d: RuleDraft, currency: string, editing: boolean): Record<string, unknown> {
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
  let effect: Record<string, unknown>;
  switch (d.effect) {
    case "points_per_amount":
      effect = { type: d.effect, points: num(d.points), per: toMinor(d.per, currency), rounding: d.rounding };
      break;
    case "points_per_item":
    case "fixed_points":
      effect = { type: d.effect, points: num(d.points) };
      break;
    case "multiplier":
      effect = { type: d.effect, factor: num(d.factor), rounding: d.rounding };
      break;
    case "stamps":
      effect = { type: d.effect, cardSize: num(d.cardSize), per: d.stampPer, rewardPoints: num(d.rewardPoints) };
      break;
  }
  const limits: Record<string, unknown> = {};
  if (d.perEvent.trim()) limits.perEvent = num(d.perEvent);
  if (d.period) {
    limits.perMember = {
      period: d.period,
      ...(d.maxPoints.trim() && { maxPoints: num(d.maxPoints) }),
      ...(d.maxAwards.trim() && { maxAwards: num(d.maxAwards) }),
    };
  }
  const expiry: ExpiryPolicy | undefined =
    d.expiry === "default"
      ? undefined
      : d.expiry === "none"
        ? { policy: "none" }
        : { policy: "fixed_period", months: num(d.expiryMonths) as number, roundTo: d.expiryRoundTo as "none" | "month_end" };
  return {
    name: d.name,
    ...(d.description.trim() && { description: d.description }),
    status: d.status,
    trigger: d.trigger.trim(),
    conditions,
    ...(items && { items }),
    effect,
    limits,
    priority: num(d.priority) ?? 0,
    stacking: d.stacking,
    ...(d.pendingDays.trim() && { pendingDays: num(d.pendingDays) }),
    ...(expiry && { expiry }),
    fundedBy: d.fundedBy,
  };
}

/** A short line for lists: "2 points per $1.00", "x2", "10-stamp card". */
export function effectSummary(effect: Effect, currency: string): string {
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

export function RuleForm({
  rule,
  campaignId,
  onSaved,
  onCancel,
}: {
  rule: Rule | null;
  campaignId?: string | undefined;
  onSaved: (rule: Rule) => void;
  onCancel?: () => void;
}) {
  const { program } = useSession();
  const currency = program.currency;
  const queryClient = useQueryClient();
  const [d, setD] = useState<RuleDraft>(() => ruleDraft(rule, currency));
  const set = <K extends keyof RuleDraft>(key: K, value: RuleDraft[K]) => setD((prev) => ({ ...prev, [key]: value }));
  const setCondition = (key: number, patch: Partial<ConditionDraft>) =>
    setD((prev) => ({ ...prev, conditions: prev.conditions.map((c) => (c.key === key ? { ...c, ...patch } : c)) }));
  const tiers = useQuery({ queryKey: ["tiers"], queryFn: () => api.get<Ladder>("/v1/tiers") });
  const save = useMutation({
    mutationFn: () => {
      const body = ruleBody(d, currency, rule !== null);
      return sendOnce((o) =>
        rule
          ? api.patch<Rule>(`/v1/rules/${rule.id}`, body, o)
          : api.post<Rule>("/v1/rules", { ...body, ...(campaignId && { campaignId }) }, o),
      );
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ["rules"] });
      void queryClient.invalidateQueries({ queryKey: ["campaigns"] });
      queryClient.setQueryData(["rule", saved.id], saved);
      void queryClient.invalidateQueries({ queryKey: ["rule-versions", saved.id] });
      onSaved(saved);
    },
  });
  const err = (path: string) => errorAt(save.error, path);
  const scheduleIndex = d.conditions.length;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const tierOptions = (tiers.data?.tiers ?? []).map((t) => ({ value: t.name, label: t.name }));

  return (
    <form onSubmit={submit} noValidate aria-label={rule ? `Edit rule ${rule.name}` : "New rule"}>
      <div className="panel">
        <h2 style={{ marginTop: 0 }}>When</h2>
        <div className="grid">
          <Field label="Rule name" value={d.name} onChange={(e) => set("name", e.target.value)} error={err("name")} required />
          <Field
            label="Event type"
            list="rule-event-types"
            value={d.trigger}
            onChange={(e) => set("trigger", e.target.value)}
            hint="purchase, return, or an action such as signup, review, birthday"
            error={err("trigger")}
          />
          <SelectField
            label="Status"
            value={d.status}
            onChange={(e) => set("status", e.target.value as Rule["status"])}
            options={[
              { value: "active", label: "Active" },
              { value: "inactive", label: "Inactive" },
              { value: "archived", label: "Archived" },
            ]}
            error={err("status")}
          />
        </div>
        <datalist id="rule-event-types">
          {["purchase", "return", "signup", "birthday", "review", "survey", "app_download"].map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        <TextArea
          label="Description"
          value={d.description}
          onChange={(e) => set("description", e.target.value)}
          error={err("description")}
        />

        <h3>Conditions (all must hold)</h3>
        {d.conditions.length === 0 && <p className="muted">No conditions: every event of this type.</p>}
        {d.conditions.map((c, i) => (
          <fieldset key={c.key} className="panel" style={{ background: "#fafbfc" }}>
            <legend>Condition {i + 1}</legend>
            <div className="row">
              <SelectField
                label="Condition type"
                value={c.type}
                onChange={(e) => setCondition(c.key, { type: e.target.value })}
                options={CONDITION_TYPES}
                error={err(`conditions.${i}.type`) ?? err(`conditions.${i}`)}
              />
              <ConditionFields c={c} i={i} currency={currency} tierOptions={tierOptions} set={setCondition} err={err} />
              <button
                type="button"
                className="secondary"
                style={{ marginBottom: "0.8rem" }}
                onClick={() => setD((prev) => ({ ...prev, conditions: prev.conditions.filter((x) => x.key !== c.key) }))}
              >
                Remove condition {i + 1}
              </button>
            </div>
          </fieldset>
        ))}
        <p>
          <button type="button" className="secondary" onClick={() => set("conditions", [...d.conditions, emptyCondition()])}>
            Add a condition
          </button>
        </p>

        <h3>Schedule</h3>
        <div className="row">
          <Field
            label="Runs from"
            type="date"
            value={d.scheduleFrom}
            onChange={(e) => set("scheduleFrom", e.target.value)}
            hint={`Whole days in ${program.timezone}`}
            error={err(`conditions.${scheduleIndex}.from`)}
          />
          <Field
            label="Runs until"
            type="date"
            value={d.scheduleTo}
            onChange={(e) => set("scheduleTo", e.target.value)}
            hint="Inclusive; blank: no end"
            error={err(`conditions.${scheduleIndex}.to`)}
          />
        </div>

        <h3>Eligible items</h3>
        <p className="muted">Blank: the whole purchase. Comma-separated lists.</p>
        <div className="grid">
          <Field
            label="Only SKUs"
            value={d.onlySkus}
            onChange={(e) => set("onlySkus", e.target.value)}
            error={err("items.include.skus")}
          />
          <Field
            label="Only categories"
            value={d.onlyCategories}
            onChange={(e) => set("onlyCategories", e.target.value)}
            error={err("items.include.categories")}
          />
          <Field
            label="Only brands"
            value={d.onlyBrands}
            onChange={(e) => set("onlyBrands", e.target.value)}
            error={err("items.include.brands")}
          />
          <Field
            label="Except SKUs"
            value={d.exceptSkus}
            onChange={(e) => set("exceptSkus", e.target.value)}
            error={err("items.exclude.skus")}
          />
          <Field
            label="Except categories"
            value={d.exceptCategories}
            onChange={(e) => set("exceptCategories", e.target.value)}
            error={err("items.exclude.categories")}
          />
          <Field
            label="Except brands"
            value={d.exceptBrands}
            onChange={(e) => set("exceptBrands", e.target.value)}
            error={err("items.exclude.brands")}
          />
        </div>
      </div>

      <div className="panel">
        <h2 style={{ marginTop: 0 }}>What it gives</h2>
        <div className="grid">
          <SelectField
            label="Reward"
            value={d.effect}
            onChange={(e) => set("effect", e.target.value as Effect["type"])}
            options={EFFECTS}
            error={err("effect.type") ?? err("effect")}
          />
          {(d.effect === "points_per_amount" || d.effect === "points_per_item" || d.effect === "fixed_points") && (
            <Field
              label="Points"
              inputMode="numeric"
              value={d.points}
              onChange={(e) => set("points", e.target.value)}
              error={err("effect.points")}
            />
          )}
          {d.effect === "points_per_amount" && (
            <Field
              label={`For every (${currency})`}
              inputMode="decimal"
              value={d.per}
              onChange={(e) => set("per", e.target.value)}
              hint="Of eligible amount spent"
              error={err("effect.per")}
            />
          )}
          {d.effect === "multiplier" && (
            <Field
              label="Factor"
              inputMode="decimal"
              value={d.factor}
              onChange={(e) => set("factor", e.target.value)}
              hint="2 doubles the points other rules give"
              error={err("effect.factor")}
            />
          )}
          {(d.effect === "points_per_amount" || d.effect === "multiplier") && (
            <SelectField
              label="Rounding"
              value={d.rounding}
              onChange={(e) => set("rounding", e.target.value)}
              options={ROUNDING}
              error={err("effect.rounding")}
            />
          )}
          {d.effect === "stamps" && (
            <>
              <Field
                label="Stamps per card"
                inputMode="numeric"
                value={d.cardSize}
                onChange={(e) => set("cardSize", e.target.value)}
                error={err("effect.cardSize")}
              />
              <SelectField
                label="One stamp per"
                value={d.stampPer}
                onChange={(e) => set("stampPer", e.target.value)}
                options={[
                  { value: "event", label: "event" },
                  { value: "item", label: "eligible item" },
                ]}
                error={err("effect.per")}
              />
              <Field
                label="Points for a full card"
                inputMode="numeric"
                value={d.rewardPoints}
                onChange={(e) => set("rewardPoints", e.target.value)}
                error={err("effect.rewardPoints")}
              />
            </>
          )}
        </div>

        <h3>Limits</h3>
        <div className="grid">
          <Field
            label="Most points per event"
            inputMode="numeric"
            value={d.perEvent}
            onChange={(e) => set("perEvent", e.target.value)}
            hint="Blank: no limit"
            error={err("limits.perEvent")}
          />
          <SelectField
            label="Per-member limit"
            value={d.period}
            onChange={(e) => set("period", e.target.value)}
            options={PERIODS}
            error={err("limits.perMember.period") ?? err("limits.perMember")}
          />
          {d.period && (
            <>
              <Field
                label="Most points in the period"
                inputMode="numeric"
                value={d.maxPoints}
                onChange={(e) => set("maxPoints", e.target.value)}
                error={err("limits.perMember.maxPoints")}
              />
              <Field
                label="Most awards in the period"
                inputMode="numeric"
                value={d.maxAwards}
                onChange={(e) => set("maxAwards", e.target.value)}
                error={err("limits.perMember.maxAwards")}
              />
            </>
          )}
        </div>

        <h3>Order and timing</h3>
        <div className="grid">
          <Field
            label="Priority"
            inputMode="numeric"
            value={d.priority}
            onChange={(e) => set("priority", e.target.value)}
            hint="Higher first"
            error={err("priority")}
          />
          <SelectField
            label="Stacking"
            value={d.stacking}
            onChange={(e) => set("stacking", e.target.value as Rule["stacking"])}
            options={[
              { value: "stack", label: "Adds to other rules" },
              { value: "exclusive", label: "Exclusive (best of its kind wins)" },
            ]}
            error={err("stacking")}
          />
          <Field
            label="Pending days"
            inputMode="numeric"
            value={d.pendingDays}
            onChange={(e) => set("pendingDays", e.target.value)}
            hint="Blank: the programme's"
            error={err("pendingDays")}
          />
          <SelectField
            label="Points expiry"
            value={d.expiry}
            onChange={(e) => set("expiry", e.target.value as RuleDraft["expiry"])}
            options={[
              { value: "default", label: "The programme's (or tier's)" },
              { value: "none", label: "Never expire" },
              { value: "fixed_period", label: "After some months" },
            ]}
            error={err("expiry.policy") ?? err("expiry")}
          />
          {d.expiry === "fixed_period" && (
            <>
              <Field
                label="Expire after months"
                inputMode="numeric"
                value={d.expiryMonths}
                onChange={(e) => set("expiryMonths", e.target.value)}
                error={err("expiry.months")}
              />
              <SelectField
                label="Expiry rounded to"
                value={d.expiryRoundTo}
                onChange={(e) => set("expiryRoundTo", e.target.value)}
                options={[
                  { value: "none", label: "The exact day" },
                  { value: "month_end", label: "The end of that month" },
                ]}
              />
            </>
          )}
          <SelectField
            label="Funded by"
            value={d.fundedBy}
            onChange={(e) => set("fundedBy", e.target.value as Rule["fundedBy"])}
            options={[
              { value: "program", label: "The programme" },
              { value: "partner", label: "The event's partner" },
            ]}
            error={err("fundedBy")}
          />
        </div>
      </div>

      <ErrorAlert error={save.error} />
      {save.isSuccess && rule && <Notice>Saved: version {save.data.version}.</Notice>}
      <div className="row">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : rule ? "Save rule" : "Create rule"}
        </button>
        {onCancel && (
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function ConditionFields({
  c,
  i,
  currency,
  tierOptions,
  set,
  err,
}: {
  c: ConditionDraft;
  i: number;
  currency: string;
  tierOptions: { value: string; label: string }[];
  set: (key: number, patch: Partial<ConditionDraft>) => void;
  err: (path: string) => string | undefined;
}) {
  const at = (field: string) => err(`conditions.${i}.${field}`);
  switch (c.type) {
    case "min_amount":
      return (
        <Field
          label={`Minimum amount (${currency})`}
          inputMode="decimal"
          value={c.amount}
          onChange={(e) => set(c.key, { amount: e.target.value })}
          error={at("amount")}
        />
      );
    case "channel":
      return (
        <CheckGroup
          legend="Channels"
          options={CHANNELS}
          value={c.picks}
          onChange={(picks) => set(c.key, { picks })}
          error={at("in")}
        />
      );
    case "tier":
      return tierOptions.length > 0 ? (
        <CheckGroup
          legend="Tiers"
          options={tierOptions}
          value={c.picks}
          onChange={(picks) => set(c.key, { picks })}
          error={at("in")}
        />
      ) : (
        <Field label="Tier names" value={c.values} onChange={(e) => set(c.key, { values: e.target.value })} error={at("in")} />
      );
    case "store":
    case "partner":
    case "segment":
      return (
        <Field
          label={c.type === "store" ? "Store ids" : c.type === "partner" ? "Partner ids" : "Segments"}
          hint="Comma-separated; any of them"
          value={c.values}
          onChange={(e) => set(c.key, { values: e.target.value })}
          error={at("in")}
        />
      );
    case "day_of_week":
      return (
        <CheckGroup
          legend="Days"
          options={WEEKDAYS}
          value={c.picks}
          onChange={(picks) => set(c.key, { picks })}
          error={at("days")}
        />
      );
    case "time_of_day":
      return (
        <>
          <Field
            label="From time"
            type="time"
            value={c.from}
            onChange={(e) => set(c.key, { from: e.target.value })}
            error={at("from")}
          />
          <Field
            label="Until time"
            type="time"
            value={c.to}
            onChange={(e) => set(c.key, { to: e.target.value })}
            hint="Exclusive"
            error={at("to")}
          />
        </>
      );
    case "date_window":
      return (
        <>
          <Field
            label="From date"
            type="date"
            value={c.from}
            onChange={(e) => set(c.key, { from: e.target.value })}
            error={at("from")}
          />
          <Field
            label="Until date"
            type="date"
            value={c.to}
            onChange={(e) => set(c.key, { to: e.target.value })}
            error={at("to")}
          />
        </>
      );
    case "purchase_number":
      return (
        <>
          <Field
            label="Purchase number"
            inputMode="numeric"
            value={c.n}
            onChange={(e) => set(c.key, { n: e.target.value })}
            hint="1: the first purchase"
            error={at("n")}
          />
          <CheckGroup
            legend="Repeat"
            options={[{ value: "every", label: "Every n-th purchase" }]}
            value={c.every ? ["every"] : []}
            onChange={(v) => set(c.key, { every: v.includes("every") })}
          />
        </>
      );
    default:
      return (
        <>
          <Field
            label="Attribute"
            value={c.attribute}
            onChange={(e) => set(c.key, { attribute: e.target.value })}
            error={at("key")}
          />
          <SelectField
            label="Test"
            value={c.op}
            onChange={(e) => set(c.key, { op: e.target.value })}
            options={OPS}
            error={at("op")}
          />
          {c.op !== "exists" && (
            <Field label="Value" value={c.value} onChange={(e) => set(c.key, { value: e.target.value })} error={at("value")} />
          )}
        </>
      );
  }
}
