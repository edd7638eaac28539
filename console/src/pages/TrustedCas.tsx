// The tenant's certificates page: the platform CA and its revocation list, and the CAs the tenant
// trusts besides it (x509's /trusted-cas): list, add by pasting or reading a PEM file, remove.
// A refused CA shows the API's message under the field and keeps the pasted text.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { t } from '../i18n';
import { Field, FormError } from '../components/Field';
import { CaDownloads } from '../components/Certificates';

interface TrustedCa {
  caFingerprint: string;
  subject: string;
  createdAt: string;
}

export function TrustedCasPage() {
  const [cas, setCas] = useState<TrustedCa[] | null>(null);
  const [pem, setPem] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    api<{ trustedCAs: TrustedCa[] }>('GET', '/x509/v1/trusted-cas').then(
      (r) => setCas(r.trustedCAs),
      (e: Error) => setListError(e.message),
    );
  }, [reload]);

  const add = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setAdded(null);
    try {
      const r = await api<{ caFingerprint: string }>('POST', '/x509/v1/trusted-cas', { caPem: pem });
      const view = await api<TrustedCa>('GET', `/x509/v1/trusted-cas/${encodeURIComponent(r.caFingerprint)}`);
      setAdded(view.subject);
      setPem('');
      setReload((n) => n + 1);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, (err as Error).message, null, null));
    } finally {
      setBusy(false);
    }
  };
  const readFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (file) setPem(await file.text());
    input.value = '';
  };
  const remove = async (ca: TrustedCa) => {
    if (!confirm(t('trusted.confirmRemove', { subject: ca.subject }))) return;
    try {
      await api('DELETE', `/x509/v1/trusted-cas/${encodeURIComponent(ca.caFingerprint)}`);
      setReload((n) => n + 1);
    } catch (err) {
      setListError((err as Error).message);
    }
  };
  const pemError = error?.field === 'caPem' ? error.message : null;

  return (
    <section>
      <div class="page-head">
        <h2>{t('nav.certificates')}</h2>
        <CaDownloads onError={setListError} />
      </div>
      <h3>{t('trusted.title')}</h3>
      <p>{t('trusted.help')}</p>
      <FormError error={listError} />
      {cas && cas.length ? (
        <table class="striped" id="trusted-cas">
          <thead>
            <tr>
              <th>{t('trusted.subject')}</th>
              <th>{t('certs.fingerprint')}</th>
              <th>{t('field.created')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {cas.map((ca) => (
              <tr data-fingerprint={ca.caFingerprint} data-subject={ca.subject}>
                <td>{ca.subject}</td>
                <td>
                  <code class="fingerprint">{ca.caFingerprint}</code>
                </td>
                <td>{new Date(ca.createdAt).toLocaleString()}</td>
                <td class="actions">
                  <button class="secondary outline small remove-ca" onClick={() => void remove(ca)}>
                    {t('trusted.remove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : cas ? (
        <p class="empty" id="no-trusted-cas">
          {t('trusted.none')}
        </p>
      ) : null}
      <article>
        <form id="trusted-ca-form" onSubmit={add} noValidate>
          <strong>{t('trusted.add')}</strong>
          <Field label={t('trusted.pem')} name="caPem" error={pemError}>
            <textarea
              name="caPem"
              rows={8}
              spellcheck={false}
              placeholder="-----BEGIN CERTIFICATE-----"
              value={pem}
              aria-invalid={pemError ? 'true' : undefined}
              onInput={(e) => setPem(e.currentTarget.value)}
            />
          </Field>
          <label>
            {t('trusted.upload')}
            <input
              type="file"
              name="caFile"
              accept=".pem,.crt,.cer,application/x-pem-file"
              onChange={(e) => void readFile(e.currentTarget)}
            />
          </label>
          <FormError error={error && !pemError ? error.message : null} />
          {added ? (
            <p class="ok" id="trusted-ca-added">
              {t('trusted.added', { subject: added })}
            </p>
          ) : null}
          <button type="submit" id="add-trusted-ca" aria-busy={busy} disabled={busy}>
            {t('trusted.submit')}
          </button>
        </form>
      </article>
    </section>
  );
}
