/**
 * Issue 11, attack 6: callbacks were signed with API_KEY by default, with the same `md5(key + t)` that
 * `/common_access` accepts, and `t` had no upper bound, so any callback receiver could list files and
 * get signed URLs. Now the callback key never defaults to API_KEY and `/common_access` refuses a `t`
 * more than 15 minutes ahead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSign } from '../src/vod/tencent/request-auth.js';
import { type CallbackReceiver, startCallbackReceiver } from './helpers/callback-receiver.js';
import { makeTestFlv } from './helpers/flv-packets.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { pushTags, readMediaTags } from './helpers/tag-push.js';

const API_KEY = 'the-api-key';

describe('callback signatures are no API login', () => {
  let t: TestServer;
  let receiver: CallbackReceiver;
  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    t = await startTestServer({ APPID: '1234', API_KEY, CALLBACK_URL: receiver.url });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const commonAccess = async (tValue: string, sign: string) => {
    const query = `appid=1234&interface=Live_Tape_GetFilelist&Param.s.channel_id=cb1&t=${tValue}&sign=${sign}`;
    const res = await fetch(t.httpUrl(`/common_access?${query}`));
    return { status: res.status, body: (await res.json()) as { message: string } };
  };

  it('refuses a callback signature reused on /common_access', async () => {
    const tags = await readMediaTags(await makeTestFlv({ seconds: 1 }));
    const push = await pushTags(t.rtmpUrl('live', 'cb1'), tags);
    await push.done;
    const [callback] = await receiver.waitForAccepted(1, 30_000);
    const { t: callbackT, sign } = callback!.body as { t: number; sign: string };
    expect(await commonAccess(String(callbackT), sign)).toEqual({
      status: 403,
      body: expect.objectContaining({ message: 'sign invalid' }),
    });
  });

  it('accepts an API signature a minute ahead, and refuses one a day ahead', async () => {
    const now = Math.floor(Date.now() / 1000);
    const soon = String(now + 60);
    expect((await commonAccess(soon, apiSign(API_KEY, soon))).status).toBe(200);
    const later = String(now + 86_400);
    expect(await commonAccess(later, apiSign(API_KEY, later))).toEqual({
      status: 403,
      body: expect.objectContaining({ message: 'sign invalid' }),
    });
  });
});
