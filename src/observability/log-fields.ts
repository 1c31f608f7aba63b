/**
 * What a log line may hold. Errors become plain objects an operator can read (JSON.stringify of an
 * Error is `{}`, which is how the SDK's "Activity failed" warnings lost every cause); every string of
 * the finished line is scrubbed of phone-like digit runs and URL credentials whatever its key or
 * depth (msg, bindings, arrays, stacks); numbers under a phone-like key are masked too.
 */
import { maskPhone } from '../domain/phone';
import { scrubText } from '../domain/redact';

/** Keys whose numeric values are phone numbers (strings are scrubbed whatever their key). */
const PHONE_KEY = /phone|telefone|remotejid|number|destinatario|jid|partner|^to$/i;
/** Causes followed below an error, and nesting followed in a log object, before cutting off. */
const MAX_CAUSES = 5;
const MAX_DEPTH = 10;
const MAX_AGGREGATED = 5;
const MAX_STACK_CHARS = 8_000;

type Fields = Record<string, unknown>;

function isPrimitive(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * An error as type (its name), message, code and the other plain fields it carries (an
 * ApplicationFailure's type becomes failureType), stack, and its causes, recursively and bounded.
 */
export function serializeError(err: Error, causes = 0): Fields {
  const out: Fields = { type: err.name || err.constructor?.name || 'Error', message: String(err.message ?? '') };
  for (const [key, value] of Object.entries(err)) {
    if (key === 'stack' || key === 'cause' || key === 'message' || key === 'name' || !isPrimitive(value)) continue;
    out[key === 'type' ? 'failureType' : key] = value;
  }
  if (typeof err.stack === 'string') out.stack = err.stack.length > MAX_STACK_CHARS ? `${err.stack.slice(0, MAX_STACK_CHARS)}…` : err.stack;
  const cause = (err as { cause?: unknown }).cause;
  if (cause !== undefined && cause !== null) {
    out.cause =
      causes >= MAX_CAUSES ? '[further causes omitted]' : cause instanceof Error ? serializeError(cause, causes + 1) : safeLogFields(cause);
  }
  if (err instanceof AggregateError && Array.isArray(err.errors)) {
    out.errors = err.errors
      .slice(0, MAX_AGGREGATED)
      .map((e: unknown) => (e instanceof Error && causes < MAX_CAUSES ? serializeError(e, causes + 1) : safeLogFields(e)));
  }
  return out;
}

/**
 * A log object made safe to serialize: errors anywhere become their fields, bigints become text,
 * numbers under a phone-like key are masked, cycles and excessive depth are cut.
 */
export function safeLogFields(value: unknown, key = '', depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number')
    return PHONE_KEY.test(key) && Number.isInteger(value) && Math.abs(value) >= 1e9 ? maskPhone(String(value)) : value;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  seen.add(value);
  try {
    if (value instanceof Error) return serializeError(value);
    if (Array.isArray(value)) return value.map((v) => safeLogFields(v, key, depth + 1, seen));
    if (value instanceof Date || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return value;
    const out: Fields = {};
    for (const [k, v] of Object.entries(value as Fields)) out[k] = safeLogFields(v, k, depth + 1, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

function scrubStrings(value: unknown): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map(scrubStrings);
  if (value !== null && typeof value === 'object') {
    const out: Fields = {};
    for (const [k, v] of Object.entries(value as Fields)) out[scrubText(k)] = scrubStrings(v);
    return out;
  }
  return value;
}

/** The last step before a line is written: every string in it scrubbed, the JSON shape kept. */
export function scrubLogLine(line: string): string {
  const end = line.endsWith('\n') ? '\n' : '';
  try {
    return `${JSON.stringify(scrubStrings(JSON.parse(line)))}${end}`;
  } catch {
    return scrubText(line);
  }
}
