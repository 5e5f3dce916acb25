/**
 * The reminder pages as HTML: semantic, no script, no inline style, every value escaped. One layout (masthead with
 * the workspace's logo and name, main, footer) and three bodies: the subscriber's reminder, the workspace's generic
 * page, and the friendly error page (which never shows subscriber data).
 */
import type { WorkspaceConfig } from '../../config/index.js';
import { html, type Html } from '../html.js';
import type { ReminderView } from './view.js';

export const STYLESHEET_PATH = '/assets/reminder.css';
/** A neutral icon, so browsers do not ask for /favicon.ico (a 404) on pages without a logo. */
export const ICON_PATH = '/assets/icon.svg';
export const themePath = (workspaceId: string) => `/w/${workspaceId}/theme.css`;
export const logoPath = (workspaceId: string) => `/w/${workspaceId}/logo`;

function layout(workspace: WorkspaceConfig | undefined, title: string, body: Html, footer: string): string {
  const name = workspace?.name ?? 'Internet service';
  return html`<!doctype html>
<html lang="en">
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
<a class="skip" href="#main">Skip to content</a>
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

function supportCard(workspace: WorkspaceConfig): Html {
  const { phone, email, hours } = workspace.support;
  const items: Html[] = [];
  if (phone !== undefined) items.push(html`<li><span class="label">Phone</span><a href="tel:${phone.replace(/[^0-9+]/g, '')}">${phone}</a></li>`);
  if (email !== undefined) items.push(html`<li><span class="label">E-mail</span><a href="mailto:${email}">${email}</a></li>`);
  if (hours !== undefined) items.push(html`<li><span class="label">Hours</span><span class="value">${hours}</span></li>`);
  if (items.length === 0 && workspace.supportContact !== undefined) {
    items.push(html`<li><span class="value">${workspace.supportContact}</span></li>`);
  }
  if (items.length === 0) return html``;
  return html`<section class="card help" aria-labelledby="help-title">
<h2 id="help-title">Need help? Contact ${workspace.name}</h2>
<ul>
${items}
</ul>
</section>`;
}

/** The subscriber's reminder page. */
export function reminderPage(workspace: WorkspaceConfig, view: ReminderView): string {
  const pay = view.pay;
  const payArea = pay === undefined
    ? ''
    : pay.primary
      ? html`<div class="pay-area">
<a class="pay" href="${pay.url}" rel="noreferrer noopener">${pay.label}</a>
<p class="pay-note">Secure payment at ${pay.host}</p>
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
<h2 id="restriction-title">What this means</h2>
<p>${view.restriction}</p>
</section>`}
${view.message === undefined ? '' : html`<p class="note">${view.message}</p>`}
</section>
${supportCard(workspace)}`;
  return layout(workspace, `${view.heading} — ${workspace.name}`, body, `${workspace.name} · This page is for you alone: please do not share its link.`);
}

/** A workspace's page when the subscriber is not known (captive redirect from an unknown address, or `/w/<id>`). */
export function workspacePage(workspace: WorkspaceConfig): string {
  const body = html`<section class="card tone-notice" aria-labelledby="title">
<p class="badge">Account notice</p>
<h1 id="title">Your internet access may be restricted</h1>
<p class="lead">This usually means a payment to ${workspace.name} is due. Your personal payment link is in the latest
message we sent you; if you cannot find it, contact us and we will help you right away.</p>
</section>
${supportCard(workspace)}`;
  return layout(workspace, `${workspace.name}`, body, workspace.name);
}

export interface ErrorContent {
  readonly heading: string;
  readonly text: string;
}

/** Texts of the error pages, by status. Never subscriber data. */
export const ERROR_CONTENT: Readonly<Record<400 | 401 | 404 | 410 | 429 | 500, ErrorContent>> = {
  400: { heading: 'This link is not complete', text: 'Part of the link seems to be missing. Please open it again from the message you received, or contact your internet provider.' },
  401: { heading: 'This link is not valid', text: 'We could not recognise this link. Please use the latest link from your internet provider, or contact them for a new one.' },
  404: { heading: 'Page not found', text: 'There is nothing at this address. Please check the link, or contact your internet provider.' },
  410: { heading: 'This link is no longer valid', text: 'Links to your account expire after a while for your security. Please use the latest message from us, or contact us for a new link.' },
  429: { heading: 'Please wait a moment', text: 'There were too many requests from your connection. Please try again in a minute.' },
  500: { heading: 'Something went wrong on our side', text: 'Please try again in a few minutes. If it keeps happening, contact your internet provider.' },
};

/** The friendly error page; `workspace` only when the link was really ours (signature verified). */
export function errorPage(status: keyof typeof ERROR_CONTENT, workspace: WorkspaceConfig | undefined): string {
  const content = ERROR_CONTENT[status];
  const body = html`<section class="card tone-warning" aria-labelledby="title">
<h1 id="title">${content.heading}</h1>
<p class="lead">${content.text}</p>
</section>
${workspace === undefined ? '' : supportCard(workspace)}`;
  return layout(workspace, content.heading, body, workspace?.name ?? '');
}
