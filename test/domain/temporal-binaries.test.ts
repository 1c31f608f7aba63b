import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/domain/errors';
import { findTemporalBinary, temporalExecutable } from '../../src/temporal-binaries';

const dir = mkdtempSync(path.join(os.tmpdir(), 'warmer-bin-'));
const fakeCli = path.join(dir, 'temporal');
writeFileSync(fakeCli, '#!/bin/sh\n');
chmodSync(fakeCli, 0o755);

test('an explicit TEMPORAL_CLI_PATH wins and must be an executable file', () => {
  expect(findTemporalBinary('cli', { TEMPORAL_CLI_PATH: fakeCli, PATH: '' })).toBe(fakeCli);
  expect(() => findTemporalBinary('cli', { TEMPORAL_CLI_PATH: path.join(dir, 'missing'), PATH: '' })).toThrow(ConfigError);
  expect(() => findTemporalBinary('cli', { TEMPORAL_CLI_PATH: path.join(dir, 'missing'), PATH: '' })).toThrow(
    /TEMPORAL_CLI_PATH=.*is not an executable file/,
  );
});

test('a temporal already on PATH is found', () => {
  const saved = process.env.PATH;
  expect(findTemporalBinary('cli', { PATH: `${dir}${path.delimiter}${saved}` })).toBe(fakeCli);
});

test('the SDK gets an absolute existing path for a found binary', () => {
  const saved = process.env.TEMPORAL_CLI_PATH;
  process.env.TEMPORAL_CLI_PATH = fakeCli;
  try {
    expect(temporalExecutable('cli')).toEqual({ type: 'existing-path', path: fakeCli });
  } finally {
    if (saved === undefined) delete process.env.TEMPORAL_CLI_PATH;
    else process.env.TEMPORAL_CLI_PATH = saved;
  }
});
