import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError, ZodType } from "zod";
import { errorBody } from "../idempotency/idempotency.service.ts";
import { DomainError, ERROR_CODES, type ErrorCode } from "../shared/errors.ts";
import { tellValidation, type Where } from "../shared/field-words.ts";
import type { AppEnv } from "./env.ts";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      requestId: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

export function sendError(c: Context<AppEnv>, error: DomainError): Response {
  return c.json(errorBody(error, c.get("requestId") ?? "unknown"), error.status as 400);
}

const TARGETS: Record<string, Where> = { json: "body", query: "query", param: "path", header: "header" };

/**
 * A refused request in people's words: `message` names the field by its form label in plain words
 * (see shared/field-words.ts), `details.issues` lists every problem with its path and code for
 * integrators. `schema` is the one that refused `input` (it knows the labels).
 */
export function validationError(error: ZodError, target: string, schema?: ZodType, input?: unknown): DomainError {
  const { message, issues } = tellValidation(error, schema, input, TARGETS[target] ?? "body");
  return new DomainError("validation_error", message, { issues });
}

const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: "validation_error",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/** The one place an exception becomes a response: domain errors as themselves, the rest as 500. */
export function onError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof DomainError) return sendError(c, error);
  if (error instanceof HTTPException) {
    const code = HTTP_STATUS_CODES[error.status];
    if (code) return sendError(c, new DomainError(code, error.message || code.replace(/_/g, " ")));
  }
  c.get("log")?.error({ err: error }, "unhandled error");
  return sendError(c, new DomainError("internal_error", "Something went wrong on our side; the request changed nothing"));
}
