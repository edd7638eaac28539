// Issue 11, Kafka: a tenant runtime connects as its own principal (a certificate CN=tenant-<t>
// from the tenant CA), confined by ACLs to its tenant's topics and consumer groups. What a flow
// that escaped Node's vm could do with the runtime's Kafka client is exactly what these tests
// try with the same credentials, against a real broker with the authorizer on.
// Needs DOJOT_TEST_KAFKA_BROKERS and the DOJOT_TEST_KAFKA_SSL_* / _TENANT_CA_* files of a broker
// that authenticates clients (scripts/kafka-local.sh writes them to run-<port>/test.env).
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Kafka, logLevel, type Admin, type LogEntry } from 'kafkajs';
import { createLogger } from '../core-services/platform/log.js';
import { createKafkaBus, type KafkaBus } from '../core-services/platform/bus/kafka.js';
import type { BusMessage } from '../core-services/platform/bus/index.js';
import { makeCa } from '../core-services/x509/ca.js';
import { issueClientCertificate } from '../core-services/x509/client.js';
import {
  KafkaTenantAccess,
  tenantPrincipal,
  type TenantKafkaCredentials,
} from '../runtime/supervisor/kafka-tenant-access.js';
import { runtimeBusGroup } from '../runtime/tenant/bus-bridge.js';
import { requireKafkaAuth, requireService } from './helpers/services.js';
import { eventually } from './helpers/mqtt.js';

const RUN = randomBytes(3).toString('hex');
/** Tenant names as the platform allows them: a lower-case letter first, then [a-z0-9_]. */
const A = `ta${RUN}`;
const B = `tb${RUN}`;
/** A tenant whose name starts with B's: its topics must stay out of B's reach. */
const B2 = `${B}2`;
/** DOJOT_KAFKA_GROUP_PREFIX of this run's "deployment". */
const GROUP_PREFIX = `test-${RUN}.`;
const log = createLogger(process.env.DOJOT_TEST_LOG_LEVEL ?? 'silent');

/** Resolves to the error the promise failed with; fails the test if it succeeded. */
async function refusal(p: Promise<unknown>, what: string): Promise<Error & { type?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { type?: string };
  }
  assert.fail(`${what} was allowed`);
}

/**
 * The error responses the broker sent the test's clients, as kafkajs's connection layer logs them:
 * kafkajs hides some behind errors of its own (a refused FindCoordinator becomes "Failed to find
 * group coordinator").
 */
const brokerErrors: string[] = [];
const recordBrokerErrors = () => (entry: LogEntry) => {
  const error = (entry.log as { error?: unknown }).error;
  if (entry.namespace === 'Connection' && typeof error === 'string') brokerErrors.push(error);
};

/** Asserts that the broker refused for lack of authorisation (not a timeout or another failure). */
async function assertUnauthorized(p: Promise<unknown>, what: string): Promise<void> {
  brokerErrors.length = 0;
  const err = await refusal(p, what);
  const all = [err, ...((err as { errors?: Error[] }).errors ?? []), (err as { cause?: Error }).cause].filter(
    Boolean,
  ) as (Error & { type?: string })[];
  const said = [...all.map((e) => `${e.type ?? ''} ${e.message}`), ...brokerErrors];
  assert.ok(
    said.some((m) => /AUTHORIZATION_FAILED|not authorized/i.test(m)),
    `${what}: expected an authorisation error, got ${all.map((e) => `${e.name}: ${e.message} (${e.type ?? ''})`).join(' / ')}; broker said: ${brokerErrors.join(' / ') || 'nothing'}`,
  );
}

