// Create or edit a device: its label, the templates it is built from, and its own values of their
// static attributes (dojot's overrides: empty keeps the template's value).
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
  const [loaded, setLoaded] = useState<Device | null>(null);
  /** The device's own static values, by attribute id (what is typed; empty = the template's). */
  const [own, setOwn] = useState<Record<number, string>>({});
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
          setLoaded(d);
        },
        (e: ApiError) => setError(e),
      );
  }, [props.id]);

  // A loaded device's values that differ from its templates' are its overrides.
  useEffect(() => {
    if (!loaded || templates.length === 0) return;
    const kept: Record<number, string> = {};
    for (const [tid, attrs] of Object.entries(loaded.attrs)) {
      const tpl = templates.find((x) => String(x.id) === tid);
      for (const a of attrs) {
        const base = tpl?.attrs.find((b) => b.id === a.id);
        if (a.id !== undefined && a.static_value != null && String(a.static_value) !== String(base?.static_value ?? ''))
          kept[a.id] = String(a.static_value);
      }
    }
    setOwn(kept);
  }, [loaded, templates]);

  /** The static attributes of the chosen templates, in the order the save sends their overrides. */
  const statics = chosen.flatMap((id) => {
    const tpl = templates.find((x) => x.id === id);
    return (tpl?.attrs ?? [])
      .filter((a) => (a.type === 'static' || a.type === 'meta') && a.id !== undefined)
      .map((a) => ({ tpl: tpl!, attr: a }));
  });
  const sent = statics.filter((s) => (own[s.attr.id!] ?? '') !== '');
  /** The API names an override by its place in the list sent: the input it came from. */
  const overrideError = (attrId: number) => {
    const i = sent.findIndex((s) => s.attr.id === attrId);
    return i >= 0 && error?.field === `attrs[${i}].static_value` ? error.message : null;
  };
  const overrideFields = sent.map((_, i) => `attrs[${i}].static_value`);

  const fieldError = (name: string) => (error?.field === name ? error.message : null);
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = {
        label,
        templates: chosen,
        attrs: sent.map((s) => ({ id: s.attr.id, template_id: s.tpl.id, static_value: own[s.attr.id!] })),
      };
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
        <fieldset class="overrides" data-field="attrs">
          <legend>{t('devices.overrides')}</legend>
          {statics.length === 0 ? (
            <p class="empty">{t('devices.noStatic')}</p>
          ) : (
            <small>{t('devices.overridesHelp')}</small>
          )}
          {statics.map(({ tpl, attr }) => (
            <div class="override" data-override={attr.label}>
              <span>
                {attr.label} <small>({tpl.label})</small>
              </span>
              <Field label="" name={`override.${attr.id}`} error={overrideError(attr.id!)}>
                <input
                  name={`override.${attr.id}`}
                  data-label={attr.label}
                  value={own[attr.id!] ?? ''}
                  placeholder={t('devices.templateValue', { value: String(attr.static_value ?? '') })}
                  aria-label={attr.label}
                  aria-invalid={overrideError(attr.id!) ? 'true' : undefined}
                  onInput={(e) => setOwn({ ...own, [attr.id!]: e.currentTarget.value })}
                />
              </Field>
            </div>
          ))}
        </fieldset>
        <FormError
          error={error && !['label', 'templates', ...overrideFields].includes(error.field ?? '') ? error.message : null}
        />
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
