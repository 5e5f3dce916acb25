/**
 * The reminder pages' stylesheets, served by radgate (no external assets, no inline styles: the CSP allows
 * `style-src 'self'` only). Mobile first; one breakpoint for wider screens. Colours of a workspace come from its
 * theme sheet (`/w/<id>/theme.css`), which only sets custom properties.
 */
import { PAGE_TEXT } from '../../config/colour.js';
import { textColourOn, type WorkspaceConfig } from '../../config/index.js';

/** Custom properties of a workspace's branding. Values are validated `#rrggbb` colours. */
export function themeCss(workspace: Pick<WorkspaceConfig, 'branding'>): string {
  const { primaryColor, backgroundColor } = workspace.branding;
  return `:root{--brand:${primaryColor};--on-brand:${textColourOn(primaryColor)};--bg:${backgroundColor};--text:${PAGE_TEXT}}\n`;
}

export const BASE_CSS = `/* radgate reminder pages */
:root{--brand:#374151;--on-brand:#ffffff;--bg:#f3f4f6;--text:${PAGE_TEXT};--muted:#4b5563;--line:#e5e7eb}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;background:var(--bg);color:var(--text);
  font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;
  font-size:1rem;line-height:1.5}
a{color:inherit}
a:focus-visible{outline:3px solid var(--text);outline-offset:3px;border-radius:.25rem}
.skip{position:absolute;left:-999px;top:0;background:#fff;color:var(--text);padding:.5rem 1rem;z-index:1}
.skip:focus{left:.5rem;top:.5rem}
.masthead{background:var(--brand);color:var(--on-brand)}
.masthead .inner{display:flex;align-items:center;gap:.75rem;max-width:42rem;margin:0 auto;padding:.875rem 1rem}
.masthead img{display:block;width:2.5rem;height:2.5rem;object-fit:contain}
.masthead .isp{font-weight:700;font-size:1.125rem;letter-spacing:.01em}
main{flex:1;width:100%;max-width:42rem;margin:0 auto;padding:1rem}
.card{background:#ffffff;border-radius:.875rem;padding:1.25rem;margin:0 0 1rem;
  box-shadow:0 1px 2px rgba(17,24,39,.06),0 6px 20px rgba(17,24,39,.06)}
.badge{display:inline-block;margin:0;padding:.25rem .75rem;border-radius:999px;font-size:.8125rem;font-weight:700;
  letter-spacing:.03em;text-transform:uppercase}
.tone-ok .badge{background:#def7ec;color:#03543f}
.tone-notice .badge{background:#e1effe;color:#1e429f}
.tone-warning .badge{background:#fdf6b2;color:#723b13}
.tone-restricted .badge{background:#fde8e8;color:#9b1c1c}
h1{font-size:1.5rem;line-height:1.25;margin:.75rem 0 .5rem}
h1:first-child{margin-top:0}
h2{font-size:1.0625rem;line-height:1.3;margin:0 0 .5rem}
.lead{font-size:1.0625rem;margin:0 0 1rem}
.note{margin:1.25rem 0 0;padding:.75rem 1rem;background:#f9fafb;border-radius:.5rem;color:var(--muted)}
.facts{margin:0 0 1.25rem;border-top:1px solid var(--line)}
.facts div{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:.25rem 1rem;
  padding:.625rem 0;border-bottom:1px solid var(--line)}
.facts dt{color:var(--muted)}
.facts dd{margin:0;font-weight:600;text-align:right;overflow-wrap:anywhere}
.facts .emphasis dd{font-size:1.375rem;font-weight:700}
.restriction{margin:1.5rem 0 0;padding:.875rem 1rem;border-left:.3rem solid #c81e1e;background:#fdf2f2;border-radius:.375rem}
.restriction h2{font-size:1rem;margin:0 0 .25rem;color:#9b1c1c}
.restriction p{margin:0}
.pay{display:block;width:100%;min-height:3.5rem;padding:1rem 1.5rem;border-radius:.75rem;background:var(--brand);
  color:var(--on-brand);font-size:1.25rem;font-weight:700;line-height:1.5rem;text-align:center;text-decoration:none;
  box-shadow:0 2px 6px rgba(17,24,39,.18)}
.pay:hover{filter:brightness(1.08)}
.pay:focus-visible{outline:3px solid var(--text);outline-offset:3px}
.pay-secondary{display:inline-block;font-weight:600}
.pay-note{margin:.625rem 0 0;font-size:.875rem;color:var(--muted);text-align:center}
.help ul{list-style:none;margin:0;padding:0}
.help li{display:flex;flex-wrap:wrap;gap:.25rem .75rem;padding:.5rem 0;border-bottom:1px solid var(--line)}
.help li:last-child{border-bottom:0}
.help .label{min-width:4.5rem;color:var(--muted)}
.help a,.help .value{font-weight:600;overflow-wrap:anywhere}
footer{width:100%;max-width:42rem;margin:0 auto;padding:0 1rem 2rem;font-size:.875rem}
footer p{margin:0}
@media (min-width:48rem){
  .masthead .inner{padding:1.125rem 1rem}
  .masthead img{width:3rem;height:3rem}
  .masthead .isp{font-size:1.375rem}
  main{padding:2.5rem 1rem 1.5rem}
  .card{padding:2rem 2.25rem}
  h1{font-size:2rem}
  .pay{display:inline-block;width:auto;min-width:18rem}
  .pay-area{text-align:center}
}
`;

/** The icon of pages without a workspace logo: a plain rounded square. */
export const ICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="4" fill="#374151"/></svg>\n';
