import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { ApiError } from "../shared/api/http.ts";
import { ErrorAlert, Field, formatDate, formatDateTime } from "../shared/ui.tsx";
import { memberKeys } from "./api/members.ts";
import { checkVoucher, redeemVoucher, type VoucherCheck } from "./api/vouchers.ts";
import { NotConfirmed } from "./Lookup.tsx";
import { useOnceAction } from "./once.ts";

type CheckState =
  | { kind: "idle" }
  | { kind: "checking" }
  | { kind: "checked"; voucher: VoucherCheck }
  | { kind: "error"; error: unknown };

/** Why a voucher cannot be used, in words a cashier can say to the customer. */
export function voucherProblem(v: Pick<VoucherCheck, "status" | "usedAt" | "usedOrderId" | "expiresAt">): string | null {
  switch (v.status) {
    case "used":
      return `Already used${v.usedAt ? ` on ${formatDateTime(v.usedAt)}` : ""}${v.usedOrderId ? ` (order ${v.usedOrderId})` : ""}.`;
    case "expired":
      return `Expired${v.expiresAt ? ` on ${formatDate(v.expiresAt)}` : ""}.`;
    case "cancelled":
      return "Cancelled: its redemption was undone.";
    default:
      return null;
  }
}

function errorText(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 404) return "Unknown voucher code. Check the spelling and try again.";
  if (error.code === "voucher_used") return "Already used. A voucher can be used once.";
  if (error.code === "voucher_expired") return "Expired: this voucher can no longer be used.";
  if (error.code === "voucher_cancelled") return "Cancelled: its redemption was undone.";
  return null;
}

/** Check a voucher code, then use it: once, even when the answer is lost and the cashier retries. */
export function VoucherPanel({ memberId }: { memberId: string | null }) {
  const queryClient = useQueryClient();
  const [code, setCode] = useState("");
  const [check, setCheck] = useState<CheckState>({ kind: "idle" });
  const use = useOnceAction((c: string, options) => redeemVoucher(c, options));
  const useButton = useRef<HTMLButtonElement>(null);
  const checks = useRef(0);

  useEffect(() => {
    if (check.kind === "checked" && check.voucher.valid) useButton.current?.focus();
  }, [check]);
  useEffect(() => {
    if (use.state.status === "unconfirmed") useButton.current?.focus();
  }, [use.state.status]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const typed = code.trim();
    if (!typed || use.state.status === "unconfirmed" || use.state.status === "sending") return;
    use.reset();
    const mine = ++checks.current;
    setCheck({ kind: "checking" });
    try {
      const voucher = await checkVoucher(typed);
      if (mine === checks.current) setCheck({ kind: "checked", voucher });
    } catch (error) {
      if (mine === checks.current) setCheck({ kind: "error", error });
    }
  };

  const apply = async () => {
    if (check.kind !== "checked") return;
    const used = await use.run(check.voucher.code);
    if (used) {
      setCheck({ kind: "checked", voucher: used });
      // Ready for the next code.
      document.querySelector<HTMLInputElement>('[data-shortcut="voucher"]')?.focus();
      await queryClient.invalidateQueries({ queryKey: memberKeys.one(used.memberId) });
    } else if (use.pending() === null) {
      // Refused (used, expired or cancelled meanwhile): show the voucher as it is now.
      try {
        setCheck({
          kind: "checked",
          voucher: await checkVoucher(check.voucher.code),
        });
      } catch {
        // the refusal's own message is shown
      }
    }
  };

  const voucher = check.kind === "checked" ? check.voucher : null;
  const problem = voucher ? voucherProblem(voucher) : null;
  const useError = use.state.status === "failed" ? use.state.error : null;
  const justUsed = use.state.status === "done";
  return (
    <section className="panel" aria-labelledby="pos-voucher-title-h">
      <h2 id="pos-voucher-title-h">
        Apply a voucher <kbd>Alt+V</kbd>
      </h2>
      <form onSubmit={submit} className="row" noValidate>
        <Field
          label="Voucher code"
          value={code}
          onChange={(e) => {
            setCode(e.target.value);
            if (check.kind !== "idle" && use.state.status !== "unconfirmed") setCheck({ kind: "idle" });
          }}
          autoComplete="off"
          spellCheck={false}
          autoCapitalize="characters"
          readOnly={use.state.status === "unconfirmed" || use.state.status === "sending"}
          hint="Enter to check it"
          data-shortcut="voucher"
          aria-keyshortcuts="Alt+V"
        />
        <button type="submit" className="secondary" disabled={check.kind === "checking"}>
          {check.kind === "checking" ? "Checking…" : "Check"}
        </button>
      </form>
      <div role="status">
        {check.kind === "error" && errorText(check.error) && <div className="alert error">{errorText(check.error)}</div>}
        {voucher && (
          <div className={`alert ${justUsed ? "ok" : problem ? "error" : "info"}`}>
            <p>
              <span className="pos-code">{voucher.code}</span>: <strong>{voucher.reward.name}</strong>
            </p>
            {justUsed ? (
              <p className="pos-big">Voucher applied</p>
            ) : problem ? (
              <p>
                <strong>Cannot be used.</strong> {problem}
              </p>
            ) : (
              <p>
                Valid{voucher.expiresAt ? ` until ${formatDate(voucher.expiresAt)}` : ""}.
                {memberId && voucher.memberId !== memberId && " It belongs to another member."}
              </p>
            )}
          </div>
        )}
        {useError !== null && errorText(useError) && !problem && <div className="alert error">{errorText(useError)}</div>}
      </div>
      {check.kind === "error" && !errorText(check.error) && <ErrorAlert error={check.error} />}
      {useError !== null && !errorText(useError) && <ErrorAlert error={useError} />}
      {use.state.status === "unconfirmed" && <NotConfirmed what="Using the voucher" />}
      {voucher?.valid && !justUsed && (
        <div className="row">
          <button ref={useButton} type="button" onClick={() => void apply()} disabled={use.state.status === "sending"}>
            {use.state.status === "unconfirmed" ? "Retry using the voucher" : "Use voucher"}
          </button>
          {use.state.status === "unconfirmed" && (
            <button type="button" className="secondary" onClick={use.reset}>
              Cancel
            </button>
          )}
        </div>
      )}
    </section>
  );
}
