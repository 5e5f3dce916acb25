/**
 * English: the reference catalogue. Every other language has exactly these keys and, in each text, exactly these
 * `{placeholder}`s (checked by test/messages). Placeholders are filled with plain text; HTML escaping is the
 * renderer's job.
 */
export const en = {
  // Reminder e-mail, one subject and body per notification kind. {name}: the subscriber's contact name (or
  // username); {workspace}: the ISP's display name; {amount}: amount due, formatted; {date}: the relevant date;
  // {link}: the subscriber's signed reminder link; {support}: how to reach the ISP (may be empty).
  'email.due_soon.subject': 'Your {workspace} payment is due on {date}',
  'email.due_soon.body': 'Hello {name},\n\nYour internet service is paid until {date}. To keep it running without interruption, please pay {amount} before then.\n\nSee your account and pay: {link}\n\n{support}',
  'email.grace.subject': 'Your {workspace} payment is overdue',
  'email.grace.body': 'Hello {name},\n\nWe have not received your payment of {amount}, due on {date}. Your service continues for now; please pay as soon as possible to avoid an interruption.\n\nSee your account and pay: {link}\n\n{support}',
  'email.expired.subject': 'Your {workspace} internet service is restricted',
  'email.expired.body': 'Hello {name},\n\nBecause your payment of {amount} has not arrived, your internet service is restricted since {date}. It comes back by itself within a few minutes of paying.\n\nSee your account and pay: {link}\n\n{support}',
  'email.suspended.subject': 'Your {workspace} internet service is suspended',
  'email.suspended.body': 'Hello {name},\n\nBecause your payment of {amount} has not arrived, your internet service is suspended since {date}. After paying, restart your router if the connection does not come back within a few minutes.\n\nSee your account and pay: {link}\n\n{support}',
  'email.restored.subject': 'Your {workspace} internet service is back',
  'email.restored.body': 'Hello {name},\n\nThank you: your payment has been received and your full service is back. Your service is paid until {date}.\n\nYour account: {link}\n\n{support}',

  // Every page: the masthead name when no workspace is known, the skip link, the title and the footer.
  'page.isp': 'Internet service',
  'page.skip': 'Skip to content',
  'page.title': '{heading} — {workspace}',
  'page.footer': '{workspace} · This page is for you alone: please do not share its link.',
  // The support card: {workspace} is the ISP's display name.
  'page.support.heading': 'Need help? Contact {workspace}',
  'page.support.phone': 'Phone',
  'page.support.email': 'E-mail',
  'page.support.hours': 'Hours',
  // Account facts and the payment button. {host}: the payment site's host name.
  'page.fact.account': 'Account number',
  'page.fact.plan': 'Plan',
  'page.fact.paid_until': 'Paid until',
  'page.fact.amount_due': 'Amount due',
  'page.fact.due_date': 'Due date',
  'page.fact.overdue_since': 'Overdue since',
  'page.pay.now': 'Pay now',
  'page.pay.advance': 'Pay in advance',
  'page.pay.note': 'Secure payment at {host}',
  'page.pay.contact': 'Contact us to pay.',
  'page.restriction.heading': 'What this means',
  // The reminder page by subscriber status. {date}: a date in the workspace's time zone.
  'page.active.badge': 'All good',
  'page.active.heading': 'Your account is in good standing',
  'page.active.lead': 'Nothing is due right now. Thank you for paying on time.',
  'page.due_soon.badge': 'Payment due soon',
  'page.due_soon.heading': 'Your payment is due soon',
  'page.due_soon.lead': 'Please pay by {date} to keep your internet service running without interruption.',
  'page.due_soon.lead_undated': 'Please pay soon to keep your internet service running without interruption.',
  'page.grace.badge': 'Payment overdue',
  'page.grace.heading': 'Your payment is overdue',
  'page.grace.lead': 'Your internet service continues for now. Please pay as soon as possible to avoid an interruption.',
  'page.expired.badge': 'Service restricted',
  'page.expired.heading': 'Your internet service is restricted',
  'page.expired.lead': 'We have not received your payment, so your service has been restricted since {date}.',
  'page.expired.lead_undated': 'We have not received your payment, so your service has been restricted.',
  'page.expired.restriction': 'Until your payment arrives, you can only open this page and the payment site: other websites and apps will not work. Your full service comes back by itself within a few minutes of paying.',
  'page.suspended.badge': 'Service suspended',
  'page.suspended.heading': 'Your internet service is suspended',
  'page.suspended.lead': 'We have not received your payment, so your service has been suspended since {date}.',
  'page.suspended.lead_undated': 'We have not received your payment, so your service has been suspended.',
  'page.suspended.restriction': 'Your connection is switched off until your payment arrives. After paying, restart your router if the connection does not come back by itself within a few minutes.',
  'page.disabled.badge': 'Account on hold',
  'page.disabled.heading': 'Your account is on hold',
  'page.disabled.lead': 'Please contact us: we can tell you why and help you get your service back.',
  'page.disabled.restriction': 'Your internet service is switched off while your account is on hold.',
  // The workspace's page for a subscriber it cannot tell (captive redirect of an unknown address, /w/<id>).
  'page.workspace.badge': 'Account notice',
  'page.workspace.heading': 'Your internet access may be restricted',
  'page.workspace.lead': 'This usually means a payment to {workspace} is due. Your personal payment link is in the latest message we sent you; if you cannot find it, contact us and we will help you right away.',
  // Error pages, by HTTP status: 400 incomplete link, 401 link not ours, 404, 410 expired link, 429, 500.
  'page.error.incomplete.heading': 'This link is not complete',
  'page.error.incomplete.text': 'Part of the link seems to be missing. Please open it again from the message you received, or contact your internet provider.',
  'page.error.invalid.heading': 'This link is not valid',
  'page.error.invalid.text': 'We could not recognise this link. Please use the latest link from your internet provider, or contact them for a new one.',
  'page.error.not_found.heading': 'Page not found',
  'page.error.not_found.text': 'There is nothing at this address. Please check the link, or contact your internet provider.',
  'page.error.expired.heading': 'This link is no longer valid',
  'page.error.expired.text': 'Links to your account expire after a while for your security. Please use the latest message from us, or contact us for a new link.',
  'page.error.busy.heading': 'Please wait a moment',
  'page.error.busy.text': 'There were too many requests from your connection. Please try again in a minute.',
  'page.error.server.heading': 'Something went wrong on our side',
  'page.error.server.text': 'Please try again in a few minutes. If it keeps happening, contact your internet provider.',
  // Redirect bodies (a browser follows the Location at once) and the captive page for an address no workspace claims.
  'redirect.title': 'Redirecting',
  'redirect.continue': 'Continue',
  'redirect.account': 'Continue to your account page',
  'captive.heading': 'Internet access restricted',
  'captive.text': 'Your internet access is currently restricted. Please contact your internet provider.',
} as const;

export type MessageKey = keyof typeof en;
