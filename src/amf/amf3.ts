/**
 * AMF3 decoding (Adobe AMF3 specification), reached from AMF0 through the avmplus marker 0x11.
 * Supported: undefined, null, booleans, integer, double, string, XML (as a string), date, array
 * (dense + associative) and anonymous/typed objects with sealed and dynamic members.
 * Externalizable objects, ByteArray, vectors and dictionaries are rejected with AmfError.
 */
import type { AmfReader } from './reader.js';
import { AmfError, type AmfObject, type AmfValue, setProperty } from './value.js';

const Marker = {
  Undefined: 0x00,
  Null: 0x01,
  False: 0x02,
  True: 0x03,
  Integer: 0x04,
  Double: 0x05,
  String: 0x06,
  XmlDoc: 0x07,
  Date: 0x08,
  Array: 0x09,
  Object: 0x0a,
  Xml: 0x0b,
} as const;

interface Traits {
  readonly dynamic: boolean;
  readonly members: readonly string[];
}

/** Object-table slot still being decoded: a reference to it would make a cycle. */
const IN_PROGRESS = -1;

/**
 * One AMF3 context: the string, object and traits reference tables live for one avmplus value.
 */
class Amf3Decoder {
  private readonly strings: string[] = [];
  private readonly objects: AmfValue[] = [];
  /** Expanded size of each object-table entry, charged again whenever it is referenced. */
  private readonly weights: number[] = [];
  private readonly traits: Traits[] = [];

  constructor(private readonly r: AmfReader) {}

  value(): AmfValue {
    const r = this.r;
    const marker = r.u8();
    switch (marker) {
      case Marker.Undefined:
        r.count(1);
        return undefined;
      case Marker.Null:
        r.count(1);
        return null;
      case Marker.False:
        r.count(1);
        return false;
      case Marker.True:
        r.count(1);
        return true;
      case Marker.Integer:
        r.count(1);
        // U29 is a 29-bit two's complement integer: sign-extend bit 28.
        return (this.u29() << 3) >> 3;
      case Marker.Double:
        r.count(1);
        return r.f64();
      case Marker.String:
        r.count(1);
        return this.string();
      case Marker.XmlDoc:
      case Marker.Xml:
      case Marker.Date:
      case Marker.Array:
      case Marker.Object:
        return this.referenced(marker);
      default:
        throw new AmfError(`unsupported AMF3 marker 0x${marker.toString(16)}`);
    }
  }

  /** Variable-length unsigned 29-bit integer: 7 bits in each of up to 3 bytes, then 8 bits. */
  private u29(): number {
    const r = this.r;
    let v = 0;
    for (let i = 0; i < 3; i++) {
      const b = r.u8();
      v = (v << 7) | (b & 0x7f);
      if (b < 0x80) return v;
    }
    return (v << 8) | r.u8();
  }

  private string(): string {
    const header = this.u29();
    if ((header & 1) === 0) return this.lookup(this.strings, header >> 1, 'string');
    const s = this.r.utf8(header >> 1);
    // The empty string is never sent by reference, so it never enters the table.
    if (s.length > 0) this.strings.push(s);
    return s;
  }

  private lookup<T>(table: readonly T[], index: number, what: string): T {
    if (index >= table.length) throw new AmfError(`AMF3 ${what} reference ${index} out of range`);
    return table[index]!;
  }

  /**
   * Date, XML, array and object share the object reference table: a U29 header whose low bit is 0
   * names an earlier value; otherwise the remaining bits describe the inline value.
   */
  private referenced(marker: number): AmfValue {
    const header = this.u29();
    if ((header & 1) === 0) {
      const index = header >> 1;
      const weight = this.lookup(this.weights, index, 'object');
      if (weight === IN_PROGRESS) throw new AmfError('cyclic AMF3 object reference');
      this.r.count(weight);
      return this.objects[index];
    }
    const slot = this.objects.push(undefined) - 1;
    this.weights.push(IN_PROGRESS);
    const countWithSelf = this.r.count(1);
    const value = this.inline(marker, header >> 1);
    this.objects[slot] = value;
    this.weights[slot] = this.r.count(0) - countWithSelf + 1;
    return value;
  }

  private inline(marker: number, bits: number): AmfValue {
    switch (marker) {
      case Marker.Date:
        return new Date(this.r.f64());
      case Marker.Array:
        return this.array(bits);
      case Marker.Object:
        return this.object(bits);
      default:
        return this.r.utf8(bits); // XML and XMLDocument: a length-prefixed UTF-8 string
    }
  }

  private array(denseCount: number): AmfValue {
    const r = this.r;
    r.enter();
    let assoc: AmfObject | undefined;
    for (let key = this.string(); key !== ''; key = this.string()) {
      assoc ??= {};
      setProperty(assoc, key, this.value());
    }
    r.checkCount(denseCount, 'AMF3 array');
    let result: AmfValue;
    if (assoc) {
      for (let i = 0; i < denseCount; i++) setProperty(assoc, String(i), this.value());
      result = assoc;
    } else {
      const dense: AmfValue[] = [];
      for (let i = 0; i < denseCount; i++) dense.push(this.value());
      result = dense;
    }
    r.leave();
    return result;
  }

  private object(bits: number): AmfValue {
    const r = this.r;
    const traits = this.objectTraits(bits);
    r.enter();
    const obj: AmfObject = {};
    for (const member of traits.members) setProperty(obj, member, this.value());
    if (traits.dynamic) {
      for (let key = this.string(); key !== ''; key = this.string()) setProperty(obj, key, this.value());
    }
    r.leave();
    return obj;
  }

  /** Traits bits: 0 = inline (else a traits reference), 1 = externalizable, 2 = dynamic, 3+ = sealed count. */
  private objectTraits(bits: number): Traits {
    if ((bits & 1) === 0) return this.lookup(this.traits, bits >> 1, 'traits');
    if ((bits & 2) !== 0) throw new AmfError('externalizable AMF3 objects are not supported');
    const memberCount = bits >> 3;
    this.string(); // class name: typed objects decode to plain objects
    this.r.checkCount(memberCount, 'AMF3 sealed member');
    const members: string[] = [];
    for (let i = 0; i < memberCount; i++) members.push(this.string());
    const traits = { dynamic: (bits & 4) !== 0, members };
    this.traits.push(traits);
    return traits;
  }
}

/** Decodes one AMF3 value at the reader's position, in a fresh AMF3 reference context. */
export function decodeAmf3Value(r: AmfReader): AmfValue {
  return new Amf3Decoder(r).value();
}
