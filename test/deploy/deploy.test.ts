/**
 * The files an operator installs next to the binary (deploy/): the Prometheus rules load in promtool and fire on
 * synthetic series as intended, every metric name (and matched label value) in the rules and the Grafana dashboard
 * is one a running radgate really exports, the dashboard is well-formed, and the systemd unit carries its hardening.
 * promtool (Debian's prometheus package) is required; systemd-analyze is used when present.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ENFORCEMENT_JOB_STATES, ENFORCEMENT_METHODS, ENFORCEMENT_RESULTS } from '../../src/db/schema.js';
import { CODE_NAMES } from '../../src/radius/codes.js';
import { ROOT } from '../helpers/config.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { accessRequest, attr, hide, UdpPeer } from '../helpers/udp.js';
import { accountingPacket } from '../sessions/helpers.js';

const run = promisify(execFile);
const RULES = path.join(ROOT, 'deploy/prometheus/radgate-alerts.yml');
const DASHBOARD = path.join(ROOT, 'deploy/grafana/radgate-dashboard.json');
const UNIT = path.join(ROOT, 'deploy/radgate.service');

/** Series the rules may use that radgate does not export itself, and who writes them. */
const EXTERNAL_SERIES: ReadonlyMap<string, string> = new Map([
  ['up', 'Prometheus, for every scrape target'],
  ['probe_success', 'blackbox_exporter, probing /readyz'],
]);

/** An executable on PATH, or undefined. */
function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

// ---- PromQL metric names -------------------------------------------------------------------------------------

/** Words that are PromQL syntax, not metric names: operators, modifiers, aggregations (which may be followed by
 * `by (…)` rather than `(`), and the float literals. */
const PROMQL_WORDS = new Set([
  'and', 'or', 'unless', 'atan2', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile',
  'limitk', 'limit_ratio', 'inf', 'nan',
]);

/**
 * The metric names a PromQL expression selects. Label matchers (`{…}`), ranges (`[…]`), grouping label lists
 * (`by (…)`, `on (…)`, `group_left (…)` …), string literals and Grafana variables (`$nas`, `${DS}`) are removed
 * first; of the identifiers left, those followed by `(` are functions and the PromQL words are syntax.
 */
export function metricNames(expr: string): string[] {
  const text = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' "" ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const names: string[] = [];
  const token = /(0x[0-9a-f]+|\d[\w.]*|\.\d[\w.]*)|([a-zA-Z_:][\w:]*)/gi;
  for (let m = token.exec(text); m; m = token.exec(text)) {
    const word = m[2];
    if (word === undefined) continue; // a number or duration
    const rest = text.slice(token.lastIndex);
    if (/^\s*\(/.test(rest)) continue; // a function call
    if (PROMQL_WORDS.has(word.toLowerCase())) continue;
    names.push(word);
  }
  return [...new Set(names)];
}

/** Metric families in a Prometheus text exposition, from its `# HELP` and `# TYPE` lines: name → type. */
export function metricFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const line of exposition.split('\n')) {
    const m = /^# (HELP|TYPE) ([a-zA-Z_:][\w:]*)(?: (\S+))?/.exec(line);
    if (!m) continue;
    if (m[1] === 'TYPE') families.set(m[2]!, m[3] ?? 'untyped');
    else if (!families.has(m[2]!)) families.set(m[2]!, 'untyped');
  }
  return families;
}

/** Whether `name` is a series of one of the families: histograms have only `_bucket`, `_sum` and `_count`. */
function isSeries(name: string, families: ReadonlyMap<string, string>): boolean {
  const type = families.get(name);
  if (type !== undefined) return type !== 'histogram';
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (!m) return false;
  const base = families.get(m[1]!);
  return base === 'histogram' || (base === 'summary' && m[2] !== 'bucket');
}

/** `where: name` for every name in the expressions that is neither exported nor an external series. */
export function unknownMetricNames(
  expressions: ReadonlyArray<{ where: string; expr: string }>,
  exposition: string,
  external: ReadonlyMap<string, string> = EXTERNAL_SERIES,
): string[] {
  const families = metricFamilies(exposition);
  const unknown: string[] = [];
  for (const { where, expr } of expressions) {
    for (const name of metricNames(expr)) if (!external.has(name) && !isSeries(name, families)) unknown.push(`${where}: ${name}`);
  }
  return unknown;
}

