/**
 * Dates and amounts as a workspace shows them (reminder pages, e-mails): its locale (or the formatting locale of the
 * language shown, select.ts), its time zone, its currency display.
 */
import { minorDigits } from '../money.js';

/** workspaces.yaml `currency_display` (config/schema.ts), spelled out here so this leaf imports no config. */
type CurrencyDisplay = 'symbol' | 'narrow_symbol' | 'code' | 'name';

const INTL_CURRENCY_DISPLAY: Readonly<Record<CurrencyDisplay, Intl.NumberFormatOptions['currencyDisplay']>> = {
  symbol: 'symbol',
  narrow_symbol: 'narrowSymbol',
  code: 'code',
  name: 'name',
};

export interface Locale {
  readonly locale: string;
  readonly timezone: string;
  readonly currencyDisplay: CurrencyDisplay;
}

/** A calendar date, e.g. "3 March 2025" / "March 3, 2025", in the workspace's time zone. */
export function formatDate(instant: Date, workspace: Locale): string {
  return new Intl.DateTimeFormat(workspace.locale, { dateStyle: 'long', timeZone: workspace.timezone }).format(instant);
}

/** An amount in minor units (cents) of `currency`, e.g. "$25.00". */
export function formatAmount(minor: number, currency: string, workspace: Locale): string {
  const digits = minorDigits(currency);
  return new Intl.NumberFormat(workspace.locale, {
    style: 'currency',
    currency,
    currencyDisplay: INTL_CURRENCY_DISPLAY[workspace.currencyDisplay],
  }).format(minor / 10 ** digits);
}
