// Lints source texts as if they were files of the project, with the project's own ESLint config, and
// prints what the layering rules report. Run as a child process: ESLint loads eslint.config.mjs with a
// dynamic import(), which Jest's module sandbox refuses.
//   stdin: [{ "filePath": "src/domain/x.ts", "code": "..." }]   stdout: [[{ ruleId, messageId, message }]]
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '../..');
const RULES = new Set(['warmer/layering', '@typescript-eslint/no-restricted-imports']);

let input = '';
for await (const chunk of process.stdin) input += chunk;

const eslint = new ESLint({
  cwd: root,
  // The texts exist only here, so no TypeScript project holds them: parse without type information
  // and run the import rules only (they need none).
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false } } }],
  ruleFilter: ({ ruleId }) => RULES.has(ruleId),
});

const out = [];
for (const { filePath, code } of JSON.parse(input)) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  out.push((result?.messages ?? []).map(({ ruleId, messageId, message }) => ({ ruleId, messageId, message })));
}
process.stdout.write(JSON.stringify(out));
