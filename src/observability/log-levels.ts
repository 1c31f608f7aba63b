/** The log levels LOG_LEVEL accepts (pino's), kept apart from the logger so config.ts loads no logging code. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type WarmerLogLevel = (typeof LOG_LEVELS)[number];
