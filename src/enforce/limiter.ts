/** A counting semaphore per key (NAS name): bounds the requests in flight to each router; routers do not wait on each other. */
export class KeyedLimiter {
  private readonly state = new Map<string, { active: number; queue: Array<() => void> }>();

  /** Runs `task` once fewer than `limit` tasks of `key` are running. */
  async run<T>(key: string, limit: number, task: () => Promise<T>): Promise<T> {
    let entry = this.state.get(key);
    if (!entry) this.state.set(key, (entry = { active: 0, queue: [] }));
    if (entry.active >= limit) await new Promise<void>((resolve) => entry!.queue.push(resolve));
    else entry.active++;
    try {
      return await task();
    } finally {
      const next = entry.queue.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else if (--entry.active === 0) this.state.delete(key);
    }
  }

  /** Tasks running for `key` (tests, metrics). */
  active(key: string): number {
    return this.state.get(key)?.active ?? 0;
  }
}
