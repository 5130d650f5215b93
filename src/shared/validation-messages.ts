import { z } from "zod";
import { plural } from "./plural.ts";

/**
 * Validation messages in plain words, for people reading them beside a form field (the web apps
 * show the API's own messages): "is required" rather than "Invalid input: expected string,
 * received undefined". Messages a schema sets itself are kept; anything not covered here falls
 * back to zod's own wording.
 */
type Issue = Parameters<NonNullable<NonNullable<Parameters<typeof z.config>[0]>["customError"]>>[0];

export function validationMessage(issue: Issue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      if (issue.input === null) return "must not be empty";
      return `must be ${issue.expected === "int" ? "a whole number" : `a ${issue.expected}`}`;
    case "too_small": {
      const min = issue.minimum as number | bigint;
      if (issue.origin === "string")
        return Number(min) === 1 ? "must not be empty" : `must be at least ${plural(min, "character")}`;
      if (issue.origin === "array" || issue.origin === "set") return `must have at least ${plural(min, "item")}`;
      return issue.inclusive === false ? `must be more than ${min}` : `must be at least ${min}`;
    }
    case "too_big": {
      const max = issue.maximum as number | bigint;
      if (issue.origin === "string") return `must be at most ${plural(max, "character")}`;
      if (issue.origin === "array" || issue.origin === "set") return `must have at most ${plural(max, "item")}`;
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case "invalid_format":
      switch (issue.format) {
        case "email":
          return "must be an email address";
        case "url":
          return "must be a URL such as https://example.com/picture.png";
        case "date":
          return "must be a date, YYYY-MM-DD";
        case "datetime":
          return "must be an ISO 8601 time with an offset, such as 2026-11-23T09:30:00Z";
        default:
          return undefined;
      }
    case "invalid_value":
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v: unknown) => JSON.stringify(v)).join(", ")}`;
    case "unrecognized_keys":
      return `unknown ${issue.keys.length === 1 ? "field" : "fields"} ${issue.keys.join(", ")}`;
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    default:
      return undefined;
  }
}

/** Installs the messages for every schema; called once where the HTTP app is built. */
export function installValidationMessages(): void {
  z.config({ customError: validationMessage });
}