describe('Kafka: each tenant runtime is a principal of its own, confined by ACLs', function () {
  this.timeout(60_000);
  let brokers: string[] = [];
  let platformTls: TlsOptions;
  let platform: Kafka;
  let platformAdmin: Admin;
  let access: KafkaTenantAccess;
  let credsB: TenantKafkaCredentials;
  let tenantCa: { cert: X509Certificate; key: ReturnType<typeof createPrivateKey> };
  const closers: (() => Promise<unknown>)[] = [];

  /** A kafkajs client holding tenant B's runtime credentials, as a flow that escaped would. */
  const asB = (creds = credsB) =>
    new Kafka({
      brokers,
      clientId: `escaped-flow-${RUN}`,
      // DEBUG: kafkajs logs some refused requests (FindCoordinator) only at that level.
      logLevel: logLevel.DEBUG,
      logCreator: recordBrokerErrors,
      retry: { retries: 1 },
      ssl: { ca: creds.ca, cert: creds.cert, key: creds.key },
    });
  const adminOf = async (k: Kafka) => {
    const a = k.admin();
    await a.connect();
    closers.push(() => a.disconnect());
    return a;
  };
  const producerOf = async (k: Kafka) => {
    const p = k.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await p.connect();
    closers.push(() => p.disconnect());
    return p;
  };
  /** Subscribes and runs a consumer; resolves when it reads, rejects with the error that stopped it. */
  const consume = async (k: Kafka, groupId: string, topic: string) => {
    const c = k.consumer({ groupId, allowAutoTopicCreation: false, retry: { retries: 0 } });
    closers.push(() => c.disconnect());
    const crashed = new Promise<never>((_, reject) => c.on(c.events.CRASH, ({ payload }) => reject(payload.error)));
    const joined = new Promise<void>((resolve) => c.on(c.events.GROUP_JOIN, () => resolve()));
    await c.connect();
    await c.subscribe({ topics: [topic], fromBeginning: true });
    await c.run({ eachMessage: async () => {} });
    return Promise.race([joined, crashed]);
  };

  before(async function () {
    this.timeout(30_000);
    brokers = (await requireService.call(this, 'kafka')).split(',');
    const auth = requireKafkaAuth.call(this);
    platformTls = auth.tls;
    tenantCa = { cert: new X509Certificate(auth.tenantCaCert), key: createPrivateKey(auth.tenantCaKey) };
    platform = new Kafka({ brokers, clientId: `platform-${RUN}`, logLevel: logLevel.NOTHING, ssl: platformTls });
    platformAdmin = platform.admin();
    await platformAdmin.connect();
    access = new KafkaTenantAccess({
      admin: platformAdmin,
      tenantCa: { certPem: auth.tenantCaCert, keyPem: auth.tenantCaKey },
      brokerCaPem: platformTls.ca as string,
      certHours: 1,
      groupPrefix: GROUP_PREFIX,
      log,
    });
    // The platform (a super user) made A's and B2's topics; B's runtime makes its own.
    await platformAdmin.createTopics({
      waitForLeaders: true,
      topics: [`${A}.device-data`, `${B2}.device-data`].map((topic) => ({ topic, numPartitions: 1 })),
    });
    await access.provision(A);
    credsB = await access.provision(B);
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  });

  after(async () => {
    if (!platformAdmin) return;
    await access.remove(A).catch(() => {});
    await access.remove(B).catch(() => {});
    const topics = (await platformAdmin.listTopics()).filter((t) => t.includes(RUN));
    if (topics.length) await platformAdmin.deleteTopics({ topics }).catch(() => {});
    const groups = (await platformAdmin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(GROUP_PREFIX));
    if (groups.length) await platformAdmin.deleteGroups(groups).catch(() => {});
    await platformAdmin.disconnect();
  });

  it("issues a short-lived certificate naming the tenant's principal, signed by the tenant CA", () => {
    const cert = new X509Certificate(credsB.cert);
    assert.equal(cert.subject, `CN=tenant-${B}`);
    assert.ok(cert.checkPrivateKey(createPrivateKey(credsB.key)));
    assert.ok(Date.parse(cert.validTo) <= Date.now() + 3_600_000 + 1_000, `valid to ${cert.validTo}`);
    assert.ok(!cert.ca);
  });

  it('hands out the same credentials again when asked soon after (repeated requests cost no new key or ACL write)', async () => {
    const again = await access.provision(B);
    assert.equal(again.cert, credsB.cert);
    const later = await access.provision(B, Date.now() + 30 * 60_000);
    assert.notEqual(later.cert, credsB.cert, 'a certificate past a quarter of its life is replaced');
  });

  it("lets B's runtime client create, write and read B's topics in B's own consumer group (what the runtime does)", async () => {
    // The runtime's own bus client: creates topics on demand, idempotent producer, offsets checks.
    const bus: KafkaBus = await createKafkaBus({
      brokers,
      partitions: 2,
      replicationFactor: 1,
      groupPrefix: GROUP_PREFIX,
      ssl: { ca: credsB.ca, cert: credsB.cert, key: credsB.key },
      log,
    });
    closers.push(() => bus.close());
    const got: BusMessage[] = [];
    await bus.subscribe({
      topic: `${B}.device-data`,
      group: runtimeBusGroup(B),
      handler: async (batch) => void got.push(...batch),
    });
    await bus.publish(`${B}.device-data`, 'dev1', { attrs: { n: 1 } });
    assert.equal(
      await eventually(
        async () => got.length,
        (n) => n === 1,
        20_000,
      ),
      1,
    );
    assert.deepEqual(got[0].value, { attrs: { n: 1 } });
  });

  it("refuses B's principal writing to or reading A's topics", async () => {
    const producer = await producerOf(asB());
    // The same producer may write B's topic: what is refused below is the topic, not the client.
    await producer.send({ topic: `${B}.device-data`, messages: [{ value: '{"own":true}' }] });
    await assertUnauthorized(
      producer.send({ topic: `${A}.device-data`, messages: [{ value: 'forged' }] }),
      `writing ${A}.device-data`,
    );
    await assertUnauthorized(consume(asB(), `${GROUP_PREFIX}${B}.spy`, `${A}.device-data`), `reading ${A}.device-data`);
    // A tenant whose name merely starts with B's is another tenant.
    await assertUnauthorized(
      producer.send({ topic: `${B2}.device-data`, messages: [{ value: 'forged' }] }),
      `writing ${B2}.device-data`,
    );
  });

  it("refuses B's principal the platform's dojot-management topics", async () => {
    await platformAdmin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: `dojot-management.test-${RUN}`, numPartitions: 1 }],
    });
    const producer = await producerOf(asB());
    await assertUnauthorized(
      producer.send({
        topic: `dojot-management.test-${RUN}`,
        messages: [{ value: '{"type":"DELETE","tenant":"admin"}' }],
      }),
      'writing a dojot-management topic',
    );
    await assertUnauthorized(
      consume(asB(), `${GROUP_PREFIX}${B}.spy2`, `dojot-management.test-${RUN}`),
      'reading a dojot-management topic',
    );
  });

  it("refuses B's principal other tenants' consumer groups, even on B's own topic", async () => {
    const admin = await adminOf(asB());
    await admin
      .createTopics({ waitForLeaders: true, topics: [{ topic: `${B}.device-data`, numPartitions: 1 }] })
      .catch(() => {});
    // Joining A's runtimes' group would take A's partitions (and its messages) away from A.
    await assertUnauthorized(
      consume(asB(), `${GROUP_PREFIX}${runtimeBusGroup(A)}:${B}.device-data`, `${B}.device-data`),
      "joining A's group",
    );
    await assertUnauthorized(
      admin.fetchOffsets({
        groupId: `${GROUP_PREFIX}${runtimeBusGroup(A)}:${A}.device-data`,
        topics: [`${A}.device-data`],
      }),
      "reading A's group offsets",
    );
    // A group outside this deployment's prefix is not B's either.
    await assertUnauthorized(
      consume(asB(), `${runtimeBusGroup(B)}:${B}.device-data`, `${B}.device-data`),
      'a group without the deployment prefix',
    );
  });

  it("refuses B's principal creating topics outside its prefix, and any ACL or cluster change", async () => {
    const admin = await adminOf(asB());
    for (const topic of [`${A}.new`, `${B2}.new`, `loose-${RUN}`, `dojot-management.new-${RUN}`]) {
      await assertUnauthorized(admin.createTopics({ topics: [{ topic, numPartitions: 1 }] }), `creating ${topic}`);
    }
    await assertUnauthorized(admin.deleteTopics({ topics: [`${A}.device-data`] }), `deleting ${A}.device-data`);
    await assertUnauthorized(
      admin.createAcls({
        acl: [
          {
            resourceType: 2,
            resourceName: '',
            resourcePatternType: 4,
            principal: tenantPrincipal(B),
            host: '*',
            operation: 2,
            permissionType: 3,
          },
        ] as never,
      }),
      'granting itself every topic',
    );
    await assertUnauthorized(
      admin.describeAcls({ resourceType: 1, resourcePatternType: 1, operation: 1, permissionType: 1 } as never),
      'reading the ACLs',
    );
  });

  it('refuses a certificate for the super user CN that the tenant CA did not sign', async () => {
    const other = makeCa(1);
    const ca = { cert: new X509Certificate(other.certPem), key: createPrivateKey(other.keyPem) };
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const forged = issueClientCertificate(
      ca,
      'dojot-red-platform',
      publicKey,
      new Date(Date.now() - 60_000),
      new Date(Date.now() + 3_600_000),
    );
    const k = new Kafka({
      brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 5_000,
      ssl: { ca: platformTls.ca, cert: forged, key: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string },
    });
    const admin = k.admin();
    closers.push(() => admin.disconnect());
    await refusal(
      admin.connect().then(() => admin.listTopics()),
      'a forged super-user certificate',
    );
  });

  it('reads the TLS options object at each new connection: an expired certificate fails, its renewal in the same object works', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const hour = 3_600_000;
    const expired = issueClientCertificate(
      tenantCa,
      `tenant-${B}`,
      publicKey,
      new Date(Date.now() - 3 * hour),
      new Date(Date.now() - hour),
    );
    const ssl: TlsOptions = {
      ca: credsB.ca,
      cert: expired,
      key: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    };
    const k = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 5_000, ssl });
    const first = k.admin();
    closers.push(() => first.disconnect());
    await refusal(
      first.connect().then(() => first.listTopics()),
      'an expired certificate',
    );
    // What runtime/tenant/kafka-credentials.ts does on renewal.
    Object.assign(ssl, { cert: credsB.cert, key: credsB.key });
    const second = k.admin();
    closers.push(() => second.disconnect());
    await second.connect();
    assert.ok(
      (await second.listTopics()).some((t) => t.startsWith(`${B}.`)),
      "B's own topics are listed",
    );
  });

  it("says what is wrong when the platform's principal may not write ACLs (not a super user)", async () => {
    const weak = new KafkaTenantAccess({
      admin: await adminOf(asB()),
      tenantCa: {
        certPem: tenantCa.cert.toString(),
        keyPem: tenantCa.key.export({ format: 'pem', type: 'pkcs8' }) as string,
      },
      certHours: 1,
      groupPrefix: GROUP_PREFIX,
      log,
    });
    await assert.rejects(
      weak.provision(A),
      /writing the Kafka ACLs of tenant .* failed \(the platform's principal must be in the brokers' super\.users\)/,
    );
  });

  it("keeps the platform's own principal (a super user) working on every tenant's topics", async () => {
    const producer = await producerOf(platform);
    await producer.send({ topic: `${A}.device-data`, messages: [{ value: '{"ok":true}' }] });
    await producer.send({ topic: `${B2}.device-data`, messages: [{ value: '{"ok":true}' }] });
    await consume(platform, `${GROUP_PREFIX}platform-${RUN}`, `${A}.device-data`);
  });

  it("removes B's ACLs with the tenant: its certificate then opens nothing, its own topics included", async () => {
    const principal = tenantPrincipal(B);
    const describe = () =>
      platformAdmin.describeAcls({
        resourceType: 1,
        resourcePatternType: 1,
        principal,
        host: '*',
        operation: 1,
        permissionType: 1,
      } as never);
    assert.ok((await describe()).resources.length > 0, 'B has ACLs before');
    await access.remove(B);
    assert.deepEqual((await describe()).resources, []);
    // The idempotent producer is refused at once: InitProducerId needs Write on some topic.
    await assertUnauthorized(
      producerOf(asB()).then((p) => p.send({ topic: `${B}.device-data`, messages: [{ value: 'late' }] })),
      `writing ${B}.device-data after removal`,
    );
    // A's principal is untouched.
    const aAcls = await platformAdmin.describeAcls({
      resourceType: 1,
      resourcePatternType: 1,
      principal: tenantPrincipal(A),
      host: '*',
      operation: 1,
      permissionType: 1,
    } as never);
    assert.ok(aAcls.resources.length > 0);
  });
});
