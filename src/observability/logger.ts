/**
 * Structured JSON logs (pino), one line per event, with the chip id and masked phones. The Temporal
 * runtime logger forwards to the same pino logger, so SDK lines (worker state, workflow and activity
 * logs) and Warmer's own lines look alike. LOG_LEVEL picks the level; pretty mode (npm run dev) prints
 * human lines instead of JSON.
 */
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import pino, { type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { maskPhone } from '../domain/phone';

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

/** Keys whose values are phone numbers (or JIDs): masked wherever they appear in a log line. */
const PHONE_KEY = /phone|telefone|remotejid|number|destinatario/i;
const WORKFLOW_CHIP = /^chip-warmup\/(.+)$/;

function maskFields(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskFields(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (PHONE_KEY.test(key) && (typeof v === 'string' || typeof v === 'number') && /\d{5,}/.test(String(v)))
      out[key] = maskPhone(String(v));
    else out[key] = maskFields(v, depth + 1);
  }
  return out;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const opts = {
    level: options.level ?? 'info',
    base: { service: 'warmer' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label: string) => ({ level: label }),
      log: (object: Record<string, unknown>) => maskFields(object) as Record<string, unknown>,
    },
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
    // Core timestamps are nanosecond bigints: pino cannot serialize them.
    for (const [k, v] of Object.entries(fields)) if (typeof v === 'bigint') fields[k] = v.toString();
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
