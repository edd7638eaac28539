// Each tenant runtime reaches Kafka as a principal of its own, never with the platform's rights.
// The broker authenticates clients by certificate (mutual TLS) and takes the certificate's CN as
// the principal (`ssl.principal.mapping.rules`); its authorizer denies what no ACL allows. So a
// runtime gets a short-lived certificate `CN=tenant-<tenant>` signed by the tenant CA (whose key
// only the platform holds), and its principal gets exactly these ACLs (prefixed patterns):
//
//   TOPIC  <tenant>.                READ, WRITE, DESCRIBE, CREATE   its own topics, made on demand
//   GROUP  <groupPrefix><tenant>.   READ, DESCRIBE                  its own consumer groups
//
// Nothing on the cluster: the idempotent producer's InitProducerId is allowed by WRITE on a topic
// (KIP-679, Kafka ≥ 3.0), and metadata lists only the topics a principal may describe. Tenant
// names have no dots, so `b.` never matches a topic of tenant `b2` or `dojot-management.`.
// provision() runs when a runtime starts and when it renews its certificate; the ACLs are written
// with each new certificate (creating an existing ACL changes nothing). remove() drops them when
// the tenant is deleted, after which the tenant's certificates still in circulation open nothing.
import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import type { Admin, AclEntry, AclFilter } from 'kafkajs';
import type { Logger } from '../../core-services/platform/log.js';
// Tenant names have no dot, so a `<tenant>.` prefix is unambiguous.
import { TENANT_PATTERN } from '../../core-services/platform/contracts/identity.js';
import { issueClientCertificate, type CaMaterial } from '../../core-services/x509/client.js';

/** Certificates are backdated this much, for brokers whose clock runs a little behind, ms. */
const BACKDATE_MS = 5 * 60_000;
const HOUR_MS = 3_600_000;
/**
 * Credentials issued less than this share of their lifetime ago are handed out again: a runtime
 * (or code that took it over) asking over and over costs no new key, certificate or ACL write.
 */
const REUSE_WITHIN_LIFE = 0.25;

// Kafka protocol codes (kafkajs's enums carry the same numbers; importing them as values would
// load kafkajs in embedded mode, where nothing else does).
const RESOURCE = { ANY: 1, TOPIC: 2, GROUP: 3 } as const;
const PATTERN = { ANY: 1, PREFIXED: 4 } as const;
const OPERATION = { ANY: 1, READ: 3, WRITE: 4, CREATE: 5, DESCRIBE: 8 } as const;
const PERMISSION = { ANY: 1, ALLOW: 3 } as const;

/** What a runtime connects with: PEM strings for Node's TLS options, and when the certificate ends. */
export interface TenantKafkaCredentials {
  /** The CA(s) the brokers' certificates chain to (DOJOT_KAFKA_SSL_CA_FILE); absent: the system's roots. */
  ca?: string;
  cert: string;
  key: string;
  /** epoch ms */
  notAfter: number;
}

export interface KafkaTenantAccessOptions {
  /** The platform's admin client: its principal is a super user, so it may write ACLs. */
  admin: Admin;
  tenantCa: { certPem: string; keyPem: string };
  brokerCaPem?: string;
  /** Lifetime of a runtime's certificate, hours. */
  certHours: number;
  /** DOJOT_KAFKA_GROUP_PREFIX: the start of every consumer group id of this deployment. */
  groupPrefix: string;
  log: Logger;
}

/** The Kafka principal of a tenant's runtimes. */
export const tenantPrincipal = (tenant: string): string => `User:${tenantCommonName(tenant)}`;
/** The CN of a tenant runtime's certificate; the broker maps it to the principal. */
export const tenantCommonName = (tenant: string): string => `tenant-${tenant}`;

function checkTenant(tenant: string): void {
  if (!TENANT_PATTERN.test(tenant))
    throw new Error(`"${tenant}" is not a tenant name a Kafka principal can be made for`);
}

