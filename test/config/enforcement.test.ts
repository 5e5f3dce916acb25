/** nas.yaml `nas[].enforcement` and server.yaml `server.enforcement`: defaults, every key, exact problems. */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { addNas, copyExample, edit, problemsOf, removeTempDirs } from './helpers.js';

afterAll(removeTempDirs);

const nas = (enforcement: string[] | undefined) =>
  [
    '  - name: core-1',
    '    address: 10.0.0.1',
    '    secret: k7Qe9x2LmP4vB8nZ',
    '    workspace: default',
    ...(enforcement === undefined ? [] : ['    enforcement:', ...enforcement.map((line) => `      ${line}`)]),
    '',
  ].join('\n');

describe('nas[].enforcement', () => {
  it('defaults when absent: the whole ladder, reconnect on restore', async () => {
    const dir = await copyExample();
    await addNas(dir, nas(undefined));
    const config = await loadConfig(dir, {});
    expect(config.nas[1]!.enforcement).toEqual({ steps: ['coa', 'disconnect', 'api'], coaTimeoutSeconds: 2, coaTries: 5, restore: 'reconnect', concurrency: 32 });
  });

  it('reads every key; steps may be a comma-separated string', async () => {
    const dir = await copyExample();
    await addNas(dir, nas(['steps: disconnect, api', 'coa_timeout: 500ms', 'coa_tries: 3', 'restore: coa', 'concurrency: 8']));
    expect((await loadConfig(dir, {})).nas[1]!.enforcement).toEqual({ steps: ['disconnect', 'api'], coaTimeoutSeconds: 0.5, coaTries: 3, restore: 'coa', concurrency: 8 });
  });

  it.each([
    [['steps: []'], 'nas.yaml: nas[1].enforcement.steps: must not be empty (a list of coa, disconnect, api in that order, e.g. [coa, disconnect, api])'],
    [['steps: [coa, kick]'], 'nas.yaml: nas[1].enforcement.steps: "kick" is not a step (one of coa, disconnect, api)'],
    [['steps: [api, coa]'], 'nas.yaml: nas[1].enforcement.steps: must keep the ladder order coa, disconnect, api ("coa" comes after "api")'],
    [['steps: [coa, coa]'], 'nas.yaml: nas[1].enforcement.steps: lists "coa" twice'],
    [['restore: always'], 'nas.yaml: nas[1].enforcement.restore: must be one of reconnect, coa, got "always"'],
    [['coa_tries: 0'], 'nas.yaml: nas[1].enforcement.coa_tries: must be from 1 to 10, got 0'],
    [['concurrency: 2.5'], 'nas.yaml: nas[1].enforcement.concurrency: must be a whole number, got 2.5'],
    [['coa_timeout: 2h'], 'nas.yaml: nas[1].enforcement.coa_timeout: must be from 10ms to 60s, got 7200s'],
    [['retries: 3'], 'nas.yaml: nas[1].enforcement.retries: unknown key (known keys: steps, coa_timeout, coa_tries, restore, concurrency)'],
  ])('%j → %s', async (lines, problem) => {
    const dir = await copyExample();
    await addNas(dir, nas(lines));
    expect(await problemsOf(dir)).toEqual([problem]);
  });
});

describe('server.enforcement', () => {
  it('the example states the defaults', async () => {
    const config = await loadConfig(await copyExample(), {});
    expect(config.server.enforcement).toEqual({ enabled: true, leaseSeconds: 30, pollIntervalSeconds: 2, maxAttempts: 5, retryDelaySeconds: 30, maxJobs: 2000 });
  });

  it.each([
    ['    lease: 30s\n', '    lease: 0s\n', 'server.yaml: server.enforcement.lease: must be from 1s to 3600s, got 0s'],
    ['    max_attempts: 5\n', '    max_attempts: none\n', 'server.yaml: server.enforcement.max_attempts: must be a whole number, got a string'],
    ['    enabled: true\n', '    enabled: yes\n', 'server.yaml: server.enforcement.enabled: must be true or false, got "yes"'],
  ])('%j → %s', async (from, to, problem) => {
    const dir = await copyExample();
    await edit(dir, 'server.yaml', from, to);
    expect(await problemsOf(dir)).toEqual([problem]);
  });
});
