/**
 * The operations listener (its own address, loopback by default): `/metrics` for Prometheus, `/healthz` (the
 * process answers) and `/readyz` (database reachable, config loaded, sockets bound).
 */
import { Hono } from 'hono';
import type { Metrics } from '../metrics.js';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

/** `onError`: told of a request that failed (Hono's own default would print the whole error to stderr). */
export function opsApp(metrics: Metrics, onError: (err: unknown) => void, checks: readonly ReadinessCheck[]): Hono {
  const app = new Hono();
  app.onError((err, c) => {
    onError(err);
    return c.text('internal error\n', 500);
  });
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 2 s')), 2000).unref())]);
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, `failing: ${(err as Error).message}`] as const;
        }
      }),
    );
    const ready = results.every(([, state]) => state === 'ok');
    return c.json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) }, ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    c.header('Content-Type', metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });
  return app;
}
