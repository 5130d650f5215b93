import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorAlert, formatDate, formatNumber, Pager } from "../shared/ui.tsx";
import { getLedger, type LedgerEntry, meKeys } from "./api/me.ts";

const WHAT = {
  earn: "Earned",
  adjustment: "Adjustment",
  transfer: "Transfer",
  hold: "Reserved",
  capture: "Spent",
  void: "Reservation released",
  activation: "Now spendable",
  expiry: "Expired",
  reversal: "Reversed",
} satisfies Record<LedgerEntry["type"], string>;

const EVENT_WORDS: Record<string, string> = {
  purchase: "Purchase",
  return: "Return",
  signup: "Welcome",
  birthday: "Birthday",
  referral: "Referral",
};

/**
 * A ledger reason as a member should read it: without our internal ids ("Redeemed 1 × Free
 * latte (red_01…)" → "Redeemed 1 × Free latte"; "purchase pos-6c67…" → "Purchase").
 */
export function memberReason(reason: string | null): string | null {
  if (!reason) return null;
  const event = /^([a-z_]+) \S+$/.exec(reason);
  if (event?.[1]) return EVENT_WORDS[event[1]] ?? event[1].replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  return reason.replace(/\s*\([a-z]{2,5}_[0-9a-z]{20,}\)/g, "").trim() || null;
}

/** One line of the history: an entry, or the expiries of one day added up. */
export interface HistoryLine {
  key: string;
  type: LedgerEntry["type"];
  reason: string | null;
  effectiveAt: string;
  netChange: number;
}

/**
 * The entries as lines a member reads: points expire lot by lot (the ledger books each lot's
 * expiry, so a return can tell what of a lot expired), but a member sees one line per expiry day
 * with the day's total. Only neighbouring entries join: the list stays in the ledger's order.
 */
export function historyLines(entries: LedgerEntry[]): HistoryLine[] {
  const lines: HistoryLine[] = [];
  for (const e of entries) {
    const last = lines.at(-1);
    if (e.type === "expiry" && last?.type === "expiry" && formatDate(last.effectiveAt) === formatDate(e.effectiveAt)) {
      last.netChange += e.netChange;
      continue;
    }
    lines.push({ key: e.id, type: e.type, reason: e.reason, effectiveAt: e.effectiveAt, netChange: e.netChange });
  }
  return lines;
}

/** The member's points history, newest first, a page at a time (or the latest five, embedded). */
export function History({ embedded = false }: { embedded?: boolean }) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const limit = embedded ? 5 : 20;
  const page = useQuery({
    queryKey: meKeys.ledgerPage(limit, cursor),
    queryFn: () => getLedger(limit, cursor),
  });
  const list = (
    <>
      {page.error && <ErrorAlert error={page.error} />}
      {!page.data && !page.error && <p>Loading…</p>}
      {page.data && page.data.data.length === 0 && <p className="muted">Nothing yet: your points will show here.</p>}
      {page.data && page.data.data.length > 0 && (
        <ul className="list">
          {historyLines(page.data.data).map((e) => (
            <li key={e.key} className="spread">
              <div>
                <div>
                  <strong>{WHAT[e.type] ?? e.type}</strong>
                  {memberReason(e.reason) && <span> · {memberReason(e.reason)}</span>}
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