/** Label matchers with literal values in an expression: metric → label → values (`=~"a|b"` gives a and b). */
export function matchedLabelValues(expr: string): Array<{ metric: string; label: string; value: string }> {
  const out: Array<{ metric: string; label: string; value: string }> = [];
  for (const selector of expr.matchAll(/([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}/g)) {
    for (const m of selector[2]!.matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
      const [, label, op, value] = m;
      if (value!.includes('$')) continue; // a Grafana variable
      const literal = op === '=' || op === '!=' ? [value!] : /^[\w.-]+(?:\|[\w.-]+)*$/.test(value!) ? value!.split('|') : [];
      for (const v of literal) out.push({ metric: selector[1]!, label: label!, value: v });
    }
  }
  return out;
}

/** `where: metric{label="value"}` for every matched value radgate never produces (only for the labels in `known`). */
export function unknownLabelValues(
  expressions: ReadonlyArray<{ where: string; expr: string }>,
  known: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>,
): string[] {
  const unknown: string[] = [];
  for (const { where, expr } of expressions) {
    for (const { metric, label, value } of matchedLabelValues(expr)) {
      const values = known.get(metric)?.get(label);
      if (values && !values.has(value)) unknown.push(`${where}: ${metric}{${label}="${value}"}`);
    }
  }
  return unknown;
}

/** The string literals of a TypeScript union type declared in a source file. */
function unionMembers(file: string, type: string): Set<string> {
  const source = readFileSync(path.join(ROOT, file), 'utf8');
  const declaration = new RegExp(`export type ${type} =([^;]+);`).exec(source);
  if (!declaration) throw new Error(`${file}: no type ${type}`);
  return new Set([...declaration[1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!));
}

/** The label values radgate produces, read from the code that produces them. */
function producedLabelValues(): Map<string, Map<string, Set<string>>> {
  const app = readFileSync(path.join(ROOT, 'src/app.ts'), 'utf8');
  const metrics = readFileSync(path.join(ROOT, 'src/metrics.ts'), 'utf8');
  const handlers = ['access-request', 'accounting-request', 'status-server'].map((h) => readFileSync(path.join(ROOT, `src/handlers/${h}.ts`), 'utf8')).join('\n');
  const jobStates = new Set<string>(ENFORCEMENT_JOB_STATES);
  const batch = /result: committed \? '(\w+)' : '(\w+)'/.exec(metrics);
  const found = (values: Set<string>, what: string) => {
    if (values.size === 0) throw new Error(`found no ${what} in the source; update producedLabelValues()`);
    return values;
  };
  return new Map([
    ['radgate_radius_dropped_total', new Map([['reason', unionMembers('src/radius/server.ts', 'DropReason')]])],
    [
      'radgate_radius_requests_total',
      new Map([
        ['code', new Set(Object.values(CODE_NAMES))],
        ['outcome', found(new Set([...handlers.matchAll(/outcome: '(\w+)'/g)].map((m) => m[1]!)), 'request outcomes')],
      ]),
    ],
    ['radgate_radius_request_duration_seconds_bucket', new Map([['code', new Set(Object.values(CODE_NAMES))]])],
    [
      'radgate_enforcement_attempts_total',
      new Map([
        ['method', new Set<string>(ENFORCEMENT_METHODS)],
        ['result', new Set<string>(ENFORCEMENT_RESULTS)],
      ]),
    ],
    ['radgate_enforcement_jobs', new Map([['state', jobStates]])],
    ['radgate_enforcement_oldest_job_age_seconds', new Map([['state', new Set(['pending', 'running'])]])],
    ['radgate_config_reloads_total', new Map([['result', found(new Set([...app.matchAll(/configReloads\.inc\(\{ result: '(\w+)' \}\)/g)].map((m) => m[1]!)), 'reload results')]])],
    ['radgate_accounting_records_total', new Map([['result', found(new Set(batch ? [batch[1]!, batch[2]!] : []), 'accounting results')]])],
  ]);
}

// ---- the files ------------------------------------------------------------------------------------------------

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }> }>;
}

function ruleExpressions(yamlText: string): Array<{ where: string; expr: string }> {
  const file = parseYaml(yamlText) as RuleFile;
  return file.groups.flatMap((g) => g.rules.map((r) => ({ where: `${g.name}/${r.alert ?? r.record}`, expr: String(r.expr) })));
}

