import { formatMoney } from "../shared/ui.tsx";

/** Minor units (as the API counts money) in the currency's own unit: 4500 USD cents is $45.00. */
export function minorMoney(minor: number, currency: string): string {
  const digits = new Intl.NumberFormat(undefined, { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return formatMoney(minor / 10 ** digits, currency);
}
