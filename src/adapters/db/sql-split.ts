/**
 * Splits a migration file into statements the way the Supabase CLI records them in
 * supabase_migrations.schema_migrations.statements: at top-level semicolons (not inside quotes,
 * dollar quotes, comments, parentheses or a BEGIN ATOMIC body), each piece with its trailing
 * semicolons and surrounding whitespace trimmed, empty pieces dropped. Comments stay with the
 * statement that follows them. The runner records what it applies in the same shape, so
 * `supabase migration fetch` and the checksum comparison read both tools' rows alike.
 */

const WHITESPACE = /[\s\u0085]/;

/** The characters the CLI may drop between statements: whitespace and statement separators. */
const SEPARATORS = /[\s\u0085;]+/g;

/**
 * A migration's text without the characters the CLI drops when it splits it: the same string for a
 * file and for the statements either tool recorded from it, whatever the split points.
 */
export function canonicalSql(sql: string): string {
  return sql.replace(SEPARATORS, '');
}

function dollarTagAt(sql: string, i: number): string | undefined {
  const match = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64));
  return match?.[0];
}

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_]/.test(ch);
}

function keywordAt(sql: string, i: number, word: string): boolean {
  return sql.slice(i, i + word.length).toLowerCase() === word && !isWordChar(sql[i - 1]) && !isWordChar(sql[i + word.length]);
}

function trimStatement(piece: string): string {
  let end = piece.length;
  while (end > 0 && piece[end - 1] === ';') end--;
  let start = 0;
  while (start < end && WHITESPACE.test(piece[start] ?? '')) start++;
  while (end > start && WHITESPACE.test(piece[end - 1] ?? '')) end--;
  return piece.slice(start, end);
}

export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let depth = 0;
  let atomic = false;
  let i = 0;
  const emit = (end: number) => {
    const statement = trimStatement(sql.slice(start, end));
    if (statement) statements.push(statement);
    start = end;
  };
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol + 1;
    } else if (ch === '/' && next === '*') {
      let nested = 1;
      i += 2;
      while (i < sql.length && nested > 0) {
        if (sql.startsWith('/*', i)) {
          nested++;
          i += 2;
        } else if (sql.startsWith('*/', i)) {
          nested--;
          i += 2;
        } else {
          i++;
        }
      }
    } else if (ch === "'" || ch === '"') {
      i++;
      while (i < sql.length) {
        if (sql[i] === ch && sql[i + 1] === ch) i += 2;
        else if (sql[i] === ch) break;
        else i++;
      }
      i++;
    } else if (ch === '$' && dollarTagAt(sql, i) !== undefined) {
      const tag = dollarTagAt(sql, i) ?? '';
      const close = sql.indexOf(tag, i + tag.length);
      i = close < 0 ? sql.length : close + tag.length;
    } else if (ch === '\\') {
      i += 2;
    } else if (ch === '(') {
      depth++;
      i++;
    } else if (ch === ')') {
      depth = Math.max(0, depth - 1);
      i++;
    } else if (depth === 0 && !atomic && keywordAt(sql, i, 'atomic') && /begin\s+$/i.test(sql.slice(Math.max(start, i - 32), i))) {
      atomic = true;
      i += 'atomic'.length;
    } else if (atomic && depth === 0 && keywordAt(sql, i, 'end')) {
      atomic = false;
      i += 'end'.length;
    } else if (ch === ';' && depth === 0 && !atomic) {
      i++;
      emit(i);
    } else {
      i++;
    }
  }
  emit(sql.length);
  return statements;
}
