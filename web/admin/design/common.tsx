/**
 * What the programme design pages (rules, campaigns, tiers, rewards) share: reading the API's
 * field errors and a few labelled inputs ui.tsx lacks (form text to API values: form-values.ts).
 */
import { useId } from "react";
import { ApiError } from "../../shared/api/http.ts";
import "./design.css";

/**
 * The API's message for the field at `path`: a validation issue with that exact path, or a
 * refusal that names the field (`details.field`).
 */
export function errorAt(error: unknown, path: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const issue = error.fieldError(path);
  if (issue) return issue;
  const field = (error.details as { field?: unknown } | undefined)?.field;
  return field === path ? error.message : undefined;
}

/** Scoped errors: `at("name")` is errorAt(error, "<prefix>name"). */
export function errorsUnder(error: unknown, prefix: string) {
  return (path: string) => errorAt(error, `${prefix}${path}`);
}

/** A group of checkboxes (one value each) under a legend, with the API's message for the list. */
export function CheckGroup({
  legend,
  options,
  value,
  onChange,
  error,
}: {
  legend: string;
  options: { value: string; label: string }[];
  value: string[];
  onChange: (value: string[]) => void;
  error?: string | undefined;
}) {
  const id = useId();
  return (
    <fieldset
      className="field"
      style={{ border: "none", padding: 0, margin: "0 0 0.8rem" }}
      aria-describedby={error ? `${id}-error` : undefined}
    >
      <legend style={{ fontWeight: 600, fontSize: "0.9rem", padding: 0 }}>{legend}</legend>
      <div className="row">
        {options.map((o) => (
          <label key={o.value} style={{ display: "inline-flex", gap: "0.35rem", alignItems: "center" }}>
            <input
              type="checkbox"
              checked={value.includes(o.value)}
              onChange={(e) => onChange(e.target.checked ? [...value, o.value] : value.filter((v) => v !== o.value))}
            />
            {o.label}
          </label>
        ))}
      </div>
      {error && (
        <span className="error" id={`${id}-error`}>
          {error}
        </span>
      )}
    </fieldset>
  );
}

/** The console's textarea is the shared one (re-exported so the design forms keep one import). */
export { TextArea } from "../../shared/ui.tsx";
