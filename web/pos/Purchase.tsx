import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { ApiError } from "../shared/api/http.ts";
import { ErrorAlert, Field, fieldError, formatNumber, formatPoints } from "../shared/ui.tsx";
import { type Member, memberKeys } from "./api/members.ts";
import { type EventResult, type PurchaseEvent, type PurchaseItem, recordSale } from "./api/sales.ts";
import { NotConfirmed } from "./Lookup.tsx";
import { parseAmount } from "./money.ts";
import { useOnceAction } from "./once.ts";

interface ItemRow {
  key: number;
  sku: string;
  category: string;
  quantity: string;
  price: string;
}

const AMOUNT_HINT = "Optional when items are listed: their total is used";

/**
 * Records a sale as a purchase event. Each sale has its own event id (the server's idempotency key
 * for events) and Idempotency-Key, kept until the server confirms it or the cashier starts a new
 * sale, so a retry after a lost answer is the same sale, earned once.
 */
export function Purchase({
  member,
  currency,
  onUnconfirmed,
}: {
  member: Member;
  currency: string;
  /** Told whether a sale is waiting to be confirmed (the screen keeps the member open meanwhile). */
  onUnconfirmed: (unconfirmed: boolean) => void;
}) {
  const queryClient = useQueryClient();
  const [amount, setAmount] = useState("");
  const [items, setItems] = useState<ItemRow[]>([]);
  const [localError, setLocalError] = useState<{ path: string; message: string } | null>(null);
  const nextKey = useRef(1);
  const retry = useRef<HTMLButtonElement>(null);
  const sale = useOnceAction((event: PurchaseEvent, options) => recordSale(event, options));
  const { state } = sale;
  const locked = state.status === "sending" || state.status === "unconfirmed";

  useEffect(() => {
    if (state.status === "unconfirmed") retry.current?.focus();
    onUnconfirmed(state.status === "unconfirmed");
  }, [state.status, onUnconfirmed]);

  const build = (): PurchaseEvent | null => {
    const parsedItems: PurchaseItem[] = [];
    for (const [i, row] of items.entries()) {
      if (!row.sku.trim() && !row.price.trim()) continue;
      const unitPrice = parseAmount(row.price, currency);
      if (unitPrice === null) {
        setLocalError({ path: `items.${i}.unitPrice`, message: "Enter a price like 3.50" });
        return null;
      }
      const quantity = Number(row.quantity || "1");
      if (!Number.isInteger(quantity) || quantity < 1) {
        setLocalError({ path: `items.${i}.quantity`, message: "Enter a whole number of 1 or more" });
        return null;
      }
      parsedItems.push({
        sku: row.sku.trim(),
        ...(row.category.trim() && { category: row.category.trim() }),
        quantity,
        unitPrice,
      });
    }
    const minor = amount.trim() ? parseAmount(amount, currency) : null;
    if (amount.trim() && minor === null) {
      setLocalError({ path: "amount", message: `Enter an amount in ${currency}, like 12.50` });
      return null;
    }
    if (minor === null && parsedItems.length === 0) {
      setLocalError({ path: "amount", message: "Enter the amount paid (or list the items)" });
      return null;
    }
    return {
      id: `pos-${crypto.randomUUID()}`,
      type: "purchase",
      memberId: member.id,
      ...(minor !== null && { amount: minor }),
      ...(parsedItems.length > 0 && { items: parsedItems }),
      channel: "store",
    };
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setLocalError(null);
    let event: PurchaseEvent | undefined;
    if (state.status !== "unconfirmed") {
      const built = build();
      if (!built) return;
      event = built;
    }
    const result = await sale.run(event);
    if (result) {
      setAmount("");
      setItems([]);
      await queryClient.invalidateQueries({ queryKey: memberKeys.one(member.id) });
    }
  };

  const newSale = () => {
    sale.reset();
    setAmount("");
    setItems([]);
    setLocalError(null);
  };

  const apiError = state.status === "failed" ? state.error : null;
  const errorAt = (path: string) => (localError?.path === path ? localError.message : fieldError(apiError, path));
  const setItem = (key: number, patch: Partial<ItemRow>) =>
    setItems((rows) => rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  return (
    <section className="panel" aria-labelledby="pos-purchase-title">
      <h2 id="pos-purchase-title">
        Record a purchase <kbd>Alt+P</kbd>
      </h2>
      <form onSubmit={submit} noValidate>
        <Field
          label={`Amount (${currency})`}
          inputMode="decimal"
          autoComplete="off"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          error={errorAt("amount")}
          hint={items.length > 0 ? AMOUNT_HINT : "Enter to record"}
          readOnly={locked}
          data-shortcut="purchase"
          aria-keyshortcuts="Alt+P"
        />
        {items.map((row, i) => (
          <fieldset key={row.key} className="pos-item">
            <legend>Item {i + 1}</legend>
            <Field
              label="SKU"
              value={row.sku}
              onChange={(e) => setItem(row.key, { sku: e.target.value })}
              error={errorAt(`items.${i}.sku`)}
              readOnly={locked}
            />
            <Field
              label="Category"
              value={row.category}
              onChange={(e) => setItem(row.key, { category: e.target.value })}
              error={errorAt(`items.${i}.category`)}
              readOnly={locked}
            />
            <Field
              label="Quantity"
              inputMode="numeric"
              value={row.quantity}
              onChange={(e) => setItem(row.key, { quantity: e.target.value })}
              error={errorAt(`items.${i}.quantity`)}
              readOnly={locked}
            />
            <Field
              label={`Unit price (${currency})`}
              inputMode="decimal"
              value={row.price}
              onChange={(e) => setItem(row.key, { price: e.target.value })}
              error={errorAt(`items.${i}.unitPrice`)}
              readOnly={locked}
            />
            <button
              type="button"
              className="secondary pos-item-remove"
              disabled={locked}
              onClick={() => setItems((rows) => rows.filter((r) => r.key !== row.key))}
            >
              Remove item {i + 1}
            </button>
          </fieldset>
        ))}
        {state.status === "unconfirmed" && <NotConfirmed what="The sale" />}
        {apiError !== null && !(apiError instanceof ApiError && apiError.issues.length > 0) && <ErrorAlert error={apiError} />}
        <div className="row">
          <button ref={retry} type="submit" disabled={state.status === "sending"}>
            {state.status === "sending" ? "Recording…" : state.status === "unconfirmed" ? "Retry sale" : "Record purchase"}
          </button>
          {state.status === "unconfirmed" ? (
            <button type="button" className="secondary" onClick={newSale}>
              Start a new sale
            </button>
          ) : (
            <button
              type="button"
              className="secondary"
              disabled={locked}
              onClick={() =>
                setItems((rows) => [...rows, { key: nextKey.current++, sku: "", category: "", quantity: "1", price: "" }])
              }
            >
              Add item
            </button>
          )}
        </div>
      </form>
      <div role="status" className="pos-result">
        {state.status === "done" && <Earned result={state.result} />}
      </div>
    </section>
  );
}

function Earned({ result }: { result: EventResult }) {
  const { total, pending } = result.points;
  return (
    <div className="alert ok">
      <p className="pos-big">
        {total > 0 ? `+${formatNumber(total)} ${total === 1 ? "point" : "points"}` : "No points for this purchase"}
      </p>
      {pending > 0 && <p>{formatPoints(pending)} pending before they can be spent.</p>}
      {result.contributions.length > 0 && (
        <ul className="pos-lines">
          {result.contributions.map((c, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the answer's lines have no id and never reorder
            <li key={i}>{c.explanation}</li>
          ))}
        </ul>
      )}
      {total === 0 && result.skipped.length > 0 && (
        <ul className="pos-lines">
          {result.skipped.map((s, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the answer's lines have no id and never reorder
            <li key={i}>{s.explanation}</li>
          ))}
        </ul>
      )}
      {result.tierChange?.to && <p>Now in tier {result.tierChange.to.name}.</p>}
      {result.balance && <p>Balance: {formatPoints(result.balance.available)} available.</p>}
      <p className="muted">Sale {result.eventId}</p>
    </div>
  );
}