/** The ACLs of a tenant's principal (the table at the top of this file). */
export function tenantAcls(tenant: string, groupPrefix: string): AclEntry[] {
  checkTenant(tenant);
  const principal = tenantPrincipal(tenant);
  const grant = (resourceType: number, resourceName: string, operations: number[]): AclEntry[] =>
    operations.map(
      (operation) =>
        ({
          resourceType,
          resourceName,
          resourcePatternType: PATTERN.PREFIXED,
          principal,
          host: '*',
          operation,
          permissionType: PERMISSION.ALLOW,
        }) as AclEntry,
    );
  return [
    ...grant(RESOURCE.TOPIC, `${tenant}.`, [OPERATION.READ, OPERATION.WRITE, OPERATION.DESCRIBE, OPERATION.CREATE]),
    ...grant(RESOURCE.GROUP, `${groupPrefix}${tenant}.`, [OPERATION.READ, OPERATION.DESCRIBE]),
  ];
}

export class KafkaTenantAccess {
  private readonly ca: CaMaterial;
  private readonly issued = new Map<string, { at: number; creds: TenantKafkaCredentials }>();

  constructor(private readonly opts: KafkaTenantAccessOptions) {
    const cert = new X509Certificate(opts.tenantCa.certPem);
    const key = createPrivateKey(opts.tenantCa.keyPem);
    if (!cert.ca)
      throw new Error('DOJOT_KAFKA_TENANT_CA_CERT_FILE is not a CA certificate (basicConstraints cA is not set)');
    if (!cert.checkPrivateKey(key))
      throw new Error('DOJOT_KAFKA_TENANT_CA_KEY_FILE does not match DOJOT_KAFKA_TENANT_CA_CERT_FILE');
    this.ca = { cert, key };
  }

  /** Makes sure the tenant's ACLs exist, and issues a fresh certificate for its runtime. */
  async provision(tenant: string, now = Date.now()): Promise<TenantKafkaCredentials> {
    const recent = this.issued.get(tenant);
    if (recent && now - recent.at < this.opts.certHours * HOUR_MS * REUSE_WITHIN_LIFE) return recent.creds;
    try {
      await this.opts.admin.createAcls({ acl: tenantAcls(tenant, this.opts.groupPrefix) });
    } catch (err) {
      // The runtime cannot start without them; say what usually causes it.
      throw new Error(
        `writing the Kafka ACLs of tenant ${tenant} failed (the platform's principal must be in the brokers' super.users): ${(err as Error).message}`,
        { cause: err },
      );
    }
    // EC P-256: made in a millisecond, where an RSA key would hold the supervisor's event loop.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const notAfter = now + this.opts.certHours * HOUR_MS;
    const cert = issueClientCertificate(
      this.ca,
      tenantCommonName(tenant),
      publicKey,
      new Date(now - BACKDATE_MS),
      new Date(notAfter),
    );
    this.opts.log.debug(
      { tenant, principal: tenantPrincipal(tenant), notAfter: new Date(notAfter).toISOString() },
      'kafka: tenant runtime credentials issued',
    );
    const creds: TenantKafkaCredentials = {
      ...(this.opts.brokerCaPem ? { ca: this.opts.brokerCaPem } : {}),
      cert,
      key: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      notAfter,
    };
    this.issued.set(tenant, { at: now, creds });
    return creds;
  }

  /** Deletes every ACL of the tenant's principal (the tenant was deleted); its certificates then open nothing. */
  async remove(tenant: string): Promise<void> {
    checkTenant(tenant);
    this.issued.delete(tenant);
    const filter: AclFilter = {
      resourceType: RESOURCE.ANY,
      resourcePatternType: PATTERN.ANY,
      principal: tenantPrincipal(tenant),
      host: '*',
      operation: OPERATION.ANY,
      permissionType: PERMISSION.ANY,
    } as AclFilter;
    const res = await this.opts.admin.deleteAcls({ filters: [filter] });
    const removed = res.filterResponses.reduce((n, r) => n + r.matchingAcls.length, 0);
    this.opts.log.info({ tenant, principal: tenantPrincipal(tenant), removed }, 'kafka: tenant principal ACLs removed');
  }
}
