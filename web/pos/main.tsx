import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode, useCallback, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { markChecklist } from "../admin/api/setup.ts";
import { StaffGate } from "../admin/StaffGate.tsx";
import { createStaffQueryClient, useSession } from "../admin/session.tsx";
import "../shared/styles.css";
import "./pos.css";
import type { Member } from "./api/members.ts";
import { Lookup } from "./Lookup.tsx";
import { memberLabel } from "./lookup.ts";
import { MemberPanel } from "./MemberPanel.tsx";
import { Purchase } from "./Purchase.tsx";
import { Rewards } from "./Rewards.tsx";
import { VoucherPanel } from "./Voucher.tsx";

const queryClient = createStaffQueryClient();

/** The point of sale: cashiers, managers and owners sign in with their staff account. */
function App() {
  return (
    <StaffGate till>
      <PointOfSale />
    </StaffGate>
  );
}

/** Focuses the element a shortcut names (`data-shortcut`), or the first button inside it. */
function focusShortcut(name: string): boolean {
  const el = document.querySelector<HTMLElement>(`[data-shortcut="${name}"]`);
  if (!el) return false;
  const target = el.matches("input, button, select, textarea")
    ? el
    : (el.querySelector<HTMLElement>("button:not(:disabled)") ?? el.querySelector<HTMLElement>("[tabindex='-1']"));
  if (!target) return false;
  target.focus();
  if (target instanceof HTMLInputElement) target.select();
  return true;
}

const SHORTCUTS: Record<string, string> = { KeyL: "lookup", KeyP: "purchase", KeyR: "rewards", KeyV: "voucher" };

function PointOfSale() {
  const { session, program, signOut } = useSession();
  const [member, setMember] = useState<Member | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [saleUnconfirmed, setSaleUnconfirmed] = useState(false);
  const close = useCallback(() => setMember(null), []);

  // Ticks "open the till" on the programme's checklist; nothing else records that a till was opened.
  useEffect(() => {
    markChecklist("till_opened").catch(() => undefined);
  }, []);

  const open = useCallback((m: Member) => {
    setMember(m);
    setAnnouncement(`Opened ${memberLabel(m)}. Alt+P to record a purchase.`);
  }, []);

  // After a member opens, the amount field is where the next keystrokes go.
  useEffect(() => {
    if (member) focusShortcut("purchase");
  }, [member]);

  // Escape goes back to the lookup field; Alt+L / P / R / V jump to the lookup, purchase, rewards, voucher.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !e.altKey && !e.ctrlKey && !e.metaKey) {
        if (focusShortcut("lookup")) e.preventDefault();
        return;
      }
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const name = SHORTCUTS[e.code];
      if (name && focusShortcut(name)) e.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  return (
    <div className="pos">
      <header className="pos-header spread">
        <span className="brand">{program.name} · Point of sale</span>
        <span className="row">
          <span>
            {session.staff.name ?? session.staff.email} <span className="muted-on-dark">({session.staff.role})</span>
            {session.storeId && <span className="muted-on-dark"> · Store {session.storeId}</span>}
          </span>
          <button type="button" className="secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <main className="pos-main">
        <h1 className="visually-hidden">Point of sale</h1>
        <p className="pos-shortcuts" id="pos-shortcuts">
          Keys: <kbd>Alt+L</kbd> find member · <kbd>Alt+P</kbd> purchase · <kbd>Alt+R</kbd> rewards · <kbd>Alt+V</kbd> voucher ·{" "}
          <kbd>Esc</kbd> back to the lookup
        </p>
        <Lookup
          onOpen={open}
          onSearch={close}
          blocked={
            saleUnconfirmed ? "A sale is not confirmed yet: retry it (or start a new sale) before finding the next member." : null
          }
        />
        <p className="visually-hidden" role="status">
          {announcement}
        </p>
        <div className="pos-columns">
          {member ? (
            <div key={member.id}>
              <MemberPanel member={member} />
              <Purchase member={member} currency={program.currency} onUnconfirmed={setSaleUnconfirmed} />
            </div>
          ) : (
            <div className="panel">
              <h2>No member open</h2>
              <p className="muted">Find a member by phone, card or email to record a purchase or redeem a reward.</p>
            </div>
          )}
          <div>
            {member && <Rewards key={member.id} member={member} />}
            <VoucherPanel memberId={member?.id ?? null} />
          </div>
        </div>
      </main>
    </div>
  );
}

const root = document.getElementById("root");
if (root)
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </StrictMode>,
  );
