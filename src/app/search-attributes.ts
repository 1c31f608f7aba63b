import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../workflows/api';

const { IndexedValueType } = temporal.api.enums.v1;

/** The Warmer* attributes that let the Temporal UI list chips by phase, status and health. */
export const SEARCH_ATTRIBUTE_TYPES = {
  [SEARCH_ATTRIBUTES.phase]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SEARCH_ATTRIBUTES.status]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SEARCH_ATTRIBUTES.health]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

/** For `temporal server start-dev --search-attribute ...`. */
export const DEV_SERVER_SEARCH_ATTRIBUTE_ARGS = [
  `${SEARCH_ATTRIBUTES.phase}=Keyword`,
  `${SEARCH_ATTRIBUTES.status}=Keyword`,
  `${SEARCH_ATTRIBUTES.health}=Int`,
];

/** Registers the attributes on the namespace when missing; returns the names it added. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = Object.fromEntries(Object.entries(SEARCH_ATTRIBUTE_TYPES).filter(([name]) => !known.has(name)));
  if (Object.keys(missing).length === 0) return [];
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  return Object.keys(missing);
}
