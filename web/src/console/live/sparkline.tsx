import { sparklinePoints } from './sparkline-points.js';

const WIDTH = 120;
const HEIGHT = 32;

/** A small line chart of recent samples, oldest at the left; nothing until there are two. */
export function Sparkline(props: { samples: readonly number[]; label: string }) {
  const points = sparklinePoints(props.samples, WIDTH, HEIGHT);
  if (!points) return null;
  return (
    <svg
      class="sparkline"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width={WIDTH}
      height={HEIGHT}
      role="img"
      aria-label={props.label}
      preserveAspectRatio="none"
    >
      <polygon class="sparkline-area" points={`0,${HEIGHT} ${points} ${WIDTH},${HEIGHT}`} />
      <polyline class="sparkline-line" points={points} />
    </svg>
  );
}
