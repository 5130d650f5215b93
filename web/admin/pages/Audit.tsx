import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type FormEvent, Fragment, useState } from "react";
import { ErrorAlert, Field, fieldError, formatDateTime, Pager } from "../../shared/ui.tsx";
import { auditKeys, listAudit } from "../api/audit.ts";

interface Filters {
  actor: string;
  action: string;
  targetId: string;
  from: string;
  to: string;
}

/** Long ids and routes wrap anywhere rather than widen the table. */
const BREAK = { wordBreak: "break-all", fontSize: "0.85rem" } as const;

const EMPTY: Filters = { actor: "", action: "", targetId: "", from: "", to: "" };
const PAGE_SIZE = 25;

/** A date box's day (local time) as the API's time: its start, or for "to" the start of the next day. */
function dayStart(date: string, plusDays = 0): string | undefined {
  if (!date) return undefined;
  const [y, m, d] = date.split("-").map(Number);
  if (!y || !m || !d) return undefined;
  return new Date(y, m - 1, d + plusDays).toISOString();
}

export default function Audit() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [open, setOpen] = useState<string | null>(null);
  const cursor = cursors.at(-1);
  const log = useQuery({
    queryKey: auditKeys.page(filters, cursor),
    queryFn: () =>
      listAudit({
        actor: filters.actor.trim(),
        action: filters.action.trim(),
        targetId: filters.targetId.trim(),
        from: dayStart(filters.from),
        to: dayStart(filters.to, 1),
        limit: PAGE_SIZE,
        cursor,
      }),
    placeholderData: keepPreviousData,
  });
  const apply = (next: Filters) => {
    setFilters(next);
    setCursors([undefined]);
    setOpen(null);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply(draft);
  };
  const input = (key: keyof Filters) => ({
    value: draft[key],
    onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value })),
  });
  const err = (path: string) => fieldError(log.error, path);

  return (
    <>
      <h1>Audit log</h1>
      <p className="muted">Every change made in the console or through the API: who, what, when, and what changed.</p>
      <form className="panel" onSubmit={submit} aria-label="Filter the audit log">
        <div className="grid">
          <Field label="Actor" hint="staff:stf_… or key:key_…" {...input("actor")} error={err("actor")} />
          <Field label="Action" hint="e.g. PATCH or /v1/members" {...input("action")} error={err("action")} />
          <Field label="Target id" {...input("targetId")} error={err("targetId")} />
          <Field label="From date" type="date" {...input("from")} error={err("from")} />
          <Field label="To date" type="date" {...input("to")} error={err("to")} />
        </div>
        <div className="row">
          <button type="submit">Filter</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft(EMPTY);
              apply(EMPTY);
            }}
          >
            Clear filters
          </button>
        </div>
      </form>
      <ErrorAlert error={log.error} />
      <div className="table-wrap">
        <table style={{ tableLayout: "fixed", width: "100%" }}>
          <caption className="visually-hidden">Changes, newest first</caption>
          <thead>
            <tr>
              <th scope="col" style={{ width: "15%" }}>
                When
              </th>
              <th scope="col" style={{ width: "25%" }}>
                Who
              </th>
              <th scope="col" style={{ width: "28%" }}>
                What
              </th>
              <th scope="col" style={{ width: "18%" }}>
                Target
              </th>
              <th scope="col" style={{ width: "14%" }}>
                <span className="visually-hidden">Details</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {log.data?.data.map((e) => (
              <Fragment key={e.id}>
                <tr>
                  <td>{formatDateTime(e.at)}</td>
                  <td>
                    <div>{e.actorName ?? e.actor}</div>
                    {e.actorName && (
                      <div className="muted" style={BREAK}>
                        {e.actor}
                      </div>
                    )}
                  </td>
                  <td>
                    <div>{e.summary ?? e.action}</div>
                    <code className="muted" style={BREAK}>
                      {e.action}
                    </code>
                  </td>
                  <td>
                    <code style={BREAK}>{e.targetId ?? "—"}</code>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="secondary"
                      aria-expanded={open === e.id}
                      aria-controls={`audit-${e.id}`}
                      onClick={() => setOpen(open === e.id ? null : e.id)}
                    >
                      {open === e.id ? "Hide changes" : "Show changes"}
                    </button>
                  </td>
                </tr>
                {open === e.id && (
                  <tr id={`audit-${e.id}`}>
                    <td colSpan={5}>
                      <Changes before={e.before} after={e.after} requestId={e.requestId} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      {log.data && log.data.data.length === 0 && <p>No changes match.</p>}
      {log.isPending && <p>Loading…</p>}
      <Pager nextCursor={log.data?.nextCursor} cursors={cursors} onChange={setCursors} />
    </>
  );
}

type Flat = Map<string, string>;

/** Nested objects as dotted fields (`pointsExpiry.months`); arrays and values as readable JSON. */
function flatten(value: unknown, prefix = "", out: Flat = new Map()): Flat {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.set(prefix, "{}");
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, value === undefined ? "—" : typeof value === "string" ? value : JSON.stringify(value));
  }
  return out;
}

/** What changed, field by field: the fields whose value differs (all of them for a creation). */
function changedFields(before: unknown, after: unknown): { field: string; before: string | null; after: string | null }[] {
  const b = before === null || before === undefined ? null : flatten(before);
  const a = flatten(after ?? {});
  const fields = [...new Set([...(b?.keys() ?? []), ...a.keys()])];
  return fields
    .filter((f) => b === null || b.get(f) !== a.get(f))
    .map((f) => ({ field: f, before: b ? (b.get(f) ?? null) : null, after: a.get(f) ?? null }));
}

function Changes({ before, after, requestId }: { before: unknown; after: unknown; requestId: string | null }) {
  const rows = changedFields(before, after);
  const creation = before === null || before === undefined;
  return (
    <div>
      <p className="muted">
        {creation ? "The answer the change gave (nothing recorded before it)." : "Fields that changed."}
        {requestId && ` Request ${requestId}.`}
      </p>
      {rows.length === 0 ? (
        <p>No field changed.</p>
      ) : (
        <table style={{ tableLayout: "fixed", width: "100%" }}>
          <caption className="visually-hidden">Changed fields</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              {!creation && <th scope="col">Before</th>}
              <th scope="col">{creation ? "Value" : "After"}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.field}>
                <th scope="row">
                  <code style={BREAK}>{r.field}</code>
                </th>
                {!creation && <td style={BREAK}>{r.before ?? "—"}</td>}
                <td style={BREAK}>{r.after ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
