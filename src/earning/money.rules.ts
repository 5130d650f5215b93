/** Money as people read it: integer minor units shown in the currency's own major unit. */

// Building an Intl.NumberFormat costs far more than using one: one per currency, kept.
const moneyFormats = new Map<string, { format: Intl.NumberFormat; scale: number }>();

function moneyFormat(currency: string) {
  let money = moneyFormats.get(currency);
  if (!money) {
    const format = new Intl.NumberFormat("en-US", { style: "currency", currency });
    money = { format, scale: 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2) };
    moneyFormats.set(currency, money);
  }
  return money;
}

/** Minor units in the currency's major unit: JPY has none, USD two, KWD three. */
export const toMajorUnits = (minor: number, currency: string): number => minor / moneyFormat(currency).scale;

export function formatMoney(minor: number, currency: string): string {
  return moneyFormat(currency).format.format(toMajorUnits(minor, currency));
}

/** Minor units in one major unit: 1 for JPY, 100 for USD, 1000 for KWD. */
export const minorPerMajor = (currency: string): number => moneyFormat(currency).scale;
