import { useState } from 'preact/hooks';
import type { Source } from '../../lib/types.js';
import { Player } from '../../player/player.js';

/**
 * The muted HTTP-FLV preview of one push. Render it keyed on the push's session id: it keeps the URL it
 * was first given, because a signed URL is re-signed on every poll and a new URL would restart playback.
 */
export function LivePreview(props: { flvUrl: string; title: string; poster: string | null }) {
  const [sources] = useState<Source[]>(() => [{ format: 'flv', url: props.flvUrl }]);
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
