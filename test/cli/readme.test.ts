/**
 * The README and the docs cannot drift from the code or from each other: the phase table in
 * docs/warm-up-program.md is PHASE_TABLE, the table in docs/configuration.md names every environment
 * variable the config, the dev stack, the simulator and the binary resolver read, the README stays a
 * short front door linking every docs page, and no relative link points to a missing file or heading.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { phaseTableMarkdown } from '../../src/commands/phase-table';
import { PHASE_TABLE, PHASES } from '../../src/domain/phases';
import { TEMPORAL_ENV_VARIABLES } from '../../src/temporal-connection';

const ROOT = path.resolve(__dirname, '../..');
const source = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const readme = source('README.md');
const DOC_PAGES = readdirSync(path.join(ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((f) => `docs/${f}`);

function section(file: string, startMarker: string, endMarker: string): string {
  const text = source(file);
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker, start);
  if (start < 0 || end < 0) throw new Error(`${file}: markers ${startMarker} / ${endMarker} not found`);
  return text.slice(text.indexOf('\n', start) + 1, end).trim();
}

/** Markdown without fenced code blocks and inline code, where link-like text is not a link. */
const prose = (markdown: string) => markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

test("docs/warm-up-program.md's phase table is the one PHASE_TABLE generates (regenerate: npx warmer phases --markdown)", () => {
  expect(section('docs/warm-up-program.md', '<!-- phase-table:', '<!-- /phase-table -->')).toBe(phaseTableMarkdown());
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
    expect(Number(cells.at(-2))).toBe(PHASE_TABLE[phase].dailyStatusCap);
    expect(Number(cells.at(-1))).toBe(PHASE_TABLE[phase].receiveFirstDays);
  });
});

test("docs/configuration.md's table names every environment variable the code reads", () => {
  const read = new Set<string>();
  const collect = (text: string, pattern: RegExp) => {
    for (const m of text.matchAll(pattern)) read.add(m[1]!);
  };
  collect(source('src/config.ts'), /\b(?:str|int|num|bool|url|secret|duration)\('([A-Z][A-Z0-9_]+)'/g);
  collect(source('src/dev/main.ts'), /\benv(?:\.|, ')([A-Z][A-Z0-9_]+)/g);
  collect(source('src/simulator/main.ts'), /\benv\.([A-Z][A-Z0-9_]+)/g);
  collect(source('src/temporal-binaries.ts'), /env: '([A-Z][A-Z0-9_]+)'/g);
  collect(source('src/temporal-binaries.ts'), /process\.env\.([A-Z][A-Z0-9_]+)/g);
  for (const name of TEMPORAL_ENV_VARIABLES) read.add(name);
  read.delete('PATH');
  expect(read.size).toBeGreaterThan(30);
  const table = section('docs/configuration.md', '<!-- configuration-table:', '<!-- /configuration-table -->');
  const documented = new Set([...table.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!));
  expect([...read].filter((name) => !documented.has(name)).sort()).toEqual([]);
});

test('the README starts with exactly the two commands for a fresh machine', () => {
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
  const commands = firstBlock
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean);
  expect(commands).toEqual(['npm install && npm run dev', 'npm install && npm test']);
  expect(readme.indexOf('```sh')).toBeLessThan(readme.indexOf('Warmer takes'));
});

test('the README is a front door: under 200 lines, linking every docs page', () => {
  expect(readme.split('\n').length).toBeLessThan(200);
  expect(DOC_PAGES.length).toBeGreaterThanOrEqual(10);
  const linked = new Set(relativeLinks(readme).map((target) => path.normalize(target.split('#')[0]!)));
  expect(DOC_PAGES.filter((page) => !linked.has(page))).toEqual([]);
});

test('docs/performance.md holds one table of current figures, each with its command, commit and machine', () => {
  const rows = source('docs/performance.md')
    .split('\n')
    .filter((line) => line.startsWith('|'));
  const header = rows[0]!.split('|').map((c) => c.trim());
  expect(header).toEqual(expect.arrayContaining(['Measure', 'Figure', 'Command', 'Commit', 'Machine']));
  expect(rows[1]).toMatch(/^\|( --- \|)+$/);
  // One table: every table line is contiguous with the first.
  const lines = source('docs/performance.md').split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  expect(lines.slice(first, first + rows.length).every((line) => line.startsWith('|'))).toBe(true);
  const column = (name: string) => header.indexOf(name);
  const body = rows.slice(2).map((row) => row.split('|').map((c) => c.trim()));
  expect(body.length).toBeGreaterThanOrEqual(10);
  for (const cells of body) {
    expect(cells[column('Command')]).toMatch(/`npx tsx bench\/[a-z-]+\.ts/);
    expect(cells[column('Commit')]).toMatch(/^`[0-9a-f]{7,40}`$/);
    expect(cells[column('Machine')]).toMatch(/2 cores.*24 GiB.*Node 20/);
  }
});

test('every relative link in README.md and docs/*.md points to a file that exists (and a heading that exists)', () => {
  const broken: string[] = [];
  for (const file of ['README.md', ...DOC_PAGES]) {
    const dir = path.dirname(path.join(ROOT, file));
    for (const target of relativeLinks(source(file))) {
      const [filePart, anchor] = target.split('#', 2) as [string, string | undefined];
      const resolved = filePart ? path.resolve(dir, decodeURIComponent(filePart)) : path.join(ROOT, file);
      if (!existsSync(resolved)) {
        broken.push(`${file}: ${target} (no such file)`);
        continue;
      }
      if (anchor && resolved.endsWith('.md') && statSync(resolved).isFile()) {
        if (!anchors(readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
  }
  expect(broken).toEqual([]);
});
