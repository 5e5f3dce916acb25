/**
 * @module config/read-yaml
 * Reads one YAML config file (YAML 1.2 core schema: `yes`/`no` are strings, `true`/`false` booleans).
 * Syntax errors, duplicate keys and unknown tags become problems naming the line and column, without the source
 * excerpt the yaml library would add (the offending line may hold a secret).
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Problem } from './errors.js';

/** The parsed document, or `undefined` when the file is missing or unparseable (problems already added). */
export async function readYamlFile(configDir: string, file: string, problems: Problem[]): Promise<{ value: unknown } | undefined> {
  let source: string;
  try {
    source = await readFile(path.join(configDir, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? `file not found in ${configDir}` : `cannot read file (${fsErrorText(error)})`;
    problems.push({ file, where: '', reason });
    return undefined;
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { prettyErrors: false, lineCounter, uniqueKeys: true });
  const issues = [...doc.errors, ...doc.warnings];
  for (const issue of issues) {
    const { line, col } = lineCounter.linePos(issue.pos[0]);
    problems.push({ file, where: `line ${line}, column ${col}`, reason: `YAML: ${issue.message}` });
  }
  if (issues.length > 0) return undefined;
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (error) {
    // e.g. an alias to an undefined anchor; the library gives no position for these.
    problems.push({ file, where: '', reason: `YAML: ${(error as Error).message}` });
    return undefined;
  }
}

/** A file-system error as a short operator-facing text: "file not found", "permission denied", ... */
export function fsErrorText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'file not found';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    default: return code ?? (error as Error).message;
  }
}
