import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { ApiError } from "../../shared/api/http.ts";
import { formatMoney } from "../../shared/ui.tsx";
import type { LedgerType, Member, MemberStatus } from "../api/members.ts";

/** Cursor paging state that starts over when `resetKey` (the query) changes. */
export function useCursors(resetKey: string) {
  const [state, setState] = useState<{ key: string; cursors: (string | undefined)[] }>({
    key: resetKey,
    cursors: [undefined],
  });
  const cursors = state.key === resetKey ? state.cursors : [undefined];
  return {
    cursor: cursors.at(-1),
    cursors,
    setCursors: (next: (string | undefined)[]) => setState({ key: resetKey, cursors: next }),
  };
}

/**
 * The API's message for a field: a validation issue at `path`, or a refusal that names the field
 * (a phone that cannot be a number, an email another member has: `details.field`).
 */
export function apiFieldError(error: unknown, path: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const issue = error.fieldError(path);
  if (issue) return issue;
  const field = (error.details as { field?: unknown } | undefined)?.field;
  return field === path ? error.message : undefined;
}

export const memberName = (m: Pick<Member, "name" | "email" | "phone" | "id">) => m.name ?? m.email ?? m.phone ?? m.id;

export function StatusBadge({ status }: { status: MemberStatus | string }) {
  return <span className={`badge${status === "blocked" || status === "cancelled" ? " blocked" : ""}`}>{status}</span>;
}

/** Points with a sign, for changes. */
export function signedPoints(n: number): string {
  const formatted = new Intl.NumberFormat(undefined).format(Math.abs(n));
  return n > 0 ? `+${formatted}` : n < 0 ? `−${formatted}` : "0";
}

/** Minor units (cents) in the currency's own decimals. */
export function formatMinor(amount: number, currency: string): string {
  const digits = new Intl.NumberFormat(undefined, { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return formatMoney(amount / 10 ** digits, currency);
}

/** What each kind of ledger entry means, in words for the history table. */
export const LEDGER_EXPLANATIONS: Record<LedgerType, string> = {
  earn: "Earned from an event (a purchase, sign-up or other action)",
  adjustment: "Adjusted by hand",
  transfer: "Moved between members",
  hold: "Reserved at a till or for a redemption",
  capture: "Spent (a redemption or a payment)",
  void: "Reservation released",
  activation: "Pending points became available",
  expiry: "Points expired",
  reversal: "An earlier entry undone",
};

/**
 * A button that asks before it acts: the question and a confirm button appear in place (focus
 * moves to them) and the action runs only on confirm. The action's error stays on screen.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  danger,
  onConfirm,
  pending,
  children,
}: {
  label: string;
  question: string;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<unknown>;
  pending?: boolean;
  children?: ReactNode;
}) {
  const [asking, setAsking] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  const open = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) confirm.current?.focus();
    else if (wasAsking.current) open.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  if (!asking) {
    return (
      <button ref={open} type="button" className={danger ? "danger" : "secondary"} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <fieldset className="panel" style={{ marginBottom: 0 }}>
      <legend style={{ fontWeight: 650, padding: "0 0.25rem" }}>{question}</legend>
      {children}
      <div className="row">
        <button
          ref={confirm}
          type="button"
          className={danger ? "danger" : undefined}
          disabled={pending}
          onClick={() =>
            onConfirm().then(
              () => setAsking(false),
              () => undefined, // the caller shows the error; the question stays open
            )
          }
        >
          {pending ? "Working…" : confirmLabel}
        </button>
        <button type="button" className="secondary" onClick={() => setAsking(false)}>
          Cancel
        </button>
      </div>
    </fieldset>
  );
}

/** A table's scrolling frame: focusable and named, so keyboard users can scroll it on a narrow screen. */
export function TableWrap({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1)
    <section className="table-wrap" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}

/** Tabs (WAI-ARIA pattern): arrow keys move between tabs, only the chosen panel is shown. */
export function Tabs({ label, tabs }: { label: string; tabs: { id: string; label: string; content: ReactNode }[] }) {
  const [selected, setSelected] = useState(tabs[0]?.id);
  const base = useId();
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const onKey = (e: KeyboardEvent, index: number) => {
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    const to = e.key === "Home" ? 0 : e.key === "End" ? tabs.length - 1 : step ? (index + step + tabs.length) % tabs.length : -1;
    if (to < 0) return;
    e.preventDefault();
    const tab = tabs[to];
    if (!tab) return;
    setSelected(tab.id);
    refs.current[tab.id]?.focus();
  };
  return (
    <div>
      <div role="tablist" aria-label={label} className="row tabs">
        {tabs.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el;
            }}
            type="button"
            role="tab"
            id={`${base}-${t.id}-tab`}
            aria-selected={selected === t.id}
            aria-controls={`${base}-${t.id}-panel`}
            tabIndex={selected === t.id ? 0 : -1}
            className={selected === t.id ? undefined : "secondary"}
            onClick={() => setSelected(t.id)}
            onKeyDown={(e) => onKey(e, i)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {tabs
        .filter((t) => t.id === selected)
        .map((t) => (
          <div
            key={t.id}
            role="tabpanel"
            id={`${base}-${t.id}-panel`}
            aria-labelledby={`${base}-${t.id}-tab`}
            // biome-ignore lint/a11y/noNoninteractiveTabindex: the WAI-ARIA tabs pattern makes the panel focusable
            tabIndex={0}
            style={{ marginTop: "0.75rem" }}
          >
            {t.content}
          </div>
        ))}
    </div>
  );
}
