import { Field } from "../../shared/ui.tsx";
import type { DraftFields } from "./rule-draft.ts";

/**
 * When the rule runs, in whole days of the programme's time zone. It is sent as a date window
 * after the condition rows, so its errors are at the index after the last condition.
 */
export function RuleSchedule({ d, set, err, timezone }: DraftFields & { timezone: string }) {
  const scheduleIndex = d.conditions.length;
  return (
    <>
      <h3>Schedule</h3>
      <div className="row">
        <Field
          label="Runs from"
          type="date"
          value={d.scheduleFrom}
          onChange={(e) => set("scheduleFrom", e.target.value)}
          hint={`Whole days in ${timezone}`}
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
    </>
  );
}
