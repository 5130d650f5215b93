import type { Dispatch, SetStateAction } from "react";
import {
  ATTRIBUTE_OP_LABELS,
  type AttributeOp,
  CHANNEL_LABELS,
  CONDITION_TYPE_LABELS,
  type ConditionType,
  optionsOf,
  WEEKDAY_LABELS,
} from "../../shared/api/values.ts";
import { Field, SelectField } from "../../shared/ui.tsx";
import { CheckGroup } from "./common.tsx";
import { type ConditionDraft, type DraftFields, emptyCondition, type RuleDraft } from "./rule-draft.ts";

/** The rule's conditions (all must hold), one row per condition with the fields its kind needs. */
export function RuleConditions({
  d,
  set,
  err,
  update,
  currency,
  tierOptions,
}: DraftFields & {
  update: Dispatch<SetStateAction<RuleDraft>>;
  currency: string;
  tierOptions: { value: string; label: string }[];
}) {
  const setCondition = (key: number, patch: Partial<ConditionDraft>) =>
    update((prev) => ({ ...prev, conditions: prev.conditions.map((c) => (c.key === key ? { ...c, ...patch } : c)) }));
  return (
    <>
      <h3>Conditions (all must hold)</h3>
      {d.conditions.length === 0 && <p className="muted">No conditions: every event of this type.</p>}
      {d.conditions.map((c, i) => (
        <fieldset key={c.key} className="panel" style={{ background: "#fafbfc" }}>
          <legend>Condition {i + 1}</legend>
          <div className="row">
            <SelectField
              label="Condition type"
              value={c.type}
              onChange={(e) => setCondition(c.key, { type: e.target.value as ConditionType })}
              options={optionsOf(CONDITION_TYPE_LABELS)}
              error={err(`conditions.${i}.type`) ?? err(`conditions.${i}`)}
            />
            <ConditionFields c={c} i={i} currency={currency} tierOptions={tierOptions} set={setCondition} err={err} />
            <button
              type="button"
              className="secondary"
              style={{ marginBottom: "0.8rem" }}
              onClick={() => update((prev) => ({ ...prev, conditions: prev.conditions.filter((x) => x.key !== c.key) }))}
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
    </>
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
          options={optionsOf(CHANNEL_LABELS)}
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
          options={optionsOf(WEEKDAY_LABELS)}
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
            onChange={(e) => set(c.key, { op: e.target.value as AttributeOp })}
            options={optionsOf(ATTRIBUTE_OP_LABELS)}
            error={at("op")}
          />
          {c.op !== "exists" && (
            <Field label="Value" value={c.value} onChange={(e) => set(c.key, { value: e.target.value })} error={at("value")} />
          )}
        </>
      );
  }
}
