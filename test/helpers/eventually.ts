/**
 * Polls until a condition holds: event-driven code (a NOTIFY, another process, a timer) settles in its own time,
 * and a test waits for the effect instead of sleeping a fixed time.
 *
 * `check` passes when it returns anything but `false` without throwing, so both styles work:
 *   await eventually(() => directory.find('default', 'bob') !== undefined, 20_000, 'bob in the directory');
 *   await eventually(() => expect(row.status).toBe('expired'), 10_000);
 * At the deadline an `expect` that keeps failing is rethrown as is (its diff intact); a `false` becomes
 * "timed out waiting for <what>".
 */
export async function eventually(
  check: () => boolean | void | Promise<boolean | void>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let failure: { error: unknown } | undefined;
    try {
      if ((await check()) !== false) return;
    } catch (error) {
      failure = { error };
    }
    if (Date.now() > deadline) throw failure ? failure.error : new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
