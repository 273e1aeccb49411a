/** A decoded AMF value. ECMA arrays, typed objects and AMF3 objects all decode to plain objects. */
export type AmfValue =
  | number
  | boolean
  | string
  | null
  | undefined
  | Date
  | AmfValue[]
  | { [key: string]: AmfValue };

export type AmfObject = { [key: string]: AmfValue };

/** Every malformed, truncated, unsupported or over-limit AMF input is reported with this error. */
export class AmfError extends Error {
  override readonly name = 'AmfError';
}

/**
 * Sets an own property. Plain assignment of the key `__proto__` would replace the object's
 * prototype instead of storing a value, so that one key from the wire is defined explicitly.
 */
export function setProperty(target: AmfObject, key: string, value: AmfValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
