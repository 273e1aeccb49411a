import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Api3Error } from './api3-error.js';
import { Params, paramsFromJson, paramsFromQuery } from './params.js';

describe('API 3.0 parameters', () => {
  it('rebuilds nested objects and arrays from dotted GET keys, keeping the raw strings', () => {
    const query = 'StreamName=a%20b%2F%C3%A4&HlsParam.Enable=1&Foo.0.Bar=x&Foo.1.Bar=y';
    expect(paramsFromQuery(query)).toEqual({
      StreamName: 'a b/ä',
      HlsParam: { Enable: '1' },
      Foo: [{ Bar: 'x' }, { Bar: 'y' }],
    });
  });

  it('coerces numeric strings and booleans, treats null as absent and names the field it refuses', () => {
    const p = new Params({
      EndTime: '1700000000',
      On: 'false',
      Gone: null,
      Bad: '12x',
      Nested: { Enable: 'yes' },
    });
    expect(p.int('EndTime')).toBe(1_700_000_000);
    expect(p.optionalBool('On')).toBe(false);
    expect(p.optionalString('Gone')).toBeUndefined();
    expect(() => p.int('Gone')).toThrow(/`Gone` is missing/);
    expect(() => p.int('Bad')).toThrow(
      expect.objectContaining({ code: 'InvalidParameterValue', message: expect.stringContaining('`Bad`') }),
    );
    expect(() => p.optionalObject('Nested')?.optionalBool('Enable')).toThrow(/`Nested.Enable`/);
  });

  it('refuses a body that is not a JSON object', () => {
    expect(paramsFromJson(Buffer.alloc(0))).toEqual({});
    for (const body of ['[1]', '"x"', 'nul', '{']) {
      expect(() => paramsFromJson(Buffer.from(body))).toThrow(
        expect.objectContaining({ code: 'InvalidParameter' }),
      );
    }
  });

  it('throws only Api3Error for any query string or body, and never pollutes prototypes', () => {
    const onlyApi3Errors = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(Api3Error);
      }
    };
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 40 }), (text, name) => {
        onlyApi3Errors(() => {
          const p = new Params(paramsFromQuery(text));
          p.optionalInt(name);
          p.optionalString(name);
          p.optionalObject(name);
        });
        onlyApi3Errors(() => {
          const p = new Params(paramsFromJson(Buffer.from(text)));
          p.optionalBool(name);
        });
      }),
    );
    onlyApi3Errors(() => paramsFromQuery('__proto__.polluted=1&a.constructor.prototype.x=1'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
