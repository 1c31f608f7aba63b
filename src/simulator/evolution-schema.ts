/**
 * TEST / DEMO ONLY. The part of JSON Schema Evolution's routes use, checked and worded as the
 * `jsonschema` package words it, then reported as Evolution's routers report it: a message is the
 * failing subschema's `description` when it has one, otherwise the error's stack without its first
 * "instance." (so `instance requires property "x"` stays whole and `instance.x is not …` loses it).
 * `dataValidate` routes answer `[[messages]]`; the group routes answer `[{ property, message }]`.
 */
import { SimError } from './network';

export interface Schema {
  type?: 'string' | 'boolean' | 'integer' | 'number' | 'array' | 'object';
  enum?: readonly unknown[];
  properties?: Record<string, Schema>;
  required?: readonly string[];
  items?: Schema;
  minItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  description?: string;
  /**
   * Evolution's `isNotEmpty(...)`: when every key of the body is one of these, each present one must
   * have a minimum length of 1 (so the check never fires on a body with any other key).
   */
  notEmpty?: readonly string[];
}

interface SchemaError {
  property: string;
  stack: string;
  message: string;
}

export function validateSchema(value: unknown, schema: Schema, property = 'instance'): SchemaError[] {
  const errors: SchemaError[] = [];
  const fail = (at: string, text: string, described: Schema): void => {
    const stack = `${at} ${text}`;
    errors.push({ property: at, stack, message: described.description ?? stack.replace('instance.', '') });
  };
  if (schema.type && !hasType(value, schema.type)) {
    fail(property, `is not of a type(s) ${schema.type}`, schema);
    return errors;
  }
  if (schema.enum && !schema.enum.includes(value))
    fail(property, `is not one of enum values: ${schema.enum.map(String).join(',')}`, schema);
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && [...value].length < schema.minLength) {
      fail(property, `does not meet minimum length of ${schema.minLength}`, schema);
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
      fail(property, `does not match pattern ${JSON.stringify(schema.pattern)}`, schema);
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      fail(property, `must be greater than or equal to ${schema.minimum}`, schema);
    if (schema.maximum !== undefined && value > schema.maximum) fail(property, `must be less than or equal to ${schema.maximum}`, schema);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      fail(property, `does not meet minimum length of ${schema.minItems}`, schema);
    if (schema.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) {
      fail(property, 'contains duplicate item', schema);
    }
    if (schema.items) value.forEach((item, i) => errors.push(...validateSchema(item, schema.items!, `${property}[${i}]`)));
  }
  if (isObject(value)) {
    for (const [name, sub] of Object.entries(schema.properties ?? {})) {
      if (value[name] !== undefined) errors.push(...validateSchema(value[name], sub, `${property}.${name}`));
    }
    for (const name of schema.required ?? []) {
      if (value[name] === undefined) fail(property, `requires property ${JSON.stringify(name)}`, {});
    }
    const listed = schema.notEmpty;
    if (listed && Object.keys(value).every((key) => listed.includes(key))) {
      for (const name of listed) {
        const item = value[name];
        if (typeof item === 'string' && item.length < 1) {
          fail(`${property}.${name}`, 'does not meet minimum length of 1', { description: `The "${name}" cannot be empty` });
        }
      }
    }
  }
  return errors;
}

/** `dataValidate`: 400 with every message in one nested array. */
export function assertSchema(body: unknown, schema: Schema): Record<string, unknown> {
  const ref = isObject(body) ? body : {};
  const errors = validateSchema(ref, schema);
  if (errors.length > 0) throw new SimError(400, [errors.map((e) => e.message)]);
  return ref;
}

/** `groupValidate`: 400 with one `{ property, message }` per error. */
export function assertGroupSchema(body: Record<string, unknown>, schema: Schema): void {
  const errors = validateSchema(body, schema);
  if (errors.length > 0) {
    throw new SimError(
      400,
      errors.map((e) => ({ property: e.property.replace('instance.', ''), message: e.message })),
    );
  }
}

function hasType(value: unknown, type: NonNullable<Schema['type']>): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
