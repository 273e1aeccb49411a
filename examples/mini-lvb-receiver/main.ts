/** `KEY=<callback key> PORT=8090 npx tsx examples/mini-lvb-receiver/main.ts` */
import { createReceiver } from './server.js';

const key = process.env.KEY ?? '';
if (key === '') console.warn('KEY is empty: only callbacks signed with an empty key will verify');
const port = Number(process.env.PORT ?? 8090);
createReceiver({ key }).listen(port, () => {
  console.log(
    `Mini LVB receiver: callbacks at http://localhost:${port}/tape_callback, replays at /get_vod_list`,
  );
});
