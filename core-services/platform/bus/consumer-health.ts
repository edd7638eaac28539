// The /health check of this process's bus consumers: one that has been on the same batch, or
// behind the oldest message waiting for it, longer than `stuckMs` makes the answer 503, naming
// it. Its details list every consumer and how many messages each set aside as dead letters.
import type { Bus } from './bus.js';

export function consumersCheck(bus: Bus, stuckMs: number): () => Promise<{ details: Record<string, unknown> }> {
  return async () => {
    const consumers = bus.consumers();
    const details = {
      consumers: consumers.length,
      deadLettersSinceStart: consumers.reduce((n, c) => n + c.deadLetters, 0),
      behind: consumers.filter((c) => c.busyMs > 0 || c.oldestMs > 0 || c.failures > 0),
    };
    const late = consumers.filter((c) => c.busyMs > stuckMs || c.oldestMs > stuckMs);
    if (late.length === 0) return { details };
    const what = late.map((c) =>
      c.busyMs > stuckMs
        ? `${c.group} (${c.topic}) has been on one batch for ${Math.round(c.busyMs / 1000)} s${c.failures ? ` (${c.failures} failed tries)` : ''}`
        : `${c.group} (${c.topic}) is ${Math.round(c.oldestMs / 1000)} s behind`,
    );
    throw Object.assign(new Error(`consumer stuck or lagging: ${what.join('; ')}`), { details });
  };
}
