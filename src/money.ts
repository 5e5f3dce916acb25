/**
 * @module money
 * Money as integers in the currency's minor unit (cents), never floats: decimal text is parsed digit by digit, and
 * the number of minor digits comes from ISO 4217 as the runtime's Intl data knows it (USD 2, JPY 0, KWD 3).
 */

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** True for an ISO 4217 code this runtime knows, upper case (`USD`, `KES`). */
export function isCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && CURRENCIES.has(code);
}

/** Digits after the decimal point in `currency`'s minor unit: 2 for USD, 0 for JPY. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * Decimal text (`25`, `25.5`, `25.50`) → minor units of `currency` (2550). Refuses signs, exponents, separators and
 * more decimals than the currency has, with a reason.
 */
export function parseAmount(text: string, currency: string): number | { error: string } {
  const value = text.trim();
  const m = /^(\d+)(?:\.(\d+))?$/.exec(value);
  if (!m) return { error: `"${value}" is not an amount (digits with an optional decimal point, e.g. 25.00)` };
  const digits = minorDigits(currency);
  const fraction = m[2] ?? '';
  if (fraction.length > digits) {
    return { error: `"${value}" has more decimals than ${currency} allows (${digits})` };
  }
  const minor = BigInt(m[1]!) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return { error: `"${value}" is too large` };
  return Number(minor);
}

/** Minor units → decimal text with the currency's digits: 2550 USD → `25.50`. */
export function formatAmount(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = String(Math.abs(minor)).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${abs}` : `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}

/** `25.50 USD` */
export function formatMoney(minor: number, currency: string): string {
  return `${formatAmount(minor, currency)} ${currency}`;
}
