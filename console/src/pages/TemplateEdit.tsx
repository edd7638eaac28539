// Create or edit a template: its label, attributes of every dojot type and value type, and each
// attribute's metadata (dojot's attribute metas: label, type, value type, static value). A refused
// save shows the API's message beside the field it names and keeps every input.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { t } from '../i18n';
import { go } from '../router';
import { Field, FormError } from '../components/Field';
import type { Attr, Template } from './Templates';

export const ATTR_TYPES = ['dynamic', 'static', 'actuator', 'meta'];
export const VALUE_TYPES = ['integer', 'float', 'string', 'bool', 'geo:point', 'object'];

const blank = (): Attr => ({ label: '', type: 'dynamic', value_type: 'float', static_value: '' });
const blankMeta = (): Attr => ({ label: '', type: 'meta', value_type: 'string', static_value: '' });
const META_FIELDS = ['label', 'type', 'value_type', 'static_value'];

/** What PUT/POST /template take: metadata kept as loaded; a static value only where it belongs. */
function toInput(attr: Attr) {
  const out: Record<string, unknown> = { label: attr.label, type: attr.type, value_type: attr.value_type };
  if ((attr.type === 'static' || attr.type === 'meta') && attr.static_value !== '' && attr.static_value !== undefined)
    out.static_value = attr.static_value;
  if (attr.metadata?.length)
    out.metadata = attr.metadata.map((m) => {
      const meta: Record<string, unknown> = { label: m.label, type: m.type, value_type: m.value_type };
      if (m.static_value !== '' && m.static_value !== undefined && m.static_value !== null)
        meta.static_value = m.static_value;
      return meta;
    });
  return out;
}

