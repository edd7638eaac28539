import { pino, type Logger } from 'pino';

export type { Logger };

/** The root logger: one JSON line per event on stdout; services take child({svc}). */
export function createLogger(level: string, name = 'dojot-red'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
