// Create or edit a device: its label and the templates it is built from.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { t } from '../i18n';
import { go } from '../router';
import { Field, FormError } from '../components/Field';
import type { Template } from './Templates';
import type { Device } from './Devices';

export function DeviceEditPage(props: { id: string | null }) {
  const [label, setLabel] = useState('');
  const [chosen, setChosen] = useState<number[]>([]);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    // A device's form offers every template; a tenant with hundreds would want a search here.
    api<{ templates: Template[] }>('GET', '/template?page_size=1000&sortBy=label').then(
      (r) => setTemplates(r.templates),
      (e: ApiError) => setError(e),
    );
    if (props.id)
      api<Device>('GET', `/device/${encodeURIComponent(props.id)}`).then(
        (d) => {
          setLabel(d.label);
          setChosen(d.templates.map(Number));
        },
        (e: ApiError) => setError(e),
      );
  }, [props.id]);

  const fieldError = (name: string) => (error?.field === name ? error.message : null);
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { label, templates: chosen };
      if (props.id) {
        await api('PUT', `/device/${encodeURIComponent(props.id)}`, body);
        go(`devices/${props.id}`);
      } else {
        const r = await api<{ devices: { id: string }[] }>('POST', '/device', body);
        go(`devices/${r.devices[0].id}`);
      }
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, (err as Error).message, null, null));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h2>{props.id ? t('devices.edit') : t('devices.new')}</h2>
      <form id="device-form" onSubmit={save} noValidate>
        <Field label={t('field.label')} name="label" error={fieldError('label')}>
          <input
            name="label"
            value={label}
            aria-invalid={fieldError('label') ? 'true' : undefined}
            onInput={(e) => setLabel(e.currentTarget.value)}
          />
        </Field>
        <fieldset data-field="templates">
          <legend>{t('nav.templates')}</legend>
          {templates.length === 0 ? <p class="empty">{t('devices.noTemplates')}</p> : null}
          {templates.map((tpl) => (
            <label class="template-choice">
              <input
                type="checkbox"
                name="templates"
                value={String(tpl.id)}
                checked={chosen.includes(tpl.id)}
                onChange={(e) =>
                  setChosen(e.currentTarget.checked ? [...chosen, tpl.id] : chosen.filter((x) => x !== tpl.id))
                }
              />
              {tpl.label} <small>({tpl.attrs.map((a) => a.label).join(', ')})</small>
            </label>
          ))}
          {fieldError('templates') ? (
            <small class="field-error" role="alert" data-error-for="templates">
              {fieldError('templates')}
            </small>
          ) : null}
        </fieldset>
        <FormError error={error && error.field !== 'label' && error.field !== 'templates' ? error.message : null} />
        <div class="form-actions">
          <button type="submit" id="save" aria-busy={busy} disabled={busy}>
            {t('action.save')}
          </button>
          <button
            type="button"
            class="secondary outline"
            onClick={() => go(props.id ? `devices/${props.id}` : 'devices')}
          >
            {t('action.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
