import {
  EXPIRY_ROUND_TO_LABELS,
  type ExpiryRoundTo,
  FUNDED_BY_LABELS,
  optionsOf,
  STACKING_LABELS,
} from "../../shared/api/values.ts";
import { Field, SelectField } from "../../shared/ui.tsx";
import type { DraftFields, RuleDraft } from "./rule-draft.ts";

/** Order among rules (priority, stacking), when points become available and expire, and who funds them. */
export function RuleTiming({ d, set, err }: DraftFields) {
  return (
    <>
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
          onChange={(e) => set("stacking", e.target.value as RuleDraft["stacking"])}
          options={optionsOf(STACKING_LABELS)}
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
              onChange={(e) => set("expiryRoundTo", e.target.value as ExpiryRoundTo)}
              options={optionsOf(EXPIRY_ROUND_TO_LABELS)}
            />
          </>
        )}
        <SelectField
          label="Funded by"
          value={d.fundedBy}
          onChange={(e) => set("fundedBy", e.target.value as RuleDraft["fundedBy"])}
          options={optionsOf(FUNDED_BY_LABELS)}
          error={err("fundedBy")}
        />
      </div>
    </>
  );
}