export function TemplateEditPage(props: { id: string | null }) {
  const [label, setLabel] = useState('');
  const [attrs, setAttrs] = useState<Attr[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!props.id) return;
    api<Template>('GET', `/template/${encodeURIComponent(props.id)}`).then(
      (tpl) => {
        setLabel(tpl.label);
        setAttrs(
          tpl.attrs.map((a) => ({
            ...a,
            static_value: a.static_value ?? '',
            metadata: (a.metadata ?? []).map((m) => ({ ...m, static_value: m.static_value ?? '' })),
          })),
        );
      },
      (e: Error) => setLoadError(e.message),
    );
  }, [props.id]);

  const change = (i: number, patch: Partial<Attr>) => setAttrs(attrs.map((a, j) => (j === i ? { ...a, ...patch } : a)));
  const changeMeta = (i: number, j: number, patch: Partial<Attr>) =>
    change(i, { metadata: (attrs[i].metadata ?? []).map((m, k) => (k === j ? { ...m, ...patch } : m)) });
  const fieldError = (name: string) => (error?.field === name ? error.message : null);
  const shownFields = [
    'label',
    ...attrs.flatMap((a, i) => [
      ...META_FIELDS.map((f) => `attrs[${i}].${f}`),
      `attrs[${i}].metadata`,
      ...(a.metadata ?? []).flatMap((_, j) => META_FIELDS.map((f) => `attrs[${i}].metadata[${j}].${f}`)),
    ]),
  ];

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { label, attrs: attrs.map(toInput) };
      if (props.id) await api('PUT', `/template/${encodeURIComponent(props.id)}`, body);
      else await api('POST', '/template', body);
      go('templates');
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, (err as Error).message, null, null));
    } finally {
      setBusy(false);
    }
  };

  if (loadError) return <FormError error={loadError} />;
  return (
    <section>
      <h2>{props.id ? t('templates.edit') : t('templates.new')}</h2>
      <form id="template-form" onSubmit={save} noValidate>
        <Field label={t('field.label')} name="label" error={fieldError('label')}>
          <input
            name="label"
            value={label}
            aria-invalid={fieldError('label') ? 'true' : undefined}
            onInput={(e) => setLabel(e.currentTarget.value)}
          />
        </Field>
        <h3>{t('templates.attrs')}</h3>
        {attrs.length === 0 ? <p class="empty">{t('templates.noAttrs')}</p> : null}
        {attrs.map((a, i) => {
          const p = `attrs[${i}]`;
          const hasStatic = a.type === 'static' || a.type === 'meta';
          return (
            <fieldset class="attr-row" data-attr={i}>
              <Field label={t('field.label')} name={`${p}.label`} error={fieldError(`${p}.label`)}>
                <input
                  name={`${p}.label`}
                  value={a.label}
                  aria-invalid={fieldError(`${p}.label`) ? 'true' : undefined}
                  onInput={(e) => change(i, { label: e.currentTarget.value })}
                />
              </Field>
              <Field label={t('field.type')} name={`${p}.type`} error={fieldError(`${p}.type`)}>
                <select name={`${p}.type`} value={a.type} onChange={(e) => change(i, { type: e.currentTarget.value })}>
                  {ATTR_TYPES.map((v) => (
                    <option value={v}>{t(`attrType.${v}`)}</option>
                  ))}
                </select>
              </Field>
              <Field label={t('field.valueType')} name={`${p}.value_type`} error={fieldError(`${p}.value_type`)}>
                <select
                  name={`${p}.value_type`}
                  value={a.value_type}
                  onChange={(e) => change(i, { value_type: e.currentTarget.value })}
                >
                  {(VALUE_TYPES.includes(a.value_type) ? VALUE_TYPES : [a.value_type, ...VALUE_TYPES]).map((v) => (
                    <option value={v}>{v}</option>
                  ))}
                </select>
              </Field>
              <Field label={t('field.staticValue')} name={`${p}.static_value`} error={fieldError(`${p}.static_value`)}>
                <input
                  name={`${p}.static_value`}
                  disabled={!hasStatic}
                  value={hasStatic ? String(a.static_value ?? '') : ''}
                  onInput={(e) => change(i, { static_value: e.currentTarget.value })}
                />
              </Field>
              <button
                type="button"
                class="secondary outline remove-attr"
                aria-label={t('action.remove')}
                onClick={() => setAttrs(attrs.filter((_, j) => j !== i))}
              >
                ✕
              </button>
              <MetaRows
                prefix={p}
                metadata={a.metadata ?? []}
                fieldError={fieldError}
                onChange={(j, patch) => changeMeta(i, j, patch)}
                onAdd={() => change(i, { metadata: [...(a.metadata ?? []), blankMeta()] })}
                onRemove={(j) => change(i, { metadata: (a.metadata ?? []).filter((_, k) => k !== j) })}
              />
            </fieldset>
          );
        })}
        <datalist id="meta-types">
          {ATTR_TYPES.map((v) => (
            <option value={v} />
          ))}
        </datalist>
        <button type="button" class="secondary" id="add-attr" onClick={() => setAttrs([...attrs, blank()])}>
          {t('templates.addAttr')}
        </button>
        <FormError error={error && !shownFields.includes(error.field ?? '') ? error.message : null} />
        <div class="form-actions">
          <button type="submit" id="save" aria-busy={busy} disabled={busy}>
            {t('action.save')}
          </button>
          <button type="button" class="secondary outline" onClick={() => go('templates')}>
            {t('action.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** An attribute's metadata: rows of label, type, value type and static value, added and removed. */
function MetaRows(props: {
  prefix: string;
  metadata: Attr[];
  fieldError: (name: string) => string | null;
  onChange: (j: number, patch: Partial<Attr>) => void;
  onAdd: () => void;
  onRemove: (j: number) => void;
}) {
  const { prefix, fieldError } = props;
  const listError = fieldError(`${prefix}.metadata`);
  return (
    <div class="meta-rows" data-meta-for={prefix}>
      {props.metadata.map((m, j) => {
        const q = `${prefix}.metadata[${j}]`;
        return (
          <div class="meta-row" data-meta={j}>
            <Field label={t('templates.metaLabel')} name={`${q}.label`} error={fieldError(`${q}.label`)}>
              <input
                name={`${q}.label`}
                value={m.label}
                aria-invalid={fieldError(`${q}.label`) ? 'true' : undefined}
                onInput={(e) => props.onChange(j, { label: e.currentTarget.value })}
              />
            </Field>
            <Field label={t('field.type')} name={`${q}.type`} error={fieldError(`${q}.type`)}>
              <input
                name={`${q}.type`}
                value={m.type}
                list="meta-types"
                aria-invalid={fieldError(`${q}.type`) ? 'true' : undefined}
                onInput={(e) => props.onChange(j, { type: e.currentTarget.value })}
              />
            </Field>
            <Field label={t('field.valueType')} name={`${q}.value_type`} error={fieldError(`${q}.value_type`)}>
              <select
                name={`${q}.value_type`}
                value={m.value_type}
                onChange={(e) => props.onChange(j, { value_type: e.currentTarget.value })}
              >
                {(VALUE_TYPES.includes(m.value_type) ? VALUE_TYPES : [m.value_type, ...VALUE_TYPES]).map((v) => (
                  <option value={v}>{v}</option>
                ))}
              </select>
            </Field>
            <Field label={t('field.staticValue')} name={`${q}.static_value`} error={fieldError(`${q}.static_value`)}>
              <input
                name={`${q}.static_value`}
                value={String(m.static_value ?? '')}
                aria-invalid={fieldError(`${q}.static_value`) ? 'true' : undefined}
                onInput={(e) => props.onChange(j, { static_value: e.currentTarget.value })}
              />
            </Field>
            <button
              type="button"
              class="secondary outline remove-meta"
              aria-label={t('templates.removeMeta')}
              onClick={() => props.onRemove(j)}
            >
              ✕
            </button>
          </div>
        );
      })}
      {listError ? (
        <small class="field-error" role="alert" data-error-for={`${prefix}.metadata`}>
          {listError}
        </small>
      ) : null}
      <button type="button" class="secondary outline small add-meta" onClick={props.onAdd}>
        {t('templates.addMeta')}
      </button>
    </div>
  );
}
