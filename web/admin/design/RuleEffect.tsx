import {
  EFFECT_LABELS,
  type EffectType,
  optionsOf,
  ROUNDING_LABELS,
  type Rounding,
  STAMP_PER_LABELS,
  type StampPer,
} from "../../shared/api/values.ts";
import { Field, SelectField } from "../../shared/ui.tsx";
import type { DraftFields } from "./rule-draft.ts";

/** What the rule gives: points per amount or per item, fixed points, a multiplier or a stamp card. */
export function RuleEffect({ d, set, err, currency }: DraftFields & { currency: string }) {
  return (
    <>
      <h2 style={{ marginTop: 0 }}>What it gives</h2>
      <div className="grid">
        <SelectField
          label="Reward"
          value={d.effect}
          onChange={(e) => set("effect", e.target.value as EffectType)}
          options={optionsOf(EFFECT_LABELS)}
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
            onChange={(e) => set("rounding", e.target.value as Rounding)}
            options={optionsOf(ROUNDING_LABELS)}
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
              onChange={(e) => set("stampPer", e.target.value as StampPer)}
              options={optionsOf(STAMP_PER_LABELS)}
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
    </>
  );
}
