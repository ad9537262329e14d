import type { Logger } from 'pino';

type LogMethod = (...args: unknown[]) => void;

/**
 * Yoga's own log calls, written through pino. Yoga logs the original of every error it masks; for
 * client errors those originals quote the request's values (possibly credentials), and the masker
 * already logs unexpected errors in full, so only the kind of such an error is written here.
 */
export function yogaLogger(logger: Logger): Record<'debug' | 'info' | 'warn' | 'error', LogMethod> {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error'): LogMethod =>
    (...args) => {
      // Yoga logs a few debug lines per request: nothing is built for a level that is off. Errors
      // are written at debug, which is off whenever `level` is.
      if (!logger.isLevelEnabled(level)) return;
      const errors = args.filter((arg): arg is Error => arg instanceof Error);
      const text = args.filter((arg) => !(arg instanceof Error)).map(String).join(' ');
      if (errors.length === 0) {
        logger[level](text);
        return;
      }
      logger.debug({ errors: errors.map((error) => error.name) }, text || 'yoga reported a masked error');
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
