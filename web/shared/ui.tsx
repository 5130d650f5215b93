import { type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes, useId } from "react";
import { ApiError } from "./api/http.ts";

/** The label, hint and API message around one form control; `control` gets its id and aria props. */
function FieldFrame({
  label,
  hint,
  error,
  control,
}: {
  label: string;
  hint?: string;
  error?: string;
  control: (props: { id: string; "aria-invalid"?: true; "aria-describedby"?: string }) => ReactNode;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {control({
        id,
        "aria-invalid": error ? true : undefined,
        "aria-describedby": error ? `${id}-error` : hint ? `${id}-hint` : undefined,
      })}
      {hint && !error && (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {error && (
        <span className="error" id={`${id}-error`}>
          {error}
        </span>
      )}
    </div>
  );
}

/** A labelled input with its hint and the API's own validation message for its field. */
export function Field({
  label,
  hint,
  error,
  ...input
}: { label: string; hint?: string; error?: string } & InputHTMLAttributes<HTMLInputElement>) {
  return <FieldFrame label={label} hint={hint} error={error} control={(props) => <input {...props} {...input} />} />;
}

/** A labelled textarea with its hint and the API's message for its field. */
export function TextArea({
  label,
  hint,
  error,
  ...textarea
}: { label: string; hint?: string; error?: string } & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <FieldFrame label={label} hint={hint} error={error} control={(props) => <textarea rows={3} {...props} {...textarea} />} />
  );
}

export function SelectField({
  label,
  hint,
  error,
  options,
  ...select
}: {
  label: string;
  hint?: string;
  error?: string;
  options: { value: string; label: string }[];
} & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <FieldFrame
      label={label}
      hint={hint}
      error={error}
      control={(props) => (
        <select {...props} {...select}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    />
  );
}

export function Checkbox({ label, ...input }: { label: string } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div className="check">
      <input id={id} type="checkbox" {...input} />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}

/** An error as the API worded it (or a network failure), announced to screen readers. */
export function ErrorAlert({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  return (
    <div className="alert error" role="alert">
      {message}
    </div>
  );
}

export function Notice({ kind = "ok", children }: { kind?: "ok" | "info" | "error"; children: ReactNode }) {
  return (
    <div className={`alert ${kind}`} role="status">
      {children}
    </div>
  );
}

/** The validation message the API gave for `path`, if the error is a validation error. */
export function fieldError(error: unknown, path: string): string | undefined {
  return error instanceof ApiError ? error.fieldError(path) : undefined;
}

export function Stat({ label, value, hint }: { label: string; value: ReactNode; hint?: ReactNode }) {
  return (
    <div className="stat">
      <div className="label">{label}</div>
      <div className="value">{value}</div>
      {hint && <div className="muted">{hint}</div>}
    </div>
  );
}

/** "Next page" for the API's cursor pagination; `cursors` is the stack of pages seen. */
export function Pager({
  nextCursor,
  cursors,
  onChange,
}: {
  nextCursor: string | null | undefined;
  cursors: (string | undefined)[];
  onChange: (cursors: (string | undefined)[]) => void;
}) {
  return (
    <nav className="row" aria-label="Pagination" style={{ marginTop: "0.75rem" }}>
      <button type="button" className="secondary" disabled={cursors.length <= 1} onClick={() => onChange(cursors.slice(0, -1))}>
        Previous
      </button>
      <span className="muted">Page {cursors.length}</span>
      <button
        type="button"
        className="secondary"
        disabled={!nextCursor}
        onClick={() => nextCursor && onChange([...cursors, nextCursor])}
      >
        Next
      </button>
    </nav>
  );
}

const numberFormat = new Intl.NumberFormat(undefined);
export const formatPoints = (n: number) => `${numberFormat.format(n)} pts`;
export const formatNumber = (n: number) => numberFormat.format(n);
export function formatMoney(amount: number | string, currency: string): string {
  return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(Number(amount));
}
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
