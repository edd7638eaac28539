// Node-RED's log events → the platform's pino format, so a tenant runtime's lines join the one
// structured stream (with svc and tenant). Node-RED's numeric levels: 10 fatal … 60 trace,
// 98 audit, 99 metric.
import type { Logger } from '../../core-services/platform/log.js';

const LEVELS: Record<number, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'> = {
  10: 'fatal',
  20: 'error',
  30: 'warn',
  40: 'info',
  50: 'debug',
  60: 'trace',
};

interface NodeRedLogEvent {
  level: number;
  msg: unknown;
  type?: string;
  id?: string;
  name?: string;
  event?: string;
}

export function nodeRedLogging(log: Logger) {
  return {
    console: { level: 'off' },
    platform: {
      level: log.level === 'silent' ? 'off' : log.level,
      metrics: false,
      audit: false,
      handler: () => (e: NodeRedLogEvent) => {
        const level = LEVELS[e.level];
        if (!level) return;
        const text = e.msg instanceof Error ? e.msg.message : typeof e.msg === 'string' ? e.msg : JSON.stringify(e.msg);
        log[level]({ node: e.id, nodeType: e.type, nodeName: e.name }, text);
      },
    },
  };
}
