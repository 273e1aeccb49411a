/** A peer broke the RTMP protocol (or sent more than our limits allow): the connection must close. */
export class RtmpProtocolError extends Error {
  override readonly name = 'RtmpProtocolError';
}
