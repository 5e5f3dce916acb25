/**
 * HTTP listeners: one Hono app per listener (the main web app with the admin API and reminder pages; the captive
 * redirect and metrics listeners have their own ports). Errors never leak stack traces to clients.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';

export interface HttpListener {
  readonly port: number;
  close(): Promise<void>;
}

export function listen(app: Hono, options: { bind: string; port: number }): Promise<HttpListener> {
  return new Promise((resolve, reject) => {
    let server: ServerType;
    try {
      server = serve({ fetch: app.fetch, hostname: options.bind, port: options.port }, (info) =>
        resolve({
          port: info.port,
          close: () => new Promise<void>((done) => server.close(() => done())),
        }),
      );
      server.once('error', reject);
    } catch (err) {
      reject(err);
    }
  });
}
