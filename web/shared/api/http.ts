/**
 * The one HTTP client of the web apps: the same public API integrators use, with the session
 * cookie the browser sends by itself, the session's CSRF token on every change, and an
 * Idempotency-Key per user action so a retry after a network failure never applies twice.
 */
export interface Issue {
  path: string;
  message: string;
  code?: string;
}

/** An answer in the API's one error shape, or a network failure (status 0, code network_error). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly requestId?: string,
  ) {
    super(message);
  }

  /** Validation issues by field path ("email", "rules.0.points"), as the API words them. */
  get issues(): Issue[] {
    const issues = (this.details as { issues?: Issue[] } | undefined)?.issues;
    return Array.isArray(issues) ? issues : [];
  }

  fieldError(path: string): string | undefined {
    return this.issues.find((i) => i.path === path)?.message;
  }
}

let csrfToken: string | null = null;

/** Set after sign-in or a session check; sent as X-CSRF-Token on every change. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

let onSessionEnded: (() => void) | null = null;

/**
 * What to do when the API answers 401 to a signed-in page (the session expired, was signed out
 * elsewhere, or the account was disabled): the apps go back to their sign-in form.
 */
export function whenSessionEnds(handler: (() => void) | null): void {
  onSessionEnded = handler;
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

export interface RequestOptions {
  /** Reuse the same key when retrying the same user action. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export async function request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") {
    if (csrfToken) headers["x-csrf-token"] = csrfToken;
    headers["idempotency-key"] = options.idempotencyKey ?? newIdempotencyKey();
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, "network_error", "The server could not be reached. Check the connection and try again.");
  }
  const text = await response.text();
  const data = text ? safeJson(text) : undefined;
  if (!response.ok) {
    if (response.status === 401 && !path.startsWith("/auth/") && !path.includes("/sessions")) onSessionEnded?.();
    const e = (data as { error?: { code?: string; message?: string; details?: unknown; requestId?: string } })?.error;
    throw new ApiError(
      response.status,
      e?.code ?? "http_error",
      e?.message ?? `The server answered ${response.status}`,
      e?.details,
      e?.requestId,
    );
  }
  return data as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Sends one user action, retrying network failures with the same Idempotency-Key: the server
 * applies it at most once and replays its first answer to every retry.
 */
export async function sendOnce<T>(send: (options: RequestOptions) => Promise<T>, attempts = 3): Promise<T> {
  const idempotencyKey = newIdempotencyKey();
  for (let attempt = 1; ; attempt++) {
    try {
      return await send({ idempotencyKey });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 0 || attempt >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
}
