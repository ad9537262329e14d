import pino, { type DestinationStream, type Logger } from 'pino';

/** Paths that can hold secrets; pino replaces their values before a line is written. */
export const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'credentials',
  '*.credentials',
  '*.*.credentials',
  'variables.input.credentials',
  'SECRETS_KEY',
  'AUTH_JWT_SECRET',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
