// A device's certificates for MQTT over TLS (port 8883): make a key and request in the browser,
// have the platform's CA sign it, download ca.pem, cert.pem and private.key; list and revoke;
// the CA's certificate and its revocation list.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { t } from '../i18n';
import { makeKeyAndCsr } from '../csr';
import { FormError } from './Field';

interface Cert {
  fingerprint: string;
  createdAt: string;
  pem: string;
}
interface Bundle {
  fingerprint: string;
  caPem: string;
  certPem: string;
  privateKeyPem: string;
}

export function saveText(filename: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The platform CA's certificate and CRL as downloads (any signed-in user may read them). */
export function CaDownloads({ onError }: { onError: (message: string) => void }) {
  const downloadCa = async () => saveText('ca.pem', (await api<{ caPem: string }>('GET', '/x509/v1/ca')).caPem);
  const downloadCrl = async () => saveText('crl.pem', (await api<{ crl: string }>('GET', '/x509/v1/ca/crl')).crl);
  return (
    <span>
      <button
        class="secondary outline small"
        id="download-ca"
        onClick={() => void downloadCa().catch((e: Error) => onError(e.message))}
      >
        {t('certs.ca')}
      </button>{' '}
      <button
        class="secondary outline small"
        id="download-crl"
        onClick={() => void downloadCrl().catch((e: Error) => onError(e.message))}
      >
        {t('certs.crl')}
      </button>
    </span>
  );
}

export function Certificates(props: { deviceId: string }) {
  const [certs, setCerts] = useState<Cert[]>([]);
  const [bundle, setBundle] = useState<Bundle | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const q = new URLSearchParams({ 'belongsTo.device': props.deviceId, limit: '100' });
    api<{ certificates: Cert[] }>('GET', `/x509/v1/certificates?${q}`).then(
      (r) => setCerts(r.certificates),
      (e: Error) => setError(e.message),
    );
  }, [props.deviceId, reload]);

  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const { privateKeyPem, csrPem } = await makeKeyAndCsr(props.deviceId);
      const signed = await api<{ certificateFingerprint: string; certificatePem: string }>(
        'POST',
        '/x509/v1/certificates',
        { csr: csrPem },
      );
      const ca = await api<{ caPem: string }>('GET', '/x509/v1/ca');
      setBundle({
        fingerprint: signed.certificateFingerprint,
        caPem: ca.caPem,
        certPem: signed.certificatePem,
        privateKeyPem,
      });
      setReload((n) => n + 1);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : t('certs.noCrypto', { detail: (e as Error).message }));
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (c: Cert) => {
    if (!confirm(t('certs.confirmRevoke'))) return;
    try {
      await api('DELETE', `/x509/v1/certificates/${encodeURIComponent(c.fingerprint)}`);
      if (bundle?.fingerprint === c.fingerprint) setBundle(null);
      setReload((n) => n + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <article id="certificates">
      <header class="card-head">
        <strong>{t('certs.title')}</strong>
        <CaDownloads onError={setError} />
      </header>
      <p>{t('certs.help')}</p>
      <button id="new-certificate" aria-busy={busy} disabled={busy} onClick={() => void create()}>
        {t('certs.new')}
      </button>
      <FormError error={error} />
      {bundle ? (
        <div class="bundle" id="bundle">
          <p>{t('certs.bundle')}</p>
          <div class="form-actions">
            <button class="secondary" id="download-ca-pem" onClick={() => saveText('ca.pem', bundle.caPem)}>
              ca.pem
            </button>
            <button class="secondary" id="download-cert-pem" onClick={() => saveText('cert.pem', bundle.certPem)}>
              cert.pem
            </button>
            <button
              class="secondary"
              id="download-private-key"
              onClick={() => saveText('private.key', bundle.privateKeyPem)}
            >
              private.key
            </button>
          </div>
        </div>
      ) : null}
      {certs.length ? (
        <table id="certificate-list">
          <thead>
            <tr>
              <th>{t('certs.fingerprint')}</th>
              <th>{t('field.created')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {certs.map((c) => (
              <tr data-fingerprint={c.fingerprint}>
                <td>
                  <code class="fingerprint">{c.fingerprint}</code>
                </td>
                <td>{new Date(c.createdAt).toLocaleString()}</td>
                <td class="actions">
                  <button class="secondary outline small revoke" onClick={() => void revoke(c)}>
                    {t('certs.revoke')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="empty">{t('certs.none')}</p>
      )}
    </article>
  );
}
