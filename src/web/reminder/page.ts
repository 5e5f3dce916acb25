/**
 * The reminder pages as HTML: semantic, no script, no inline style, every value escaped. One layout (masthead with
 * the workspace's logo and name, main, footer) and three bodies: the subscriber's reminder, the workspace's generic
 * page, and the friendly error page (which never shows subscriber data). Texts from the message catalogue in the
 * page's language (`PageLanguage`, language.ts), which `<html lang>` names.
 */
import type { WorkspaceConfig } from '../../config/index.js';
import { html, type Html } from '../../messages/html.js';
import { pageLanguage, type PageLanguage } from './language.js';
import type { ReminderView } from './view.js';

export const STYLESHEET_PATH = '/assets/reminder.css';
/** A neutral icon, so browsers do not ask for /favicon.ico (a 404) on pages without a logo. */
export const ICON_PATH = '/assets/icon.svg';
export const themePath = (workspaceId: string) => `/w/${workspaceId}/theme.css`;
export const logoPath = (workspaceId: string) => `/w/${workspaceId}/logo`;

function layout(workspace: WorkspaceConfig | undefined, t: PageLanguage, title: string, body: Html, footer: string): string {
  const name = workspace?.name ?? t.text('page.isp');
  return html`<!doctype html>
<html lang="${t.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
${workspace === undefined ? '' : html`<link rel="stylesheet" href="${themePath(workspace.id)}">`}
<link rel="icon" href="${workspace?.branding.logo === undefined ? ICON_PATH : logoPath(workspace.id)}">
</head>
<body>
<a class="skip" href="#main">${t.text('page.skip')}</a>
<header class="masthead">
<div class="inner">
${workspace?.branding.logo === undefined ? '' : html`<img src="${logoPath(workspace.id)}" alt="" width="48" height="48">`}
<span class="isp">${name}</span>
</div>
</header>
<main id="main">
${body}
</main>
<footer><p>${footer}</p></footer>
</body>
</html>
`.value;
}

function supportCard(workspace: WorkspaceConfig, t: PageLanguage): Html {
  const { phone, email, hours } = workspace.support;
  const items: Html[] = [];
  if (phone !== undefined) items.push(html`<li><span class="label">${t.text('page.support.phone')}</span><a href="tel:${phone.replace(/[^0-9+]/g, '')}">${phone}</a></li>`);
  if (email !== undefined) items.push(html`<li><span class="label">${t.text('page.support.email')}</span><a href="mailto:${email}">${email}</a></li>`);
  if (hours !== undefined) items.push(html`<li><span class="label">${t.text('page.support.hours')}</span><span class="value">${hours}</span></li>`);
  if (items.length === 0 && workspace.supportContact !== undefined) {
    items.push(html`<li><span class="value">${workspace.supportContact}</span></li>`);
  }
  if (items.length === 0) return html``;
  return html`<section class="card help" aria-labelledby="help-title">
<h2 id="help-title">${t.text('page.support.heading', { workspace: workspace.name })}</h2>
<ul>
${items}
</ul>
</section>`;
}

/** The subscriber's reminder page, in `t`'s language (the view was made in it too). */
export function reminderPage(workspace: WorkspaceConfig, view: ReminderView, t: PageLanguage = pageLanguage(workspace, undefined)): string {
  const pay = view.pay;
  const payArea = pay === undefined
    ? ''
    : pay.primary
      ? html`<div class="pay-area">
<a class="pay" href="${pay.url}" rel="noreferrer noopener">${pay.label}</a>
<p class="pay-note">${t.text('page.pay.note', { host: pay.host })}</p>
</div>`
      : html`<p><a class="pay-secondary" href="${pay.url}" rel="noreferrer noopener">${pay.label}</a></p>`;
  const body = html`<section class="card tone-${view.tone}" aria-labelledby="title">
<p class="badge">${view.badge}</p>
<h1 id="title">${view.heading}</h1>
<p class="lead">${view.lead}</p>
<dl class="facts">
${view.facts.map((f) => html`<div${f.emphasis ? html` class="emphasis"` : ''}><dt>${f.label}</dt><dd>${f.value}</dd></div>`)}
</dl>
${payArea}
${view.restriction === undefined ? '' : html`<section class="restriction" aria-labelledby="restriction-title">
<h2 id="restriction-title">${t.text('page.restriction.heading')}</h2>
<p>${view.restriction}</p>
</section>`}
${view.message === undefined ? '' : html`<p class="note">${view.message}</p>`}
</section>
${supportCard(workspace, t)}`;
  const title = t.text('page.title', { heading: view.heading, workspace: workspace.name });
  return layout(workspace, t, title, body, t.text('page.footer', { workspace: workspace.name }));
}

/** A workspace's page when the subscriber is not known (captive redirect from an unknown address, or `/w/<id>`). */
export function workspacePage(workspace: WorkspaceConfig, t: PageLanguage = pageLanguage(workspace, undefined)): string {
  const body = html`<section class="card tone-notice" aria-labelledby="title">
<p class="badge">${t.text('page.workspace.badge')}</p>
<h1 id="title">${t.text('page.workspace.heading')}</h1>
<p class="lead">${t.text('page.workspace.lead', { workspace: workspace.name })}</p>
</section>
${supportCard(workspace, t)}`;
  return layout(workspace, t, `${workspace.name}`, body, workspace.name);
}

/** The catalogue texts of the error pages, by status (`page.error.<name>.heading` / `.text`). Never subscriber data. */
export const ERROR_CONTENT = {
  400: 'incomplete',
  401: 'invalid',
  404: 'not_found',
  410: 'expired',
  429: 'busy',
  500: 'server',
} as const satisfies Readonly<Record<400 | 401 | 404 | 410 | 429 | 500, string>>;

/** The friendly error page; `workspace` only when the link was really ours (signature verified). */
export function errorPage(status: keyof typeof ERROR_CONTENT, workspace: WorkspaceConfig | undefined, t: PageLanguage = pageLanguage(workspace, undefined)): string {
  const name = ERROR_CONTENT[status];
  const heading = t.text(`page.error.${name}.heading`);
  const body = html`<section class="card tone-warning" aria-labelledby="title">
<h1 id="title">${heading}</h1>
<p class="lead">${t.text(`page.error.${name}.text`)}</p>
</section>
${workspace === undefined ? '' : supportCard(workspace, t)}`;
  return layout(workspace, t, heading, body, workspace?.name ?? '');
}
