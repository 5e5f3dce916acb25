/**
 * @module notify/mailer
 * Sending reminder e-mail over SMTP with nodemailer: one transport per workspace (its `mail:` settings), made on
 * first use and replaced when a reload changes the settings. `security`: `tls` = implicit TLS (port 465),
 * `starttls` = the upgrade is required, `none` = plain (a local relay). Errors come back as `MailError` with the
 * SMTP reply code when there is one; the recipient and the body are never part of an error text.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { MailConfig } from '../config/index.js';

export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A failed send: `permanent` for a 5xx reply (retrying will not help, e.g. the mailbox does not exist). */
export class MailError extends Error {
  constructor(message: string, readonly permanent: boolean, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface Mailer {
  send(workspaceId: string, settings: MailConfig, displayName: string, mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** What is safe to record of a nodemailer error: its code and SMTP response code, never the addresses. */
export function mailErrorText(err: unknown): { text: string; permanent: boolean } {
  const e = err as { code?: unknown; responseCode?: unknown; command?: unknown };
  const code = typeof e.code === 'string' ? e.code : 'ERROR';
  const reply = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const command = typeof e.command === 'string' ? ` after ${e.command.split(' ')[0]}` : '';
  return { text: `${code}${reply === undefined ? '' : ` ${reply}`}${command}`, permanent: reply !== undefined && reply >= 500 && reply < 600 };
}

export function createMailer(options: { timeoutSeconds?: number } = {}): Mailer {
  const timeout = (options.timeoutSeconds ?? 30) * 1000;
  const transports = new Map<string, { settings: MailConfig; transport: Transporter }>();
  const transportFor = (workspaceId: string, settings: MailConfig): Transporter => {
    const held = transports.get(workspaceId);
    if (held?.settings === settings) return held.transport;
    held?.transport.close();
    const transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.security === 'tls',
      requireTLS: settings.security === 'starttls',
      ignoreTLS: settings.security === 'none',
      ...(settings.user !== undefined && settings.password !== undefined ? { auth: { user: settings.user, pass: settings.password.value } } : {}),
      pool: true,
      maxConnections: 2,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      logger: false,
      debug: false,
    });
    transports.set(workspaceId, { settings, transport });
    return transport;
  };
  return {
    async send(workspaceId, settings, displayName, mail) {
      const transport = transportFor(workspaceId, settings);
      try {
        await transport.sendMail({
          from: { name: settings.fromName ?? displayName, address: settings.fromAddress },
          ...(settings.replyTo !== undefined ? { replyTo: settings.replyTo } : {}),
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
      } catch (err) {
        const { text, permanent } = mailErrorText(err);
        throw new MailError(`SMTP: ${text}`, permanent, { cause: err });
      }
    },
    close() {
      for (const { transport } of transports.values()) transport.close();
      transports.clear();
    },
  };
}
