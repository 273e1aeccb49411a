/**
 * Value types for configuration keys. A raw value is what a source hands us: always a string from the
 * environment or the command line, a YAML/JSON scalar (or a list, for list keys) from a file. Each type
 * validates with zod and carries one `expected` sentence, so every error for a key reads the same whatever
 * zod found wrong.
 */
import { resolve } from 'node:path';
import { z } from 'zod';

/** What a value may depend on besides itself; only paths need it today. */
export interface FieldContext {
  readonly cwd: string;
}

export interface FieldType<T> {
  /** Completes "<key>=<value> (<source>): …", e.g. `expected an integer 0–65535`. */
  readonly expected: string;
  readonly schema: (context: FieldContext) => z.ZodType<T>;
}

const BOOLEAN_WORDS = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
  on: true,
  off: false,
};

export function integer(min: number, max: number): FieldType<number> {
  const schema = z
    .union([
      z.int(),
      z
        .string()
        .regex(/^\s*\+?\d{1,16}\s*$/)
        .transform(Number),
    ])
    .pipe(z.int().min(min).max(max));
  return { expected: `expected an integer ${min}–${max}`, schema: () => schema };
}

/** `0` (off) or an integer `min`–`max`. */
export function offOrInteger(min: number, max: number): FieldType<number> {
  const inner = integer(0, max);
  return {
    expected: `expected 0 (off) or an integer ${min}–${max}`,
    schema: (context) => inner.schema(context).refine((n) => n === 0 || n >= min),
  };
}

/** Seconds that tests may want below one (a 0.2 s idle timeout), so fractions are allowed. */
export function decimal(min: number, max: number): FieldType<number> {
  const schema = z
    .union([
      z.number(),
      z
        .string()
        .regex(/^\s*\+?\d{1,16}(\.\d{1,9})?\s*$/)
        .transform(Number),
    ])
    .pipe(z.number().min(min).max(max));
  return { expected: `expected a number ${min}–${max}`, schema: () => schema };
}

export function boolean(): FieldType<boolean> {
  const words = Object.keys(BOOLEAN_WORDS) as Array<keyof typeof BOOLEAN_WORDS>;
  const schema = z.union([
    z.boolean(),
    z.literal([0, 1]).transform(Boolean),
    z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(words))
      .transform((word) => BOOLEAN_WORDS[word]),
  ]);
  return { expected: 'expected a boolean (true/false, 1/0, yes/no, on/off)', schema: () => schema };
}

/** Case-insensitive choice among lowercase words; yields the lowercase word. */
export function oneOf<const T extends string>(values: readonly [T, ...T[]]): FieldType<T> {
  const schema = z.string().trim().toLowerCase().pipe(z.enum(values));
  return { expected: `expected one of ${values.join(', ')}`, schema: () => schema };
}

function splitList(value: string, separator: RegExp): string[] {
  return value.trim() === '' ? [] : value.split(separator).map((item) => item.trim());
}

/** Secrets such as push keys: '' means none; a file may also give a YAML/JSON list. */
export function keyList(): FieldType<readonly string[]> {
  const schema = z
    .union([z.string().transform((value) => splitList(value, /,/)), z.array(z.string())])
    .pipe(z.array(z.string().regex(/^[^\s,]+$/)));
  return { expected: "expected '' or a comma-separated list of keys without spaces", schema: () => schema };
}

/** Tencent Cloud API 3.0 credentials: `SecretId:SecretKey` pairs, comma-separated; ids unique. */
export function idKeyPairs(): FieldType<ReadonlyMap<string, string>> {
  const pair = z.string().regex(/^[^\s,:]+:[^\s,]+$/);
  const schema = z
    .union([z.string().transform((value) => splitList(value, /,/)), z.array(z.string())])
    .pipe(z.array(pair))
    .refine((pairs) => new Set(pairs.map((p) => p.split(':')[0])).size === pairs.length)
    .transform(
      (pairs) =>
        new Map(pairs.map((p) => [p.slice(0, p.indexOf(':')), p.slice(p.indexOf(':') + 1)] as const)),
    );
  return {
    expected: "expected '' or a comma-separated list of SecretId:SecretKey pairs with distinct SecretIds",
    schema: () => schema,
  };
}

/** A subset of `values`, `|`- or `,`-separated (Tencent's `record=mp4|hls`); duplicates dropped. */
export function subsetOf<const T extends string>(values: readonly [T, ...T[]]): FieldType<readonly T[]> {
  const schema = z
    .union([z.string().transform((value) => splitList(value, /[|,]/)), z.array(z.string())])
    .pipe(z.array(z.string().trim().toLowerCase().pipe(z.enum(values))))
    .transform((items) => [...new Set(items)]);
  return {
    expected: `expected '' or a list of ${values.join(', ')} separated by | or ,`,
    schema: () => schema,
  };
}

export function hostName(): FieldType<string> {
  const schema = z
    .string()
    .trim()
    .regex(/^[^\s/]+$/);
  return { expected: 'expected a host name or IP address', schema: () => schema };
}

/** A filesystem path, made absolute against the working directory of the load. */
export function directory(): FieldType<string> {
  return {
    expected: 'expected a directory path',
    schema: ({ cwd }) =>
      z
        .string()
        .trim()
        .min(1)
        .transform((path) => resolve(cwd, path)),
  };
}

/** '' or a base URL that paths are appended to, hence no trailing slash, query or fragment. */
export function baseUrlOrEmpty(): FieldType<string> {
  const schema = z
    .string()
    .trim()
    .refine((text) => text === '' || isBaseUrl(text));
  return {
    expected: "expected '' or an absolute http(s) URL without a trailing slash, query or credentials",
    schema: () => schema,
  };
}

function isBaseUrl(text: string): boolean {
  // The WHATWG parser forgives `http:host` and `http:/host`; a base URL people copy should be spelled out.
  if (!/^https?:\/\/[^/?#\s]/i.test(text) || /[?#\s]/.test(text) || text.endsWith('/')) return false;
  const url = URL.canParse(text) ? new URL(text) : undefined;
  return url !== undefined && url.username === '' && url.password === '';
}

/** '' or an absolute http(s) URL (query allowed: a customer's receiver may need one). */
export function httpUrlOrEmpty(): FieldType<string> {
  const schema = z
    .string()
    .trim()
    .refine(
      (text) => text === '' || (/^https?:\/\/[^/?#\s]/i.test(text) && URL.canParse(text) && !/\s/.test(text)),
    );
  return { expected: "expected '' or an absolute http(s) URL", schema: () => schema };
}

/** '' (the embedded SQLite file) or a postgres:// / postgresql:// connection URL. */
export function databaseUrlOrEmpty(): FieldType<string> {
  const schema = z
    .string()
    .trim()
    .refine((text) => text === '' || (/^postgres(ql)?:\/\//i.test(text) && URL.canParse(text)));
  return { expected: "expected '' or a postgres:// or postgresql:// URL", schema: () => schema };
}

/** Free text without control characters, at most `max` characters (ids, names). */
export function plainText(max: number): FieldType<string> {
  const schema = z
    .string()
    .trim()
    .max(max)
    .regex(/^[^\u0000-\u001f\u007f]*$/);
  return {
    expected: `expected text of at most ${max} characters without control characters`,
    schema: () => schema,
  };
}
