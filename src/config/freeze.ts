/**
 * @module config/freeze
 * Deep freezing for the loaded config: plain objects and arrays via Object.freeze, maps via `FrozenMap`
 * (Object.freeze does not stop Map#set).
 */

/** A Map whose contents cannot change after construction; mutators throw a TypeError. */
export class FrozenMap<K, V> extends Map<K, V> {
  constructor(entries: Iterable<readonly [K, V]>) {
    super();
    for (const [key, value] of entries) super.set(key, value);
    Object.freeze(this);
  }

  override set(): this {
    throw new TypeError('config is frozen');
  }

  override delete(): boolean {
    throw new TypeError('config is frozen');
  }

  override clear(): void {
    throw new TypeError('config is frozen');
  }
}

/** Freezes `value` and everything reachable through its own properties and array elements. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
