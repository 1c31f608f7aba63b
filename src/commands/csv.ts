/**
 * A small CSV reader for the operator's imports: comma-separated, double quotes around a field that
 * holds a comma or a quote ("" inside quotes is one quote), blank lines skipped. Each row keeps its
 * line number so a bad row can be named.
 */
export interface CsvRow {
  line: number;
  fields: string[];
}

export function parseCsv(text: string): { rows: CsvRow[]; problems: { line: number; error: string }[] } {
  const rows: CsvRow[] = [];
  const problems: { line: number; error: string }[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    let j = 0;
    for (; j < raw.length; j++) {
      const ch = raw[j]!;
      if (quoted) {
        if (ch === '"' && raw[j + 1] === '"') {
          field += '"';
          j++;
        } else if (ch === '"') quoted = false;
        else field += ch;
      } else if (ch === '"' && field.trim() === '') {
        quoted = true;
        field = '';
      } else if (ch === ',') {
        fields.push(field.trim());
        field = '';
      } else field += ch;
    }
    if (quoted) problems.push({ line: i + 1, error: 'a quoted field is not closed' });
    else rows.push({ line: i + 1, fields: [...fields, field.trim()] });
  });
  return { rows, problems };
}
