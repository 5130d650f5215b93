/** A sale at the till: a purchase event, earning points as the programme's rules say. */
import { api, type Schema } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type PurchaseEvent = Schema<"EventInput">;
export type PurchaseItem = Schema<"EventItem">;
export type EventResult = Schema<"EventResult">;

export const recordSale = (event: PurchaseEvent, options?: RequestOptions) => api.post("/v1/events", { body: event }, options);

export type ReturnEvent = Schema<"EventInput">;

/** A sale voided at the till: a return of the whole sale through the return engine, with its reason. */
export const voidSale = (sale: { id: string; memberId: string; amount: number }, options?: RequestOptions) =>
  api.post(
    "/v1/events",
    {
      body: {
        // One void per sale: a retry (or a second click) is the same event, answered once.
        id: `void-${sale.id}`,
        type: "return",
        originalEventId: sale.id,
        amount: sale.amount,
        reason: "void at till",
        channel: "store",
      },
    },
    options,
  );

/** The programme's usual basket (confirm above it) and largest accepted purchase. */
export const purchaseStats = () => api.get("/v1/purchase-stats");
