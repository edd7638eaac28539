import assert from 'node:assert/strict';
import { createLogger } from '../../core-services/platform/log.js';
import { IpcPeer, type SupervisorSide, type TenantSide } from '../supervisor/ipc.js';
import type { TenantKafkaCredentials } from '../supervisor/kafka-tenant-access.js';
import { tenantKafkaTls } from './kafka-credentials.js';

const log = createLogger('silent');

/** A supervisor and a runtime end wired back to back, as over the child process channel. */
function channel(): { supervisor: SupervisorSide; runtime: TenantSide } {
  // Each end's sender reaches the other only when called, after both exist.
  const supervisor: SupervisorSide = new IpcPeer((p) => setImmediate(() => runtime.receive(structuredClone(p))));
  const runtime: TenantSide = new IpcPeer((p) => setImmediate(() => supervisor.receive(structuredClone(p))));
  return { supervisor, runtime };
}

describe("a runtime's Kafka credentials", () => {
  it('are asked of the supervisor, and renewed in the same TLS options object before they end', async () => {
    const { supervisor, runtime } = channel();
    let n = 0;
    // Each certificate lives 2 s: renewal comes at half of that (the floor is 1 s).
    supervisor.serve('kafka.credentials', (): TenantKafkaCredentials => ({
      ca: 'CA',
      cert: `cert ${++n}`,
      key: `key ${n}`,
      notAfter: Date.now() + 2_000,
    }));
    const tls = await tenantKafkaTls(runtime, log);
    try {
      const ssl = tls.ssl!;
      assert.deepEqual({ ...ssl }, { ca: 'CA', cert: 'cert 1', key: 'key 1' });
      const deadline = Date.now() + 3_000;
      while (ssl.cert === 'cert 1' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(
        { ...ssl },
        { ca: 'CA', cert: 'cert 2', key: 'key 2' },
        'kafkajs reads this very object at its next connection',
      );
    } finally {
      tls.stop();
    }
  });

  it('are none on a PLAINTEXT broker (the supervisor answers null)', async () => {
    const { supervisor, runtime } = channel();
    supervisor.serve('kafka.credentials', () => null);
    const tls = await tenantKafkaTls(runtime, log);
    assert.equal(tls.ssl, undefined);
  });
});
