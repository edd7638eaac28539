import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('uses the embedded defaults when nothing is set', () => {
    const c = loadConfig({});
    assert.equal(c.httpPort, 8000);
    assert.equal(c.mqttPort, 1883);
    assert.equal(c.mqttsPort, 8883);
    assert.equal(c.mqttInsecure, true);
    assert.equal(c.dataDir, path.resolve('./data'));
    assert.deepEqual(c.kafkaBrokers, []);
    assert.equal(c.postgresUrl, '');
    assert.equal(c.redisUrl, '');
  });

  it('reads DOJOT_* variables', () => {
    const c = loadConfig({
      DOJOT_HTTP_PORT: '9000',
      DOJOT_MQTT_PORT: '11883',
      DOJOT_MQTT_INSECURE: 'false',
      DOJOT_KAFKA_BROKERS: 'k1:9092, k2:9093',
      DOJOT_POSTGRES_URL: 'postgres://u@h:5432/db',
      DOJOT_REDIS_URL: 'redis://127.0.0.1:6379',
      DOJOT_DATA_DIR: '/tmp/x',
    });
    assert.equal(c.httpPort, 9000);
    assert.equal(c.mqttPort, 11883);
    assert.equal(c.mqttInsecure, false);
    assert.deepEqual(c.kafkaBrokers, ['k1:9092', 'k2:9093']);
    assert.equal(c.dataDir, '/tmp/x');
  });

  for (const [variable, value] of [
    ['DOJOT_HTTP_PORT', 'eighty'],
    ['DOJOT_HTTP_PORT', '70000'],
    ['DOJOT_MQTT_INSECURE', 'maybe'],
    ['DOJOT_KAFKA_BROKERS', 'no-port'],
    ['DOJOT_POSTGRES_URL', 'mysql://x'],
    ['DOJOT_REDIS_URL', 'not a url'],
    ['DOJOT_LOG_LEVEL', 'loud'],
  ]) {
    it(`refuses ${variable}=${value} naming the variable`, () => {
      assert.throws(
        () => loadConfig({ [variable]: value }),
        (err: unknown) =>
          err instanceof ConfigError && err.variable === variable && err.message.startsWith(`${variable}: `),
      );
    });
  }

  // Kafka over mutual TLS: a certificate needs its key, and runtimes need the tenant CA, or they
  // would have to connect with the platform's own (super-user) certificate.
  for (const [given, missing] of [
    [
      {
        DOJOT_KAFKA_SSL_CERT_FILE: '/p.crt',
        DOJOT_KAFKA_TENANT_CA_CERT_FILE: '/ca.crt',
        DOJOT_KAFKA_TENANT_CA_KEY_FILE: '/ca.key',
      },
      'DOJOT_KAFKA_SSL_KEY_FILE',
    ],
    [{ DOJOT_KAFKA_SSL_CERT_FILE: '/p.crt', DOJOT_KAFKA_SSL_KEY_FILE: '/p.key' }, 'DOJOT_KAFKA_TENANT_CA_CERT_FILE'],
    [
      {
        DOJOT_KAFKA_SSL_CERT_FILE: '/p.crt',
        DOJOT_KAFKA_SSL_KEY_FILE: '/p.key',
        DOJOT_KAFKA_TENANT_CA_CERT_FILE: '/ca.crt',
      },
      'DOJOT_KAFKA_TENANT_CA_KEY_FILE',
    ],
    [
      { DOJOT_KAFKA_TENANT_CA_CERT_FILE: '/ca.crt', DOJOT_KAFKA_TENANT_CA_KEY_FILE: '/ca.key' },
      'DOJOT_KAFKA_SSL_CERT_FILE',
    ],
  ] as const) {
    it(`refuses ${Object.keys(given).join(' + ')} without ${missing}, naming it`, () => {
      assert.throws(
        () => loadConfig({ DOJOT_KAFKA_BROKERS: 'k:9093', ...given }),
        (err: unknown) => err instanceof ConfigError && err.variable === missing,
      );
    });
  }

  it('refuses a Kafka broker CA without a client certificate: TLS here is mutual TLS', () => {
    assert.throws(
      () => loadConfig({ DOJOT_KAFKA_SSL_CA_FILE: '/b.crt' }),
      (err: unknown) => err instanceof ConfigError && err.variable === 'DOJOT_KAFKA_SSL_CERT_FILE',
    );
  });

  it('accepts the full set of Kafka TLS settings, the broker CA being optional (the system roots)', () => {
    const c = loadConfig({
      DOJOT_KAFKA_SSL_CA_FILE: '/b.crt',
      DOJOT_KAFKA_SSL_CERT_FILE: '/p.crt',
      DOJOT_KAFKA_SSL_KEY_FILE: '/p.key',
      DOJOT_KAFKA_TENANT_CA_CERT_FILE: '/ca.crt',
      DOJOT_KAFKA_TENANT_CA_KEY_FILE: '/ca.key',
    });
    assert.equal(c.kafkaTenantCaKeyFile, '/ca.key');
    assert.equal(c.kafkaTenantCertHours, 24);
    assert.equal(
      loadConfig({
        DOJOT_KAFKA_SSL_CERT_FILE: '/p.crt',
        DOJOT_KAFKA_SSL_KEY_FILE: '/p.key',
        DOJOT_KAFKA_TENANT_CA_CERT_FILE: '/ca.crt',
        DOJOT_KAFKA_TENANT_CA_KEY_FILE: '/ca.key',
      }).kafkaSslCaFile,
      '',
    );
  });

  it('returns a frozen object', () => {
    assert.ok(Object.isFrozen(loadConfig({})));
  });
});
