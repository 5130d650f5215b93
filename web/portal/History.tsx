import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../shared/api.ts";
import { ErrorAlert, formatDate, formatNumber, Pager } from "../shared/ui.tsx";
import type { LedgerEntry } from "./types.ts";

const WHAT: Record<string, string> = {
  earn: "Earned",
  adjustment: "Adjustment",
  transfer: "Transfer",
  hold: "Reserved",
  capture: "Spent",
  void: "Reservation released",
  activation: "Now spendable",
  expiry: "Expired",
  reversal: "Reversed",
};

/** The member's points history, newest first, a page at a time (or the latest five, embedded). */
export function History({ embedded = false }: { embedded?: boolean }) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const limit = embedded ? 5 : 20;
  const page = useQuery({
    queryKey: ["me-ledger", limit, cursor],
    queryFn: () => api.get<{ data: LedgerEntry[]; nextCursor: string | null }>("/v1/me/ledger", { limit, cursor }),
  });
  const list = (
    <>
      {page.error && <ErrorAlert error={page.error} />}
      {!page.data && !page.error && <p>Loading…</p>}
      {page.data && page.data.data.length === 0 && <p className="muted">Nothing yet: your points will show here.</p>}
      {page.data && page.data.data.length > 0 && (
        <ul className="list">
          {page.data.data.map((e) => (
            <li key={e.id} className="spread">
              <div>
                <div>
                  <strong>{WHAT[e.type] ?? e.type}</strong>
                  {e.reason && <span> · {e.reason}</span>}
                </div>
                <div className="muted">{formatDate(e.effectiveAt)}</div>
              </div>
              {e.netChange !== 0 && (
                <span className={e.netChange > 0 ? "points-plus" : "points-minus"}>
                  {e.netChange > 0 ? "+" : "−"}
                  {formatNumber(Math.abs(e.netChange))} pts
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
  if (embedded) return list;
  return (
    <>
      <h1>History</h1>
      <section className="panel" aria-label="Points history">
        {list}
        <Pager nextCursor={page.data?.nextCursor} cursors={cursors} onChange={setCursors} />
      </section>
    </>
  );
}
