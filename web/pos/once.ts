import { useCallback, useRef, useState } from "react";
import { ApiError, newIdempotencyKey, type RequestOptions, sendOnce } from "../shared/api/http.ts";

/**
 * One user action sent at most once. `run(payload)` sends it with `sendOnce` (network failures are
 * retried at once with the same Idempotency-Key). When it still cannot be confirmed (no answer, or
 * a 5xx that may have come after the change was applied) the attempt — its key and its exact
 * payload — is kept: `run()` again retries it with the same key and the same body, so the server
 * replays its first answer instead of applying it twice. The attempt is dropped when the server
 * answers (success or a refusal, which writes nothing) or when the cashier starts over (`reset`).
 */
export type OnceState<R> =
  | { status: "idle" }
  | { status: "sending" }
  | { status: "done"; result: R }
  | { status: "failed"; error: unknown }
  | { status: "unconfirmed"; error: unknown };

interface Attempt<P> {
  key: string;
  payload: P;
}

export function useOnceAction<P, R>(send: (payload: P, options: RequestOptions) => Promise<R>) {
  const [state, setState] = useState<OnceState<R>>({ status: "idle" });
  const attempt = useRef<Attempt<P> | null>(null);
  const busy = useRef(false);
  const sendRef = useRef(send);
  sendRef.current = send;

  /** Sends `payload` as a new action, or retries the unconfirmed one (its payload wins). */
  const run = useCallback(async (payload?: P): Promise<R | undefined> => {
    if (busy.current) return undefined;
    if (!attempt.current) {
      if (payload === undefined) return undefined;
      attempt.current = { key: newIdempotencyKey(), payload };
    }
    const current = attempt.current;
    busy.current = true;
    setState({ status: "sending" });
    try {
      const result = await sendOnce((options) => sendRef.current(current.payload, { ...options, idempotencyKey: current.key }));
      attempt.current = null;
      setState({ status: "done", result });
      return result;
    } catch (error) {
      const unsure = error instanceof ApiError && (error.status === 0 || error.status >= 500);
      if (unsure) setState({ status: "unconfirmed", error });
      else {
        attempt.current = null;
        setState({ status: "failed", error });
      }
      return undefined;
    } finally {
      busy.current = false;
    }
  }, []);

  const reset = useCallback(() => {
    if (busy.current) return;
    attempt.current = null;
    setState({ status: "idle" });
  }, []);

  return { state, run, reset, pending: () => attempt.current?.payload ?? null };
}
