/** The handler table: createHandlers builds one handler per packet code the server answers, from their deps. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createHandlers } from '../../src/handlers/index.js';
import { Code } from '../../src/radius/codes.js';

describe('createHandlers', () => {
  it('builds Access-Request, Accounting-Request and Status-Server, and nothing else', async () => {
    const config = await loadConfig(new URL('../../config', import.meta.url).pathname, {});
    const table = createHandlers({ config: () => config, directory: { find: () => undefined }, record: async () => true });
    expect(Object.keys(table).map(Number).sort((a, b) => a - b)).toEqual([Code.AccessRequest, Code.AccountingRequest, Code.StatusServer]);
    for (const handler of Object.values(table)) expect(typeof handler).toBe('function');
  });
});
