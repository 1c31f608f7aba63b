/**
 * The README cannot drift from the code: its phase table is PHASE_TABLE, and its configuration
 * table names every environment variable the config, the dev stack, the simulator and the binary
 * resolver read.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { phaseTableMarkdown } from '../../src/commands/phase-table';
import { PHASE_TABLE, PHASES } from '../../src/domain/phases';
import { TEMPORAL_ENV_VARIABLES } from '../../src/temporal-connection';

const ROOT = path.resolve(__dirname, '../..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const source = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

function section(startMarker: string, endMarker: string): string {
  const start = readme.indexOf(startMarker);
  const end = readme.indexOf(endMarker, start);
  if (start < 0 || end < 0) throw new Error(`README markers ${startMarker} / ${endMarker} not found`);
  return readme.slice(readme.indexOf('\n', start) + 1, end).trim();
}

test("the README's phase table is the one PHASE_TABLE generates (regenerate: npx warmer phases --markdown)", () => {
  expect(section('<!-- phase-table:', '<!-- /phase-table -->')).toBe(phaseTableMarkdown());
});

test('the generated phase table carries every phase with its cap and criteria', () => {
  const lines = phaseTableMarkdown().split('\n').slice(2);
  expect(lines).toHaveLength(PHASES.length);
  PHASES.forEach((phase, i) => {
    const cells = lines[i]!.split('|')
      .map((c) => c.trim())
      .filter(Boolean);
    expect(cells[0]).toBe(`\`${phase}\``);
    expect(Number(cells[1])).toBe(PHASE_TABLE[phase].dailyCap);
    if (PHASE_TABLE[phase].next) {
      expect(Number(cells[2])).toBe(PHASE_TABLE[phase].minDays);
      expect(Number(cells[3])).toBe(PHASE_TABLE[phase].minHealth);
      expect(cells[4]).toBe(`${Math.round(PHASE_TABLE[phase].minReplyRate * 100)}%`);
      expect(cells[5]).toBe(PHASE_TABLE[phase].next);
    }
  });
});

test('the configuration table names every environment variable the code reads', () => {
  const read = new Set<string>();
  const collect = (text: string, pattern: RegExp) => {
    for (const m of text.matchAll(pattern)) read.add(m[1]!);
  };
  collect(source('src/config.ts'), /\b(?:str|int|num|bool|url)\('([A-Z][A-Z0-9_]+)'/g);
  collect(source('src/dev/main.ts'), /\benv(?:\.|, ')([A-Z][A-Z0-9_]+)/g);
  collect(source('src/simulator/main.ts'), /\benv\.([A-Z][A-Z0-9_]+)/g);
  collect(source('src/temporal-binaries.ts'), /env: '([A-Z][A-Z0-9_]+)'/g);
  collect(source('src/temporal-binaries.ts'), /process\.env\.([A-Z][A-Z0-9_]+)/g);
  for (const name of TEMPORAL_ENV_VARIABLES) read.add(name);
  read.delete('PATH');
  expect(read.size).toBeGreaterThan(30);
  const documented = new Set(
    [...section('## Configuration', '## Architecture').matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!),
  );
  expect([...read].filter((name) => !documented.has(name)).sort()).toEqual([]);
});

test('the README starts with the two commands and has a performance section', () => {
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
  expect(firstBlock).toMatch(/^npm install && npm run dev\b/m);
  expect(firstBlock).toMatch(/^npm install && npm test\b/m);
  expect(readme.indexOf('```sh')).toBeLessThan(readme.indexOf('Warmer takes'));
  // Its content (or the placeholder `<!-- bench results: filled by bench/ -->`) belongs to bench/.
  expect(readme).toMatch(/^## Performance$/m);
});
