/**
 * Parameters of a Tencent Cloud API 3.0 call, read the way the official SDKs send them (spec §1.3):
 * a JSON object for POST; for GET, dotted query keys (`HlsParam.Enable=1`, `Foo.0.Bar=x`) whose values
 * are all strings. Numbers may come as numeric strings and booleans as "true"/"false"; `null` means
 * absent; unknown fields are ignored. Every refusal names the field.
 */
import { Api3Error } from './api3-error.js';

export type ParamObject = { [key: string]: unknown };

const MAX_DEPTH = 8;
const MAX_KEYS = 500;

/** The nested object a GET query string stands for. */
export function paramsFromQuery(rawQuery: string): ParamObject {
  const root: ParamObject = {};
  let keys = 0;
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    if (++keys > MAX_KEYS) throw new Api3Error('InvalidParameter', `More than ${MAX_KEYS} parameters.`);
    const path = key.split('.');
    if (path.length > MAX_DEPTH || path.some((part) => part === '' || isUnsafeKey(part))) {
      throw new Api3Error('InvalidParameter', `The parameter name \`${key.slice(0, 64)}\` is not valid.`);
    }
    let node: ParamObject = root;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      if (typeof next === 'object' && next !== null) node = next as ParamObject;
      else {
        const created: ParamObject = {};
        node[part] = created;
        node = created;
      }
    }
    node[path[path.length - 1]!] = value;
  }
  return arraysFromIndexes(root) as ParamObject;
}

/** `{0: a, 1: b}` (what `Foo.0`, `Foo.1` build) becomes `[a, b]`. */
function arraysFromIndexes(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const object = value as ParamObject;
  const keys = Object.keys(object);
  const entries = keys.map((k) => [k, arraysFromIndexes(object[k])] as const);
  if (keys.length > 0 && keys.every((k, i) => k === String(i))) return entries.map(([, v]) => v);
  return Object.fromEntries(entries);
}

function isUnsafeKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

/** A POST body: a JSON object, `{}` for an empty body. */
export function paramsFromJson(body: Buffer): ParamObject {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Api3Error('InvalidParameter', 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Api3Error('InvalidParameter', 'The request body must be a JSON object.');
  }
  return value as ParamObject;
}

interface Bounds {
  readonly min?: number;
  readonly max?: number;
}

/** Typed reads of one call's parameters. */
export class Params {
  constructor(
    private readonly values: ParamObject,
    /** Dotted prefix of these values in the request, for messages. */
    private readonly prefix = '',
  ) {}

  private raw(name: string): unknown {
    const value = Object.hasOwn(this.values, name) ? this.values[name] : undefined;
    return value === null ? undefined : value;
  }

  private missing(name: string): Api3Error {
    return new Api3Error('MissingParameter', `The parameter \`${this.prefix}${name}\` is missing.`);
  }

  invalid(name: string, why: string): Api3Error {
    return new Api3Error('InvalidParameterValue', `The value of \`${this.prefix}${name}\` ${why}.`);
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  optionalString(name: string, maxLength = 2048): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw this.invalid(name, 'must be a string');
    if (Buffer.byteLength(value) > maxLength) throw this.invalid(name, `must be at most ${maxLength} bytes`);
    return value;
  }

  string(name: string, maxLength?: number): string {
    const value = this.optionalString(name, maxLength);
    if (value === undefined) throw this.missing(name);
    return value;
  }

  optionalInt(name: string, bounds: Bounds = {}): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const number =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^-?\d{1,16}$/.test(value.trim())
          ? Number(value)
          : NaN;
    if (!Number.isSafeInteger(number)) throw this.invalid(name, 'must be an integer');
    if (bounds.min !== undefined && number < bounds.min)
      throw this.invalid(name, `must be at least ${bounds.min}`);
    if (bounds.max !== undefined && number > bounds.max)
      throw this.invalid(name, `must be at most ${bounds.max}`);
    return number;
  }

  int(name: string, bounds?: Bounds): number {
    const value = this.optionalInt(name, bounds);
    if (value === undefined) throw this.missing(name);
    return value;
  }

  optionalBool(name: string): boolean | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw this.invalid(name, 'must be true or false');
  }

  /** A nested object's parameters; undefined when absent. */
  optionalObject(name: string): Params | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw this.invalid(name, 'must be an object');
    return new Params(value as ParamObject, `${this.prefix}${name}.`);
  }
}
