/**
 * AMF0 (Adobe AMF0 specification): the encoding of RTMP commands (type 20) and data messages (type 18).
 */
import { decodeAmf3Value } from './amf3.js';
import { AmfReader, MAX_AMF_DEPTH } from './reader.js';
import { AmfError, type AmfObject, type AmfValue, setProperty } from './value.js';

export { AmfError, type AmfObject, type AmfValue } from './value.js';

const Marker = {
  Number: 0x00,
  Boolean: 0x01,
  String: 0x02,
  Object: 0x03,
  Null: 0x05,
  Undefined: 0x06,
  EcmaArray: 0x08,
  ObjectEnd: 0x09,
  StrictArray: 0x0a,
  Date: 0x0b,
  LongString: 0x0c,
  Unsupported: 0x0d,
  XmlDocument: 0x0f,
  TypedObject: 0x10,
  AvmPlus: 0x11,
} as const;

/** Decodes every value in `buf`; a truncated or malformed buffer throws AmfError. */
export function decodeAmf0(buf: Buffer): AmfValue[] {
  const r = new AmfReader(buf);
  const values: AmfValue[] = [];
  while (r.remaining > 0) values.push(readValue(r));
  return values;
}

function readValue(r: AmfReader): AmfValue {
  const marker = r.u8();
  r.count(1);
  switch (marker) {
    case Marker.Number:
      return r.f64();
    case Marker.Boolean:
      return r.u8() !== 0;
    case Marker.String:
      return r.utf8(r.u16());
    case Marker.LongString:
    case Marker.XmlDocument:
      return r.utf8(r.u32());
    case Marker.Null:
      return null;
    case Marker.Undefined:
    case Marker.Unsupported:
      return undefined;
    case Marker.Object:
      return readProperties(r);
    case Marker.TypedObject:
      r.utf8(r.u16()); // class name: typed objects decode to plain objects
      return readProperties(r);
    case Marker.EcmaArray:
      r.u32(); // the element count is only a hint; the end marker terminates the array
      return readProperties(r);
    case Marker.StrictArray:
      return readStrictArray(r);
    case Marker.Date: {
      const ms = r.f64();
      r.u16(); // time zone: reserved, senders write 0
      return new Date(ms);
    }
    case Marker.AvmPlus:
      return decodeAmf3Value(r);
    default:
      throw new AmfError(`unsupported AMF0 marker 0x${marker.toString(16)} at offset ${r.pos - 1}`);
  }
}

function readProperties(r: AmfReader): AmfObject {
  r.enter();
  const obj: AmfObject = {};
  for (;;) {
    const key = r.utf8(r.u16());
    if (key === '' && r.remaining > 0 && r.buf[r.pos] === Marker.ObjectEnd) {
      r.pos++;
      break;
    }
    setProperty(obj, key, readValue(r));
  }
  r.leave();
  return obj;
}

function readStrictArray(r: AmfReader): AmfValue[] {
  const count = r.u32();
  r.checkCount(count, 'AMF0 strict array');
  r.enter();
  const values: AmfValue[] = [];
  for (let i = 0; i < count; i++) values.push(readValue(r));
  r.leave();
  return values;
}

export interface Amf0EncodeOptions {
  /**
   * Encode top-level object values as ECMA arrays (marker 0x08) instead of anonymous objects, as FLV
   * `onMetaData` conventionally carries them; nested objects stay objects.
   */
  ecmaArrays?: boolean;
}

/** Encodes `values` back to back. Objects encode as anonymous objects, arrays as strict arrays. */
export function encodeAmf0(values: readonly AmfValue[], options: Amf0EncodeOptions = {}): Buffer {
  const w = new AmfWriter();
  for (const v of values) {
    if (options.ecmaArrays && isPlainObject(v)) writeProperties(w, v, Marker.EcmaArray, 0);
    else writeValue(w, v, 0);
  }
  return w.finish();
}

function isPlainObject(v: AmfValue): v is AmfObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function writeValue(w: AmfWriter, v: AmfValue, depth: number): void {
  switch (typeof v) {
    case 'number':
      w.u8(Marker.Number);
      w.f64(v);
      return;
    case 'boolean':
      w.u8(Marker.Boolean);
      w.u8(v ? 1 : 0);
      return;
    case 'string': {
      const length = Buffer.byteLength(v);
      if (length <= 0xffff) {
        w.u8(Marker.String);
        w.u16(length);
      } else {
        w.u8(Marker.LongString);
        w.u32(length);
      }
      w.utf8(v, length);
      return;
    }
    case 'undefined':
      w.u8(Marker.Undefined);
      return;
  }
  if (v === null) {
    w.u8(Marker.Null);
  } else if (v instanceof Date) {
    w.u8(Marker.Date);
    w.f64(v.getTime());
    w.u16(0);
  } else if (Array.isArray(v)) {
    checkDepth(depth);
    w.u8(Marker.StrictArray);
    w.u32(v.length);
    for (const item of v) writeValue(w, item, depth + 1);
  } else if (isPlainObject(v)) {
    writeProperties(w, v, Marker.Object, depth);
  } else {
    throw new AmfError(`cannot encode ${typeof v} as AMF0`);
  }
}

function writeProperties(w: AmfWriter, obj: AmfObject, marker: number, depth: number): void {
  checkDepth(depth);
  const keys = Object.keys(obj);
  w.u8(marker);
  if (marker === Marker.EcmaArray) w.u32(keys.length);
  for (const key of keys) {
    const length = Buffer.byteLength(key);
    if (length > 0xffff) throw new AmfError('AMF0 property names are limited to 65535 bytes');
    w.u16(length);
    w.utf8(key, length);
    writeValue(w, obj[key], depth + 1);
  }
  w.u16(0);
  w.u8(Marker.ObjectEnd);
}

/** Mirrors the decoder's limit, and turns a cyclic value into an AmfError instead of a stack overflow. */
function checkDepth(depth: number): void {
  if (depth >= MAX_AMF_DEPTH) throw new AmfError(`nesting deeper than ${MAX_AMF_DEPTH}`);
}

/**
 * Append-only buffer that doubles as needed; commands are small, so this stays cheap.
 * Writers call reserve() before touching `buf`, because reserve() may replace it.
 */
class AmfWriter {
  private buf = Buffer.allocUnsafe(256);
  private length = 0;

  private reserve(n: number): number {
    const at = this.length;
    if (at + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, at + n));
      this.buf.copy(grown, 0, 0, at);
      this.buf = grown;
    }
    this.length = at + n;
    return at;
  }

  u8(v: number): void {
    const at = this.reserve(1);
    this.buf[at] = v;
  }

  u16(v: number): void {
    const at = this.reserve(2);
    this.buf.writeUInt16BE(v, at);
  }

  u32(v: number): void {
    const at = this.reserve(4);
    this.buf.writeUInt32BE(v, at);
  }

  f64(v: number): void {
    const at = this.reserve(8);
    this.buf.writeDoubleBE(v, at);
  }

  utf8(s: string, byteLength: number): void {
    const at = this.reserve(byteLength);
    this.buf.write(s, at, byteLength, 'utf8');
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
