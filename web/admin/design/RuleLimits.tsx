import { LIMIT_PERIOD_LABELS, optionsOf } from "../../shared/api/values.ts";
import { Field, SelectField } from "../../shared/ui.tsx";
import type { DraftFields, RuleDraft } from "./rule-draft.ts";

/** The most points per event, and per member in a period (points or awards). */
export function RuleLimits({ d, set, err }: DraftFields) {
  return (
    <>
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
          onChange={(e) => set("period", e.target.value as RuleDraft["period"])}
          options={[{ value: "", label: "No per-member limit" }, ...optionsOf(LIMIT_PERIOD_LABELS)]}
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
    </>
  );
}
