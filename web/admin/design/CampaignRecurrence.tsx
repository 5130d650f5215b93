/** The campaign form's recurrence section: the pattern, its summary in plain words and its next occurrences. */
import { Field, SelectField } from "../../shared/ui.tsx";
import { CheckGroup, errorsUnder } from "./common.tsx";
import { resolveBoundary } from "./form-values.ts";
import {
  type DurationUnit,
  formatOccurrence,
  type RecurrenceDraft,
  recurrencePreview,
  type Weekday,
} from "./recurrence-draft.ts";

const WEEKDAY_OPTIONS: { value: Weekday; label: string }[] = [
  { value: "mon", label: "Monday" },
  { value: "tue", label: "Tuesday" },
  { value: "wed", label: "Wednesday" },
  { value: "thu", label: "Thursday" },
  { value: "fri", label: "Friday" },
  { value: "sat", label: "Saturday" },
  { value: "sun", label: "Sunday" },
];
const MONTH_OPTIONS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].map((label, i) => ({
  value: String(i + 1),
  label,
}));
const NTH_OPTIONS = [
  { value: "1", label: "First" },
  { value: "2", label: "Second" },
  { value: "3", label: "Third" },
  { value: "4", label: "Fourth" },
  { value: "5", label: "Fifth" },
  { value: "-1", label: "Last" },
];

export function CampaignRecurrence({
  value,
  onChange,
  timezone,
  startsAt,
  endsAt,
  error,
}: {
  value: RecurrenceDraft;
  onChange: (value: RecurrenceDraft) => void;
  timezone: string;
  /** The form's "Starts on" and "Ends on" days (YYYY-MM-DD, the end inclusive), blank for open. */
  startsAt: string;
  endsAt: string;
  error: unknown;
}) {
  const set = <K extends keyof RecurrenceDraft>(key: K, v: RecurrenceDraft[K]) => onChange({ ...value, [key]: v });
  const err = errorsUnder(error, "recurrence.");
  const window = { startsAt: resolveBoundary(startsAt, timezone, "start"), endsAt: resolveBoundary(endsAt, timezone, "end") };
  const preview = recurrencePreview(value, timezone, window, new Date());
  const monthly = value.freq === "monthly" || value.freq === "yearly";
  return (
    <section aria-labelledby="campaign-recurrence">
      <h2 id="campaign-recurrence">Recurrence</h2>
      <div className="row">
        <SelectField
          label="Repeats"
          value={value.freq}
          onChange={(e) => set("freq", e.target.value as RecurrenceDraft["freq"])}
          options={[
            { value: "none", label: "Does not repeat (the whole schedule)" },
            { value: "daily", label: "Every day" },
            { value: "weekly", label: "Every week" },
            { value: "monthly", label: "Every month" },
            { value: "yearly", label: "Every year" },
          ]}
          hint={`Occurrences in ${timezone}, inside the schedule above`}
          error={err("freq")}
        />
      </div>
      {value.freq === "weekly" && (
        <CheckGroup
          legend="On these days"
          options={WEEKDAY_OPTIONS}
          value={value.weekdays}
          onChange={(v) => set("weekdays", v as Weekday[])}
          error={err("byWeekday")}
        />
      )}
      {value.freq === "yearly" && (
        <CheckGroup
          legend="In these months"
          options={MONTH_OPTIONS}
          value={value.months}
          onChange={(v) => set("months", v)}
          error={err("byMonth")}
        />
      )}
      {monthly && (
        <div className="row">
          <SelectField
            label="On"
            value={value.monthlyBy}
            onChange={(e) => set("monthlyBy", e.target.value as RecurrenceDraft["monthlyBy"])}
            options={[
              { value: "day", label: "Days of the month" },
              { value: "weekday", label: "A weekday of the month" },
            ]}
          />
          {value.monthlyBy === "day" ? (
            <Field
              label="Days of the month"
              value={value.monthDays}
              onChange={(e) => set("monthDays", e.target.value)}
              hint="Comma-separated, 1 to 31; -1 the last day. A month without the day is skipped"
              error={err("byMonthDay")}
            />
          ) : (
            <>
              <SelectField
                label="Which"
                value={value.nth}
                onChange={(e) => set("nth", e.target.value)}
                options={NTH_OPTIONS}
                error={err("nth")}
              />
              <SelectField
                label="Weekday"
                value={value.weekday}
                onChange={(e) => set("weekday", e.target.value as Weekday)}
                options={WEEKDAY_OPTIONS}
                error={err("byWeekday")}
              />
            </>
          )}
        </div>
      )}
      {value.freq !== "none" && (
        <>
          <div className="row">
            <Field
              label="Starts at (programme time)"
              type="time"
              value={value.startTime}
              onChange={(e) => set("startTime", e.target.value || "00:00")}
              error={err("startTime")}
            />
            <Field
              label="Lasts"
              inputMode="numeric"
              value={value.durationAmount}
              onChange={(e) => set("durationAmount", e.target.value)}
              error={err("duration") ?? err(`duration.${value.durationUnit}`)}
            />
            <SelectField
              label="Unit"
              value={value.durationUnit}
              onChange={(e) => set("durationUnit", e.target.value as DurationUnit)}
              options={[
                { value: "minutes", label: "minutes" },
                { value: "hours", label: "hours" },
                { value: "days", label: "days" },
                { value: "months", label: "months" },
              ]}
            />
          </div>
          {preview ? (
            <section className="panel" aria-label="Recurrence summary">
              <p>
                <strong>{preview.summary}</strong>
              </p>
              {preview.next.length > 0 ? (
                <>
                  <p className="muted">Next occurrences:</p>
                  <ul aria-label="Next occurrences">
                    {preview.next.map((o) => (
                      <li key={o.start.toISOString()}>{formatOccurrence(o, timezone)}</li>
                    ))}
                  </ul>
                </>
              ) : (
                <p className="muted">No occurrence left inside the schedule.</p>
              )}
            </section>
          ) : (
            <p className="muted">Finish the pattern to see its occurrences.</p>
          )}
        </>
      )}
    </section>
  );
}
