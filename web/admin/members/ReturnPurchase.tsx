import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { sendOnce } from "../../shared/api/http.ts";
import { currencyDigits, formatMinor as formatTyped, parseAmount } from "../../shared/money.ts";
import { ErrorAlert, Field, formatPoints, Notice } from "../../shared/ui.tsx";
import { returnPurchase, type StoredEvent } from "../api/members.ts";
import { apiFieldError } from "./common.tsx";
import { useMemberRefresh } from "./MemberActions.tsx";

/** A purchase of which something is left to return. */
export const returnable = (e: StoredEvent): boolean =>
  e.type === "purchase" && (e.status === "processed" || e.status === "claimed") && (e.amount ?? 0) > e.returnedAmount;

/**
 * Returns all or part of a purchase from the member's history, with a reason (kept in the ledger
 * entry): the return engine takes its points back in proportion, as the README's return section says.
 */
export function ReturnPurchase({ event, memberId, currency }: { event: StoredEvent; memberId: string; currency: string }) {
  const left = (event.amount ?? 0) - event.returnedAmount;
  const [open, setOpen] = useState(false);
  const [amount, setAmount] = useState(() => String(left / 10 ** currencyDigits(currency)));
  const [reason, setReason] = useState("");
  const [localError, setLocalError] = useState<{ field: "amount" | "reason"; message: string } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const refresh = useMemberRefresh(memberId);
  const send = useMutation({
    mutationFn: (body: { returnId: string; amount: number | null; reason: string }) =>
      sendOnce((opts) => returnPurchase({ id: event.id, memberId }, body, opts)),
    onSuccess: async (result) => {
      setOpen(false);
      setDone(
        `Returned ${formatTyped(result.return?.returnedAmount ?? 0, currency)}: ${formatPoints(result.return?.pointsTakenBack ?? 0)} taken back.`,
      );
      await refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const minor = parseAmount(amount, currency);
    if (minor === null || minor <= 0) {
      setLocalError({ field: "amount", message: `Enter an amount in ${currency} up to ${formatTyped(left, currency)}` });
      return;
    }
    if (!reason.trim()) {
      setLocalError({ field: "reason", message: "Say why it is returned" });
      return;
    }
    setLocalError(null);
    send.mutate({ returnId: `return-${crypto.randomUUID()}`, amount: minor, reason: reason.trim() });
  };

  if (done) return <Notice>{done}</Notice>;
  if (!open) {
    return (
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        Return…<span className="visually-hidden"> purchase {event.id}</span>
      </button>
    );
  }
  return (
    <form onSubmit={submit} noValidate style={{ minWidth: "16rem" }} aria-label={`Return purchase ${event.id}`}>
      <ErrorAlert
        error={send.error && !apiFieldError(send.error, "amount") && !apiFieldError(send.error, "reason") ? send.error : null}
      />
      <Field
        label={`Amount returned (${currency})`}
        inputMode="decimal"
        value={amount}
        onChange={(e) => {
          setAmount(e.target.value);
          setLocalError(null);
        }}
        error={localError?.field === "amount" ? localError.message : apiFieldError(send.error, "amount")}
        hint={`Up to ${formatTyped(left, currency)}`}
      />
      <Field
        label="Reason"
        value={reason}
        onChange={(e) => {
          setReason(e.target.value);
          setLocalError(null);
        }}
        error={localError?.field === "reason" ? localError.message : apiFieldError(send.error, "reason")}
        hint="Kept in the member's history"
        required
      />
      <div className="row">
        <button type="submit" disabled={send.isPending}>
          {send.isPending ? "Returning…" : "Return and take points back"}
        </button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
