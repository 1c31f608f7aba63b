/**
 * TEST / DEMO ONLY. The simulator's JSON-schema checks, answered like Evolution's validator does
 * (400 with nested arrays of messages such as `instance requires property "number"`).
 */
import { SimError } from './network';

export function requireProps(body: unknown, props: string[], where = 'instance'): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SimError(400, [[`${where} is not of a type(s) object`]]);
  }
  const missing = props.filter((p) => (body as Record<string, unknown>)[p] === undefined);
  if (missing.length > 0) throw new SimError(400, [missing.map((p) => `${where} requires property "${p}"`)]);
}

export function requireType(body: unknown, prop: string, type: 'string' | 'integer'): unknown {
  const value = (body as Record<string, unknown>)[prop];
  const ok = type === 'string' ? typeof value === 'string' : Number.isInteger(value) && (value as number) >= 0;
  if (!ok) throw new SimError(400, [[`instance.${prop} is not of a type(s) ${type}`]]);
  return value;
}
