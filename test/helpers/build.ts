/**
 * Global setup of the `process` test project (vitest.config.ts): compiles dist/ once, before the test files that
 * start the compiled binary (`node bin/radgate.js`, which loads dist/). Vitest calls it only when at least one of
 * those files is selected, so unit test runs never build. See test/README.md.
 */
import { execFileSync } from 'node:child_process';
import { ROOT } from './config.js';

export default function setup(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
}
