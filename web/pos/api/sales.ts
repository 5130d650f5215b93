/** A sale at the till: a purchase event, earning points as the programme's rules say. */
import { api, type Schema } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type PurchaseEvent = Schema<"EventInput">;
export type PurchaseItem = Schema<"EventItem">;
export type EventResult = Schema<"EventResult">;

export const recordSale = (event: PurchaseEvent, options?: RequestOptions) => api.post("/v1/events", { body: event }, options);
