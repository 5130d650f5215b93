/** Money as the API wants it (minor units of the programme's currency) from what a person types (the till, the console). */

export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/**
 * "12.5", "12,50", "1,234.50" or "12" -> minor units, or null when it is not an amount with at most
 * the currency's decimals. A single comma followed by 1-2 digits is read as a decimal comma.
 */
export function parseAmount(text: string, currency: string): number | null {
  const digits = currencyDigits(currency);
  let s = text.trim().replace(/\s/g, "");
  if (s === "") return null;
  if (/^\d+,\d{1,2}$/.test(s)) s = s.replace(",", ".");
  else s = s.replace(/,(?=\d{3}(\D|$))/g, "");
  const match = /^(\d+)(?:\.(\d*))?$/.exec(s);
  if (!match) return null;
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > digits) return null;
  const minor = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  return Number.isSafeInteger(minor) ? minor : null;
}

export function formatMinor(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(minor / 10 ** digits);
}
