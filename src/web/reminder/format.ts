/** Dates and amounts as a workspace shows them: its locale, its time zone, its currency display. */
import type { CurrencyDisplay, WorkspaceConfig } from '../../config/index.js';
import { minorDigits } from '../../money.js';

const INTL_CURRENCY_DISPLAY: Readonly<Record<CurrencyDisplay, Intl.NumberFormatOptions['currencyDisplay']>> = {
  symbol: 'symbol',
  narrow_symbol: 'narrowSymbol',
  code: 'code',
  name: 'name',
};

type Locale = Pick<WorkspaceConfig, 'locale' | 'timezone' | 'currencyDisplay'>;

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
