/**
 * The closed list of error codes the API can answer with, each mapped to one HTTP status.
 * Every failure a client sees goes through this table, so the mapping lives in one place.
 */
export const ERROR_STATUS = {
  validation_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_conflict: 409,
  insufficient_points: 409,
  hold_not_active: 409,
  not_reversible: 409,
  already_reversed: 409,
  invalid_state: 409,
  member_blocked: 409,
  out_of_stock: 409,
  limit_reached: 409,
  reward_unavailable: 409,
  voucher_used: 409,
  voucher_expired: 409,
  voucher_cancelled: 409,
  referral_invalid: 422,
  unprocessable: 422,
  payload_too_large: 413,
  account_locked: 423,
  unsupported_media_type: 415,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** An expected business outcome or a client mistake, carried to the HTTP edge as one error shape. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "DomainError";
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string, id?: string) =>
  new DomainError("not_found", id ? `${what} ${id} was not found` : `${what} was not found`);

export const insufficientPoints = (requested: number, available: number) =>
  new DomainError(
    "insufficient_points",
    `Requested ${requested} points but only ${available} are available (${requested - available} missing)`,
    { requested, available, missing: requested - available },
  );
