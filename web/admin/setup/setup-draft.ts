/** The setup page's pure logic: the token in the link, the form's defaults, and the request body. */
import type { SetupBody } from "../api/setup.ts";

/** The setup token in a link's fragment (`#token=...`), or null. */
export function tokenFromHash(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, "")).get("token");
  return token?.trim() ? token.trim() : null;
}

export interface SetupForm {
  name: string;
  currency: string;
  timezone: string;
  country: string;
  pointValue: string;
  ownerName: string;
  email: string;
  password: string;
  confirm: string;
}

/** Currencies offered first; any other ISO code can be typed. */
export const CURRENCIES = [
  "USD",
  "EUR",
  "GBP",
  "CAD",
  "AUD",
  "NZD",
  "CHF",
  "SEK",
  "NOK",
  "DKK",
  "JPY",
  "SGD",
  "INR",
  "BRL",
  "MXN",
  "ZAR",
];

const REGION_CURRENCY: Record<string, string> = {
  US: "USD",
  GB: "GBP",
  CA: "CAD",
  AU: "AUD",
  NZ: "NZD",
  CH: "CHF",
  SE: "SEK",
  NO: "NOK",
  DK: "DKK",
  JP: "JPY",
  SG: "SGD",
  IN: "INR",
  BR: "BRL",
  MX: "MXN",
  ZA: "ZAR",
  DE: "EUR",
  FR: "EUR",
  ES: "EUR",
  IT: "EUR",
  NL: "EUR",
  BE: "EUR",
  AT: "EUR",
  IE: "EUR",
  PT: "EUR",
  FI: "EUR",
};

/** Sensible first values from the browser: its time zone, and the country and currency of its language tag. */
export function defaultsFor(locale: string, timezone: string): SetupForm {
  const region = /^[a-z]{2,3}-([A-Z]{2})\b/.exec(locale)?.[1] ?? "";
  return {
    name: "",
    currency: REGION_CURRENCY[region] ?? "USD",
    timezone: timezone || "UTC",
    country: region,
    pointValue: "1",
    ownerName: "",
    email: "",
    password: "",
    confirm: "",
  };
}

/** A problem the page can tell before asking the server (the server checks everything else). */
export function localProblem(form: SetupForm): { field: "confirm"; message: string } | null {
  if (form.confirm !== form.password) return { field: "confirm", message: "The two passwords differ" };
  return null;
}

/** The body of POST /auth/setup, as the API names it. */
export function setupBody(form: SetupForm, credential: { setupToken: string } | { operatorKey: string }): SetupBody {
  const country = form.country.trim().toUpperCase();
  const pointValue = form.pointValue.trim() === "" ? null : Number(form.pointValue);
  return {
    ...credential,
    program: {
      name: form.name,
      currency: form.currency.trim().toUpperCase(),
      timezone: form.timezone.trim(),
      ...(country && { country }),
      // An empty box: the programme's default (a point costs one minor unit).
      ...(pointValue !== null && { pointValue }),
    },
    owner: { email: form.email.trim(), ...(form.ownerName.trim() && { name: form.ownerName.trim() }), password: form.password },
  };
}
