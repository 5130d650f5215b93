import type { buildServices } from "../app.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";

/** The services the demo runs through, as app.ts builds them. */
export type DemoServices = ReturnType<typeof buildServices>;

/** The actor of everything the demo does. */
export const DEMO_ACTOR = "system:demo";

/** A mutation's context for one step of the demo (outside any programme until one exists). */
export const demoContext = (label: string): MutationContext => ({
  scope: "-",
  key: null,
  fingerprint: label,
  requestId: "demo",
  actor: DEMO_ACTOR,
});

/** The body of a service's answer, or an error naming the step that failed. */
export const ok = <T>(result: { status: number; body: unknown }, what: string): T => {
  if (result.status >= 300) throw new Error(`demo: ${what} failed: ${JSON.stringify(result.body)}`);
  return result.body as T;
};