interface Panel {
  id?: number;
  type: string;
  title: string;
  targets?: Array<{ expr?: string; refId?: string }>;
  panels?: Panel[];
}
interface Dashboard {
  schemaVersion: number;
  __inputs?: Array<{ name: string; type: string; pluginId: string }>;
  panels: Panel[];
  templating?: { list: Array<{ name: string; query?: string | { query?: string } }> };
}

function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

function dashboardExpressions(dashboard: Dashboard): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  for (const panel of allPanels(dashboard.panels)) {
    for (const target of panel.targets ?? []) if (target.expr) out.push({ where: `panel "${panel.title}" ${target.refId ?? ''}`.trim(), expr: target.expr });
  }
  for (const variable of dashboard.templating?.list ?? []) {
    const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
    // label_values(selector, label): the selector is PromQL, the label is not.
    const labelValues = /^\s*label_values\(\s*(.+?)\s*,\s*[a-zA-Z_]\w*\s*\)\s*$/.exec(query);
    const queryResult = /^\s*query_result\(\s*(.+)\)\s*$/.exec(query);
    const expr = labelValues?.[1] ?? queryResult?.[1];
    if (expr) out.push({ where: `variable $${variable.name}`, expr });
  }
  return out;
}

/** The INI-like systemd unit: section → directive → values (directives may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 0) throw new Error(`not a unit file line: ${line}`);
    const key = line.slice(0, eq).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return sections;
}

/** promtool unit tests for the rules whose PromQL is not obvious (synthetic series, one sample a minute). */
const RULE_TESTS = `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'radgate_sessions_open{instance="a:9812",job="radgate",nas="rebooted"}'
        values: '100x11 _x20'
      - series: 'radgate_sessions_open{instance="a:9812",job="radgate",nas="halved"}'
        values: '100x10 40x20'
      - series: 'radgate_sessions_open{instance="a:9812",job="radgate",nas="steady"}'
        values: '100x30'
      - series: 'radgate_sessions_open{instance="a:9812",job="radgate",nas="small"}'
        values: '10x11 _x20'
      - series: 'up{instance="a:9812",job="radgate"}'
        values: '1x30'
      - series: 'radgate_enforcement_jobs{instance="a:9812",job="radgate",state="failed"}'
        values: '2x10 3x20'
      - series: 'radgate_enforcement_jobs{instance="b:9812",job="radgate",state="failed"}'
        values: '2x10 3x20'
      - series: 'radgate_radius_requests_total{instance="a:9812",job="radgate",nas="core1",code="Access-Request",outcome="accept",reason=""}'
        values: '0+6x40'
      - series: 'radgate_radius_requests_total{instance="a:9812",job="radgate",nas="core1",code="Access-Request",outcome="reject",reason="wrong-password"}'
        values: '0+12x40'
      - series: 'radgate_radius_requests_total{instance="a:9812",job="radgate",nas="quiet",code="Access-Request",outcome="reject",reason="unknown-user"}'
        values: '0+1x40'
      - series: 'radgate_enforcement_attempts_total{instance="a:9812",job="radgate",nas="core1",method="coa",result="timeout"}'
        values: '0+5x40'
      - series: 'radgate_enforcement_attempts_total{instance="a:9812",job="radgate",nas="core1",method="disconnect",result="ack"}'
        values: '0+5x40'
      - series: 'radgate_enforcement_attempts_total{instance="a:9812",job="radgate",nas="core2",method="coa",result="timeout"}'
        values: '0+5x40'
      - series: 'radgate_enforcement_attempts_total{instance="a:9812",job="radgate",nas="core2",method="disconnect",result="timeout"}'
        values: '0+5x40'
    alert_rule_test:
      - eval_time: 20m
        alertname: RadgateNasSessionsDropped
        exp_alerts:
          - exp_labels: { severity: warning, nas: rebooted }
          - exp_labels: { severity: warning, nas: halved }
      - eval_time: 15m
        alertname: RadgateEnforcementJobsFailed
        exp_alerts:
          - exp_labels: { severity: warning }
      - eval_time: 29m
        alertname: RadgateEnforcementJobsFailed
        exp_alerts: []
      - eval_time: 10m
        alertname: RadiusRejectRatioHigh
        exp_alerts: []
      - eval_time: 35m
        alertname: RadiusRejectRatioHigh
        exp_alerts:
          - exp_labels: { severity: warning, nas: core1 }
      - eval_time: 35m
        alertname: RadgateEnforcementAttemptsFailing
        exp_alerts:
          - exp_labels: { severity: warning, nas: core2 }
  - interval: 1m
    input_series:
      - series: 'radgate_sessions_open{instance="a:9812",job="radgate",nas="rebooted"}'
        values: '100x11 _x20'
      - series: 'up{instance="a:9812",job="radgate"}'
        values: '1x11 0x20'
    alert_rule_test:
      - eval_time: 20m
        alertname: RadgateNasSessionsDropped
        exp_alerts: []
      - eval_time: 20m
        alertname: RadgateDown
        exp_alerts:
          - exp_labels: { severity: critical, instance: "a:9812", job: radgate }
  - interval: 1m
    input_series:
      - series: 'radgate_accounting_records_rejected_total{instance="a:9812",job="radgate",sqlstate="22021"}'
        values: '0x10 1x40'
      - series: 'radgate_accounting_records_rejected_total{instance="b:9812",job="radgate",sqlstate="22021"}'
        values: '0x50'
    alert_rule_test:
      - eval_time: 5m
        alertname: RadgateAccountingRecordsRejected
        exp_alerts: []
      - eval_time: 15m
        alertname: RadgateAccountingRecordsRejected
        exp_alerts:
          - exp_labels: { severity: warning, sqlstate: "22021" }
      - eval_time: 45m
        alertname: RadgateAccountingRecordsRejected
        exp_alerts: []
`;

