/**
 * Structured JSON logs (pino), one line per event, with the chip id and no phone number. The Temporal
 * runtime logger forwards to the same pino logger, so SDK lines (worker state, workflow and activity
 * logs) and Warmer's own lines look alike, errors included (type, message, code, stack, causes: see
 * log-fields.ts). LOG_LEVEL picks the level; pretty mode (npm run dev) prints human lines instead of JSON.
 */
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import pino, { type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { safeLogFields, scrubLogLine } from './log-fields';

export type { Logger } from 'pino';

import { LOG_LEVELS, type WarmerLogLevel } from './log-levels';

export { LOG_LEVELS, type WarmerLogLevel } from './log-levels';

export interface LoggerOptions {
  level?: WarmerLogLevel;
  /** Human-readable lines instead of JSON. */
  pretty?: boolean;
  /** Where lines go (tests); default stdout. */
  destination?: NodeJS.WritableStream;
}

const WORKFLOW_CHIP = /^chip-warmup\/(.+)$/;

export function createLogger(options: LoggerOptions = {}): Logger {
  const opts = {
    level: options.level ?? 'info',
    base: { service: 'warmer' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Error causes and nested fields go deeper than pino's default of 5 levels.
    depthLimit: 12,
    formatters: {
      level: (label: string) => ({ level: label }),
      log: (object: Record<string, unknown>) => safeLogFields(object) as Record<string, unknown>,
    },
    // formatters.log has made errors plain already; pino's own err serializer would call them "Object".
    serializers: { err: (value: unknown) => value },
    // The finished line, message and bindings included: no phone and no URL credentials leave here.
    hooks: { streamWrite: scrubLogLine },
  };
  if (options.pretty) {
    // Synchronous prettifier in this thread: no transport worker to start or to flush on exit.
    const stream = pinoPretty({
      sync: true,
      colorize: Boolean((options.destination ?? process.stdout) === process.stdout && process.stdout.isTTY),
      ignore: 'pid,hostname,service',
      translateTime: 'HH:MM:ss.l',
      destination: options.destination ?? 1,
    });
    return pino(opts, stream);
  }
  return pino(opts, options.destination ?? pino.destination({ sync: true }));
}

/** Reads LOG_LEVEL; an unknown value is an error that names the valid ones. */
export function parseLogLevel(raw: string | undefined, fallback: WarmerLogLevel = 'info'): WarmerLogLevel {
  const value = raw?.trim().toLowerCase();
  if (!value) return fallback;
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as WarmerLogLevel;
  throw new Error(`LOG_LEVEL=${raw} is not a level: use one of ${LOG_LEVELS.join(', ')}`);
}

const TEMPORAL_TO_PINO: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The Temporal runtime's logger interface over pino; a chip workflow's id becomes a chipId field. */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const fields: Record<string, unknown> = { source: 'temporal', ...meta };
    const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : undefined;
    const chip = workflowId ? WORKFLOW_CHIP.exec(workflowId) : null;
    if (chip && fields.chipId === undefined) fields.chipId = chip[1];
    this.logger[TEMPORAL_TO_PINO[level] ?? 'info'](fields, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
