/**
 * A seek bar under the video that shows the frame under the pointer while hovering or dragging: the
 * cues of a WebVTT thumbnail track (`url#xywh=x,y,w,h` into a sprite), as the API's `thumbnailsUrl`.
 */
import type { RefObject } from 'preact';
import { useEffect, useState } from 'preact/hooks';

interface Cue {
  from: number;
  to: number;
  image: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export function ScrubPreview(props: {
  track: string;
  video: RefObject<HTMLVideoElement | null>;
  label: string;
}) {
  const [cues, setCues] = useState<Cue[]>([]);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(0);
  const [hover, setHover] = useState<{ time: number; left: number } | null>(null);

  useEffect(() => {
    let active = true;
    fetch(props.track)
      .then((res) => (res.ok ? res.text() : ''))
      .then((text) => {
        if (active) setCues(parseThumbnailTrack(text, props.track));
      })
      .catch(() => undefined);
    return () => {
      active = false;
    };
  }, [props.track]);

  useEffect(() => {
    const video = props.video.current;
    if (!video) return;
    const update = () => {
      setTime(video.currentTime);
      setDuration(Number.isFinite(video.duration) ? video.duration : 0);
    };
    video.addEventListener('timeupdate', update);
    video.addEventListener('durationchange', update);
    return () => {
      video.removeEventListener('timeupdate', update);
      video.removeEventListener('durationchange', update);
    };
  }, [props.video]);

  if (cues.length === 0 || duration === 0) return null;
  const cue = hover && cues.find((c) => hover.time >= c.from && hover.time < c.to);
  const pointAt = (event: PointerEvent) => {
    const bar = event.currentTarget as HTMLElement;
    const box = bar.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    setHover({ time: fraction * duration, left: fraction * box.width });
  };
  return (
    <div class="scrub" onPointerMove={pointAt} onPointerLeave={() => setHover(null)}>
      <input
        class="scrub-bar"
        type="range"
        min={0}
        max={duration}
        step={0.1}
        value={time}
        aria-label={props.label}
        onInput={(event) => {
          const video = props.video.current;
          if (video) video.currentTime = Number((event.currentTarget as HTMLInputElement).value);
        }}
      />
      {cue && hover && (
        <div
          class="scrub-thumbnail"
          role="img"
          aria-label={`Frame at ${Math.floor(hover.time)} s`}
          style={{
            left: `${hover.left}px`,
            width: `${cue.w}px`,
            height: `${cue.h}px`,
            backgroundImage: `url("${cue.image}")`,
            backgroundPosition: `-${cue.x}px -${cue.y}px`,
          }}
        />
      )}
    </div>
  );
}

/** Cues of a thumbnail track; image URLs resolved against the track's own URL. */
export function parseThumbnailTrack(text: string, base: string): Cue[] {
  if (!text.startsWith('WEBVTT')) return [];
  const cues: Cue[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const [timing, payload] = block.trim().split(/\r?\n/);
    const times = timing?.split(' --> ');
    const fragment = payload?.match(/^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/);
    if (times?.length !== 2 || !fragment) continue;
    cues.push({
      from: seconds(times[0]!),
      to: seconds(times[1]!),
      image: new URL(fragment[1]!, base).href,
      x: Number(fragment[2]),
      y: Number(fragment[3]),
      w: Number(fragment[4]),
      h: Number(fragment[5]),
    });
  }
  return cues;
}

function seconds(text: string): number {
  return text
    .trim()
    .split(':')
    .reduce((total, part) => total * 60 + Number(part), 0);
}