// ---- tests ----------------------------------------------------------------------------------------------------

describe('deploy/prometheus/radgate-alerts.yml', () => {
  it('passes promtool check rules', async () => {
    const promtool = onPath('promtool');
    if (!promtool) {
      throw new Error('promtool is not on PATH: install Debian\'s prometheus package (apt-get install prometheus), which ships /usr/bin/promtool');
    }
    const { stdout } = await run(promtool, ['check', 'rules', RULES]).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`promtool check rules failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    });
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('fires when it should: promtool test rules on synthetic series (a NAS reboot, a halving, a scrape outage, …)', async () => {
    const promtool = onPath('promtool');
    if (!promtool) throw new Error('promtool is not on PATH: install Debian\'s prometheus package (apt-get install prometheus)');
    // A copy without annotations: promtool compares them too, and their wording is not what is tested here.
    const file = parseYaml(readFileSync(RULES, 'utf8')) as RuleFile;
    for (const rule of file.groups.flatMap((g) => g.rules)) delete rule.annotations;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'radgate-rules-'));
    writeFileSync(path.join(dir, 'rules.yml'), JSON.stringify(file));
    writeFileSync(path.join(dir, 'tests.yml'), RULE_TESTS);
    await run(promtool, ['test', 'rules', 'tests.yml'], { cwd: dir }).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`promtool test rules failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    });
  });

  it('has an alert for every alert README.md describes, and every alert has a severity and a summary', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const described = [...readme.matchAll(/^- alert: (\w+)/gm)].map((m) => m[1]!);
    expect(described.length).toBeGreaterThan(0);
    const file = parseYaml(readFileSync(RULES, 'utf8')) as RuleFile;
    const rules = file.groups.flatMap((g) => g.rules);
    const names = rules.map((r) => r.alert);
    for (const alert of described) expect(names, `README.md describes ${alert}`).toContain(alert);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of rules) {
      expect(['critical', 'warning'], `${rule.alert} severity`).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, `${rule.alert} summary`).toBeTruthy();
    }
  });
});

