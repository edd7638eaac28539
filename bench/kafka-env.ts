// The Kafka TLS settings a benchmark's platform takes from the environment, so a bench can run
// against an authenticating broker (scripts/kafka-local.sh writes them to run-<port>/platform.env).
const KAFKA_TLS_SETTINGS = [
  'DOJOT_KAFKA_SSL_CA_FILE',
  'DOJOT_KAFKA_SSL_CERT_FILE',
  'DOJOT_KAFKA_SSL_KEY_FILE',
  'DOJOT_KAFKA_TENANT_CA_CERT_FILE',
  'DOJOT_KAFKA_TENANT_CA_KEY_FILE',
  'DOJOT_KAFKA_TENANT_CERT_HOURS',
];

export function kafkaTlsSettings(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KAFKA_TLS_SETTINGS) if (from[name]) out[name] = from[name]!;
  return out;
}
