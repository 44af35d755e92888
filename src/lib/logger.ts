import pino from 'pino';
import { config } from '../config';

// Log lines are written asynchronously (sonic-boom): a request never waits on
// a write to stdout, which under load or behind a slow pipe is the costliest
// part of logging. What is still buffered is flushed before the process exits.
const destination = pino.destination({ dest: 1, sync: false });

export const logger = pino(
  {
    level: config.logLevel,
    base: { service: 'shop-api' },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password'], censor: '[redacted]' },
  },
  destination,
);

/** Exits once every buffered log line is written. */
export function exitAfterLogs(code: number): never {
  try {
    destination.flushSync();
  } catch {
    // Nothing buffered, or stdout is gone: nothing more to save.
  }
  process.exit(code);
}
