-- X.509 identity management (docs/dojot-compatibility.md §7): the platform CA, the certificates it signed or that a
-- tenant registered from a CA it trusts, and those trusted CAs. Every tenant-owned row starts with
-- its tenant; a fingerprint is unique across tenants (one certificate names one device).

-- One row: the CA made on first start. Its private key sits here like the user password hashes
-- do; an operator who wants it elsewhere gives DOJOT_X509_CA_CERT_FILE/KEY_FILE instead.
CREATE TABLE x509_ca (
  id text PRIMARY KEY CHECK (id = 'platform'),
  key_pem text NOT NULL,
  cert_pem text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- CRL numbers only grow (RFC 5280 §5.2.3), across restarts and instances.
CREATE SEQUENCE x509_crl_numbers AS bigint;

CREATE TABLE x509_certificates (
  tenant text NOT NULL,
  fingerprint text NOT NULL,
  serial text NOT NULL,
  pem text NOT NULL,
  issued_by_dojot_pki boolean NOT NULL,
  auto_registered boolean NOT NULL DEFAULT false,
  -- {"device": "<id>"} or {"application": "<name>"}: dojot's belongsTo
  belongs_to jsonb NOT NULL DEFAULT '{}',
  not_after timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Revoked rows stay: the CRL lists them and the MQTTS listener refuses them.
  revoked_at timestamptz,
  PRIMARY KEY (tenant, fingerprint)
);
CREATE UNIQUE INDEX x509_certificates_fingerprint ON x509_certificates (fingerprint);
CREATE INDEX x509_certificates_revoked ON x509_certificates (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX x509_certificates_device ON x509_certificates (tenant, (belongs_to->>'device'));

CREATE TABLE x509_trusted_cas (
  tenant text NOT NULL,
  fingerprint text NOT NULL,
  pem text NOT NULL,
  subject text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, fingerprint)
);
