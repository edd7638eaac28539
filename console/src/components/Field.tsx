// A labelled input with the API's message about it underneath.
import type { ComponentChildren } from 'preact';

export function Field(props: { label: string; name: string; error?: string | null; children: ComponentChildren }) {
  return (
    <label class="field" data-field={props.name}>
      {props.label}
      {props.children}
      {props.error ? (
        <small class="field-error" role="alert" data-error-for={props.name}>
          {props.error}
        </small>
      ) : null}
    </label>
  );
}

/** The form's message when the API names no field we show. */
export function FormError(props: { error?: string | null }) {
  return props.error ? (
    <p class="form-error" role="alert">
      {props.error}
    </p>
  ) : null;
}
