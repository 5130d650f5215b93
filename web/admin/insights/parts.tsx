import { type ReactElement, type ReactNode, useId } from "react";
import { ResponsiveContainer } from "recharts";

/**
 * What every report page shares: a chart panel with an accessible name and its numbers as a
 * table, and a link that downloads one of a report's tables as CSV from the server
 * (`?format=csv&table=...`, written by csv-stringify there, money in the currency's major unit).
 */

/** A chart with a heading, an accessible name that states what it shows, and the same numbers as a table. */
export function ChartPanel({
  title,
  summary,
  children,
  table,
  tableVisible = false,
  actions,
  height = 280,
}: {
  title: string;
  summary: string;
  children: ReactElement;
  /** The chart's numbers: hidden for screen readers only, unless `tableVisible`. */
  table: ReactNode;
  tableVisible?: boolean;
  /** Links beside the heading (a CSV download). */
  actions?: ReactNode;
  height?: number;
}) {
  const id = useId();
  return (
    <section className="panel" aria-labelledby={id}>
      <div className="row" style={{ justifyContent: "space-between", alignItems: "baseline" }}>
        <h2 id={id} style={{ marginTop: 0 }}>
          {title}
        </h2>
        {actions}
      </div>
      <div role="img" aria-label={summary} style={{ width: "100%", height }}>
        <ResponsiveContainer width="100%" height="100%">
          {children}
        </ResponsiveContainer>
      </div>
      <div className={tableVisible ? undefined : "visually-hidden"}>{table}</div>
    </section>
  );
}

/** The address of one of a report's tables as CSV: the report's own query, plus format and table. */
export function csvHref(path: string, query: Record<string, string | number | undefined | null>, table: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  params.set("format", "csv");
  params.set("table", table);
  return `${path}?${params.toString()}`;
}

/** A download link for one table (the session cookie goes with it: a GET needs no CSRF token). */
export function CsvLink({
  path,
  query,
  table,
  label = "Download CSV",
  description,
}: {
  path: string;
  query: Record<string, string | number | undefined | null>;
  table: string;
  label?: string;
  /** What the file holds, for the link's accessible name ("Download CSV: per store"). */
  description?: string;
}) {
  return (
    <a
      className="button secondary"
      href={csvHref(path, query, table)}
      download
      aria-label={description ? `${label}: ${description}` : label}
    >
      {label}
    </a>
  );
}

/** Column headings of numbers (right-aligned), in order: a table's run of `<th scope="col" className="num">`. */
export function NumHeads({ labels }: { labels: readonly string[] }) {
  return (
    <>
      {labels.map((label) => (
        <th key={label} scope="col" className="num">
          {label}
        </th>
      ))}
    </>
  );
}
