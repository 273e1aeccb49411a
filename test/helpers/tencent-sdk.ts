/**
 * Tencent's official Node SDK (`live.v20180801.Client`) pointed at a test LiveTape: unchanged but for
 * its endpoint, `127.0.0.1:port` over plain HTTP, which makes it sign with service `127` (spec §1.4).
 */
import { live } from 'tencentcloud-sdk-nodejs/tencentcloud/services/live/index.js';

export type LiveClient = InstanceType<typeof live.v20180801.Client>;

export function liveClient(
  httpPort: number,
  credential: { secretId: string; secretKey: string },
  method: 'GET' | 'POST' = 'POST',
): LiveClient {
  return new live.v20180801.Client({
    credential,
    region: 'ap-guangzhou',
    profile: {
      httpProfile: {
        endpoint: `127.0.0.1:${httpPort}`,
        protocol: 'http://',
        reqMethod: method,
        reqTimeout: 30,
      },
    },
  });
}

/** The error an SDK call threw (`code` is the API error code); fails when the call succeeded. */
export async function sdkError(
  call: Promise<unknown>,
): Promise<{ code: string; message: string; requestId: string }> {
  try {
    await call;
  } catch (error) {
    return error as { code: string; message: string; requestId: string };
  }
  throw new Error('the call succeeded');
}
