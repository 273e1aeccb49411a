import type { InputHTMLAttributes } from 'preact';

/** What an input field of the console forms asks for; the optional ones pass through as attributes. */
export interface InputFieldProps {
  id: string;
  label: string;
  value: string;
  /** Gets what was typed. */
  onValue: (value: string) => void;
  /** A text input unless given. */
  type?: 'number' | 'datetime-local';
  min?: number;
  max?: number;
  step?: string;
  required?: boolean;
  autocomplete?: 'off';
  placeholder?: string;
  inputMode?: 'numeric';
}

/** A labelled input in the console forms' `.field` box. */
export function InputField({ id, label, value, onValue, ...input }: InputFieldProps) {
  // Preact types an input's attributes per `type` value; a `type` that may be one of several cannot be
  // checked against that union, though each of its values takes these attributes.
  const attributes = input as InputHTMLAttributes<HTMLInputElement>;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} value={value} onInput={(e) => onValue(e.currentTarget.value)} {...attributes} />
    </div>
  );
}
