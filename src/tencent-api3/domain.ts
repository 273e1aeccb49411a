/**
 * `DomainName` in API 3.0 calls. LiveTape has one push domain. With PUSH_DOMAIN set, a call naming
 * another gets `ResourceNotFound` (a backend pointed at the wrong server should hear so); unset, any
 * name is accepted, so a backend works without changing the domain it already sends.
 */
import { Api3Error } from './api3-error.js';
import type { Params } from './params.js';

export interface PushDomain {
  /** PUSH_DOMAIN ('' = accept any). */
  readonly configured: string;
  /** What answers show as DomainName: PUSH_DOMAIN, else the public host. */
  readonly shown: string;
}

/** Reads `DomainName` (required unless `optional`) and checks it; returns what it names. */
export function readDomain(params: Params, domain: PushDomain, optional = false): string | undefined {
  const name = optional ? params.optionalString('DomainName', 253) : params.string('DomainName', 253);
  if (name === undefined || name === '') return name;
  if (domain.configured !== '' && name.toLowerCase() !== domain.configured.toLowerCase()) {
    throw new Api3Error('ResourceNotFound', `The domain \`${name.slice(0, 253)}\` is not served here.`);
  }
  return name;
}
