/** The checked-in histories and workflow bundles of past releases (written by test/histories/record.ts). */
import { temporal } from '@temporalio/proto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

export const HISTORIES_DIR = path.resolve(__dirname, '../histories');

export function releases(): string[] {
  return readdirSync(HISTORIES_DIR)
    .filter((d) => /^v\d+$/.test(d))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

export function releaseHistories(version: string): { workflowId: string; history: temporal.api.history.v1.History }[] {
  const dir = path.join(HISTORIES_DIR, version);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json.gz'))
    .sort()
    .map((f) => ({
      workflowId: `${version}/${f.replace(/\.json\.gz$/, '')}`,
      history: temporal.api.history.v1.History.fromObject(JSON.parse(gunzipSync(readFileSync(path.join(dir, f))).toString('utf8'))),
    }));
}

/** The workflow code a release shipped, as its bundle. */
export function releaseBundle(version: string): { code: string } {
  const file = path.join(HISTORIES_DIR, version, 'workflow-bundle.js.gz');
  if (!existsSync(file)) throw new Error(`No workflow bundle for release ${version} (${file}).`);
  return { code: gunzipSync(readFileSync(file)).toString('utf8') };
}

/** The ids of the patches a history's markers record (patched() calls that answered true), in order. */
export function patchIds(history: temporal.api.history.v1.IHistory): string[] {
  return (history.events ?? []).flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    const data: unknown = marker.details?.['patch-data']?.payloads?.[0]?.data;
    if (!data) return [];
    const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.from(data as Uint8Array);
    return [(JSON.parse(bytes.toString()) as { id: string }).id];
  });
}