describe('deploy/grafana/radgate-dashboard.json', () => {
  it('parses, takes a ${DS_PROMETHEUS} input, and every panel is a timeseries or stat with at least one target', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
    expect(dashboard.schemaVersion).toBe(39);
    expect(dashboard.__inputs).toContainEqual(expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }));
    const panels = allPanels(dashboard.panels).filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThan(10);
    for (const panel of panels) {
      expect(['timeseries', 'stat'], panel.title).toContain(panel.type);
      expect(panel.targets?.length ?? 0, `panel "${panel.title}" has no target`).toBeGreaterThan(0);
      for (const target of panel.targets!) expect(target.expr, `panel "${panel.title}" target ${target.refId}`).toBeTruthy();
    }
    const ids = allPanels(dashboard.panels).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(expect.arrayContaining(['AAA', 'Accounting', 'Sessions', 'Enforcement', 'Configuration', 'Node.js process']));
  });

  it('its queries are valid PromQL (checked by promtool as recording rules, Grafana variables filled in)', async () => {
    const promtool = onPath('promtool');
    if (!promtool) throw new Error('promtool is not on PATH: install Debian\'s prometheus package (apt-get install prometheus)');
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
    const rules = dashboardExpressions(dashboard).map(({ expr }, i) => ({
      record: `dashboard:query_${i}`,
      expr: expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '6h').replaceAll('$__interval', '1m'),
    }));
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'radgate-dashboard-')), 'queries.yml');
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
    await run(promtool, ['check', 'rules', file]).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`a dashboard query does not parse:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    });
  });
});

describe('metric names against a running radgate', () => {
  let t: TestRadgate;
  let exposition: string;

  beforeAll(async () => {
    t = await startTestRadgate();
    // A little traffic, so the labelled series have samples too (HELP/TYPE lines are printed regardless).
    const peer = await new UdpPeer().open();
    const authenticator = Buffer.alloc(16, 7);
    const login = accessRequest({ secret: 'testing123', id: 1, authenticator, attributes: [attr(1, 'nobody'), attr(2, hide('nothing', 'testing123', authenticator))] }).packet;
    expect((await peer.request(login, t.radgate.ports.auth, 3000))?.[0]).toBe(3);
    const start = accountingPacket(2, { 'Acct-Status-Type': 1, 'User-Name': 'walk-in', 'Acct-Session-Id': 'd0000001', 'NAS-IP-Address': '127.0.0.1' });
    expect((await peer.request(start, t.radgate.ports.acct, 3000))?.[0]).toBe(5);
    peer.close();
    const stranger = await new UdpPeer().open('127.0.0.9');
    stranger.send(login, t.radgate.ports.auth);
    await new Promise((r) => setTimeout(r, 200));
    stranger.close();
    exposition = await (await fetch(`http://127.0.0.1:${t.radgate.ports.metrics}/metrics`)).text();
    expect(exposition).toMatch(/^radgate_radius_dropped_total\{nas="unknown",reason="unknown-client"\} 1$/m);
  });

  afterAll(async () => {
    await t?.stop().catch(() => {});
  });

  it('every metric in the alert rules is exported', () => {
    const expressions = ruleExpressions(readFileSync(RULES, 'utf8'));
    expect(expressions.length).toBeGreaterThan(10);
    expect(unknownMetricNames(expressions, exposition)).toEqual([]);
  });

  it('every metric in the dashboard targets and variables is exported', () => {
    const expressions = dashboardExpressions(JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard);
    expect(expressions.some((e) => e.where.startsWith('variable'))).toBe(true);
    expect(unknownMetricNames(expressions, exposition)).toEqual([]);
    // Grafana's datasource and other variables never reach Prometheus.
    expect(expressions.filter((e) => /\$(?!__rate_interval|__range|instance|nas)\w/.test(e.expr))).toEqual([]);
  });

  it('the check catches a misspelt name: a copy of the rules with one bogus metric', () => {
    const text = readFileSync(RULES, 'utf8');
    expect(text).toContain('radgate_config_reloads_total{result="refused"}');
    const broken = text.replace('radgate_config_reloads_total{result="refused"}', 'radgate_config_reload_total{result="refused"}');
    expect(unknownMetricNames(ruleExpressions(broken), exposition)).toEqual(['radgate-config/RadgateConfigReloadRefused: radgate_config_reload_total']);
  });

  it('the check knows histogram series from base names, and counters have no _bucket', () => {
    const unknown = unknownMetricNames(
      [
        { where: 'ok', expr: 'rate(radgate_radius_request_duration_seconds_bucket[5m]) + rate(radgate_accounting_batch_size_sum[5m]) / rate(radgate_accounting_batch_size_count[5m])' },
        { where: 'base', expr: 'radgate_radius_request_duration_seconds > 0' },
        { where: 'counter', expr: 'rate(radgate_radius_requests_total_bucket[5m])' },
        { where: 'bogus', expr: 'sum by (nas) (rate(radgate_radius_bogus_total{nas=~"core.*"}[5m])) and on () up == 1' },
      ],
      exposition,
    );
    expect(unknown).toEqual([
      'base: radgate_radius_request_duration_seconds',
      'counter: radgate_radius_requests_total_bucket',
      'bogus: radgate_radius_bogus_total',
    ]);
  });
});

