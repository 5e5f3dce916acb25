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
} as const;

export type MessageKey = keyof typeof en;
