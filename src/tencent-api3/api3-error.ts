/** An API 3.0 error as the SDK reports it: `Response.Error.{Code, Message}` in an HTTP 200 answer. */
export class Api3Error extends Error {
  override readonly name = 'Api3Error';

  constructor(
    /** Tencent's code, e.g. `InvalidParameterValue`, `AuthFailure.SignatureFailure` (spec §2.3–2.4). */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
