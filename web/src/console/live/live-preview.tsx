import { useState } from 'preact/hooks';
import type { Source } from '../../lib/types.js';
import { Player } from '../../player/player.js';

/**
 * The muted HTTP-FLV preview of one push; its HLS (with the DVR window) is there to rewind. Render it
 * keyed on the push's session id: it keeps the URLs it was first given, because a signed URL is re-signed
 * on every poll and a new URL would restart playback.
 */
export function LivePreview(props: { flvUrl: string; hlsUrl: string; title: string; poster: string | null }) {
  const [sources] = useState<Source[]>(() => [
    { format: 'flv', url: props.flvUrl },
    { format: 'hls', url: props.hlsUrl },
  ]);
  return (
    <Player
      class="live-preview"
      sources={sources}
      live
      muted
      autoPlay
      title={props.title}
      poster={props.poster}
    />
  );
}
