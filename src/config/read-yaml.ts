/**
 * @module config/read-yaml
 * Reads one YAML config file (YAML 1.2 core schema: `yes`/`no` are strings, `true`/`false` booleans).
 * Syntax errors, duplicate keys and unknown tags become problems naming the line and column, without the source
 * excerpt the yaml library would add (the offending line may hold a secret). A file that is not UTF-8 is refused
 * at its first bad byte: decoding would silently turn it into U+FFFD, a value the operator never wrote.
 */

import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Problem } from './errors.js';

/** The parsed document, or `undefined` when the file is missing or unparseable (problems already added). */
export async function readYamlFile(configDir: string, file: string, problems: Problem[]): Promise<{ value: unknown } | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(configDir, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? `file not found in ${configDir}` : `cannot read file (${fsErrorText(error)})`;
    problems.push({ file, where: '', reason });
    return undefined;
  }
  const source = bytes.toString('utf8');
  if (!isUtf8(bytes)) {
    const { line, column, byte } = firstInvalidUtf8(bytes, source);
    problems.push({ file, where: `line ${line}, column ${column}`, reason: `not UTF-8 (byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')}); save the file as UTF-8` });
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

/** Where `bytes` (decoded, with replacements, as `source`) first stops being UTF-8; line and column count from 1. */
function firstInvalidUtf8(bytes: Buffer, source: string): { line: number; column: number; byte: number } {
  let offset = 0;
  let line = 1;
  let column = 1;
  for (const char of source) {
    const encoded = Buffer.from(char, 'utf8');
    if (!bytes.subarray(offset, offset + encoded.length).equals(encoded)) break;
    offset += encoded.length;
    if (char === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  return { line, column, byte: bytes[offset] ?? 0 };
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