describe('the PromQL name extractor', () => {
  it('skips functions, keywords, label names, label values, durations, numbers and Grafana variables', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, code) (rate(a_bucket{code="Access-Request", le!="+Inf", x=~"sum|rate"}[$__rate_interval])))' +
          ' > 5 * on (nas) group_left (team) b offset 1d and bool c unless ignoring(instance) d:recorded:rate5m' +
          ' or vector(0) or count without (instance) (e{nas=~"$nas"} @ 1609746000) / 1e3 > Inf and topk(3, f[5m:1m])',
      ),
    ).toEqual(['a_bucket', 'b', 'c', 'd:recorded:rate5m', 'e', 'f']);
  });
});

describe('label values', () => {
  it('every label value the rules and the dashboard match on is one radgate produces', () => {
    const known = producedLabelValues();
    const expressions = [...ruleExpressions(readFileSync(RULES, 'utf8')), ...dashboardExpressions(JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard)];
    expect(expressions.flatMap((e) => matchedLabelValues(e.expr)).filter((m) => known.get(m.metric)?.has(m.label)).length).toBeGreaterThan(10);
    expect(unknownLabelValues(expressions, known)).toEqual([]);
    // …and the check would notice one that is not.
    expect(unknownLabelValues([{ where: 'copy', expr: 'rate(radgate_radius_dropped_total{reason=~"unknown-client|unknown-nas"}[5m])' }], known)).toEqual([
      'copy: radgate_radius_dropped_total{reason="unknown-nas"}',
    ]);
  });
});

describe('deploy/radgate.service', () => {
  const unit = parseUnit(readFileSync(UNIT, 'utf8'));
  const service = unit.get('Service')!;
  const one = (key: string) => {
    const values = service.get(key);
    return values === undefined ? undefined : values.at(-1);
  };

  it('runs radgate start as the radgate user with the real environment variable names', () => {
    expect(one('User')).toBe('radgate');
    expect(one('Group')).toBe('radgate');
    expect(one('ExecStart')).toMatch(/^\/\S*node \/opt\/radgate\/bin\/radgate\.js start$/);
    const environment = (service.get('Environment') ?? []).map((e) => e.replace(/^"|"$/g, ''));
    expect(environment).toContain('RADGATE_CONFIG=/etc/radgate');
    expect(environment).toContain('RADGATE_DATA_DIR=/var/lib/radgate');
    // The names radgate reads (src/app.ts); a unit setting a name nobody reads would silently use ./config.
    const app = readFileSync(path.join(ROOT, 'src/app.ts'), 'utf8');
    for (const name of environment.map((e) => e.split('=')[0]!).filter((n) => n.startsWith('RADGATE_'))) expect(app).toContain(`env.${name}`);
    expect(one('StateDirectory')).toBe('radgate');
    expect(one('StateDirectoryMode')).toBe('0700');
    expect(one('ConfigurationDirectory')).toBe('radgate');
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('reloads with SIGHUP, restarts on failure, and outlasts the 15 s drain on stop', () => {
    expect(one('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(one('Restart')).toBe('on-failure');
    expect(one('RestartSec')).toBe('2');
    expect(Number(one('TimeoutStopSec'))).toBeGreaterThan(15);
    expect(one('LimitNOFILE')).toBe('65536');
  });

  it('is hardened, without MemoryDenyWriteExecute and without capabilities', () => {
    const expected: Record<string, string> = {
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      NoNewPrivileges: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectKernelLogs: 'yes',
      ProtectControlGroups: 'yes',
      RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX AF_NETLINK',
      RestrictNamespaces: 'yes',
      LockPersonality: 'yes',
      SystemCallArchitectures: 'native',
      CapabilityBoundingSet: '',
    };
    for (const [key, value] of Object.entries(expected)) expect(one(key), key).toBe(value);
    expect(service.has('MemoryDenyWriteExecute'), 'V8 needs writable-then-executable memory').toBe(false);
    expect(service.has('AmbientCapabilities'), 'no port below 1024').toBe(false);
    expect(one('DynamicUser') ?? 'no').toBe('no');
  });

  it('passes systemd-analyze verify when systemd-analyze is installed', async (ctx) => {
    const analyze = onPath('systemd-analyze');
    if (!analyze) return ctx.skip();
    // verify exits 0 on unknown or unparsable directives; it names the file in each such warning.
    const { stdout, stderr } = await run(analyze, ['verify', UNIT]).catch((err: { stdout?: string; stderr?: string }) => ({
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }));
    const complaints = `${stdout}\n${stderr}`.split('\n').filter((l) => l.includes('radgate.service'));
    expect(complaints).toEqual([]);
  });
});
