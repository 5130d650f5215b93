import { Field, fieldError } from "../shared/ui.tsx";

/** The From and To day fields of a report's date range, each showing the API's refusal of it. */
export function DateRangeFields({
  from,
  to,
  error,
  onChange,
}: {
  from: string;
  to: string;
  error: unknown;
  onChange: (next: { from?: string; to?: string }) => void;
}) {
  return (
    <>
      <Field
        label="From"
        type="date"
        value={from}
        max={to}
        onChange={(e) => onChange({ from: e.target.value })}
        error={fieldError(error, "from")}
      />
      <Field
        label="To"
        type="date"
        value={to}
        min={from}
        onChange={(e) => onChange({ to: e.target.value })}
        error={fieldError(error, "to")}
      />
    </>
  );
}
