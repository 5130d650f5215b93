import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { ApiError } from "../shared/api/http.ts";
import { formatMinor, parseAmount } from "../shared/money.ts";
import { ErrorAlert, Field, fieldError, formatNumber, formatPoints } from "../shared/ui.tsx";
import { type Member, memberKeys } from "./api/members.ts";
import { type EventResult, type PurchaseEvent, type PurchaseItem, purchaseStats, recordSale, voidSale } from "./api/sales.ts";
import { NotConfirmed } from "./Lookup.tsx";
import { useOnceAction } from "./once.ts";

interface ItemRow {
  key: number;
  sku: string;
  category: string;
  quantity: string;
  price: string;
}

const AMOUNT_HINT = "Optional when items are listed: their total is used";

/** How long after recording it the till may void a sale (later, the console returns it). */
export const VOID_WINDOW_MS = 15 * 60 * 1000;

/** A sale the server confirmed: what its receipt shows and a void takes back. */
interface RecordedSale {
  result: EventResult;
  amount: number;
  recordedAt: number;
}

/** What a purchase event is worth: its amount, else its items' total (as the server values it). */
const saleAmount = (event: PurchaseEvent): number =>
  event.amount ?? (event.items ?? []).reduce((sum, i) => sum + (i.quantity ?? 1) * i.unitPrice, 0);

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
  // The usual basket: an amount far above it is confirmed before it is sent (a slipped decimal point).
  const stats = useQuery({ queryKey: ["purchase-stats"], queryFn: purchaseStats, staleTime: 5 * 60 * 1000 });
  const [unusual, setUnusual] = useState<PurchaseEvent | null>(null);
  const [recorded, setRecorded] = useState<RecordedSale | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const locked = state.status === "sending" || state.status === "unconfirmed" || unusual !== null;

  useEffect(() => {
    if (unusual) confirmButton.current?.focus();
  }, [unusual]);

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

  const send = async (event: PurchaseEvent | undefined) => {
    setUnusual(null);
    const sent = event ?? sale.pending();
    const result = await sale.run(event);
    if (result) {
      if (sent) setRecorded({ result, amount: saleAmount(sent), recordedAt: Date.now() });
      setAmount("");
      setItems([]);
      await queryClient.invalidateQueries({ queryKey: memberKeys.one(member.id) });
      void queryClient.invalidateQueries({ queryKey: ["purchase-stats"] });
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setLocalError(null);
    if (unusual) return;
    if (state.status === "unconfirmed") return send(undefined);
    const built = build();
    if (!built) return;
    const confirmAbove = stats.data?.confirmAbove ?? null;
    if (confirmAbove !== null && saleAmount(built) > confirmAbove) {
      setUnusual(built);
      return;
    }
    await send(built);
  };

  const newSale = () => {
    sale.reset();
    setUnusual(null);
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
        {unusual && (
          <fieldset className="confirm" aria-live="assertive">
            <legend className="visually-hidden">Confirm an unusual amount</legend>
            <p>
              <strong>{formatMinor(saleAmount(unusual), currency)}</strong> is far above this programme's usual sale
              {stats.data?.median != null && <> (about {formatMinor(stats.data.median, currency)})</>}. Is the amount right?
            </p>
            <div className="row">
              <button type="button" ref={confirmButton} onClick={() => void send(unusual)}>
                Yes, record {formatMinor(saleAmount(unusual), currency)}
              </button>
              <button type="button" className="secondary" onClick={() => setUnusual(null)}>
                No, change the amount
              </button>
            </div>
          </fieldset>
        )}
        {state.status === "unconfirmed" && <NotConfirmed what="The sale" />}
        {apiError !== null && !(apiError instanceof ApiError && apiError.issues.length > 0) && <ErrorAlert error={apiError} />}
        <div className="row">
          <button ref={retry} type="submit" disabled={state.status === "sending" || unusual !== null}>
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
      {state.status === "done" && recorded?.result === state.result && (
        <VoidSale key={recorded.result.eventId} sale={recorded} member={member} currency={currency} />
      )}
    </section>
  );
}

/**
 * Voids the sale just recorded, while its receipt is on the till (and within VOID_WINDOW_MS): a
 * return of the whole sale with the reason "void at till", confirmed first. The void's event id
 * is the sale's, so a retry or a second till voiding it is answered once.
 */
function VoidSale({ sale, member, currency }: { sale: RecordedSale; member: Member; currency: string }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [tooLate, setTooLate] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const action = useOnceAction((s: RecordedSale, options) =>
    voidSale({ id: s.result.eventId, memberId: member.id, amount: s.amount }, options),
  );
  const { state } = action;
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  const run = async () => {
    setConfirming(false);
    if (Date.now() - sale.recordedAt > VOID_WINDOW_MS) {
      setTooLate(true);
      return;
    }
    if (await action.run(state.status === "unconfirmed" ? undefined : sale)) {
      await queryClient.invalidateQueries({ queryKey: memberKeys.one(member.id) });
    }
  };

  if (state.status === "done") {
    const taken = state.result.return?.pointsTakenBack ?? 0;
    return (
      <div className="alert ok" role="status">
        <p className="pos-big">Sale voided</p>
        <p>
          {formatMinor(sale.amount, currency)} returned:{" "}
          {taken > 0 ? `${formatPoints(taken)} taken back` : "no points to take back"}.
        </p>
        {state.result.balance && <p>Balance: {formatPoints(state.result.balance.available)} available.</p>}
      </div>
    );
  }
  if (tooLate) {
    return <p className="alert">Too late to void at the till: return the sale from the member's history in the console.</p>;
  }
  return (
    <div>
      {confirming ? (
        <fieldset className="confirm">
          <legend className="visually-hidden">Confirm voiding the sale</legend>
          <p>
            Void the sale of <strong>{formatMinor(sale.amount, currency)}</strong>? Its points are taken back.
          </p>
          <div className="row">
            <button type="button" className="danger" ref={confirmButton} onClick={() => void run()}>
              Yes, void the sale
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </div>
        </fieldset>
      ) : (
        <button
          type="button"
          className="secondary"
          disabled={state.status === "sending"}
          onClick={() => (state.status === "unconfirmed" ? void run() : setConfirming(true))}
        >
          {state.status === "sending" ? "Voiding…" : state.status === "unconfirmed" ? "Retry the void" : "Void this sale"}
        </button>
      )}
      {state.status === "unconfirmed" && <NotConfirmed what="The void" />}
      {state.status === "failed" && <ErrorAlert error={state.error} />}
    </div>
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
