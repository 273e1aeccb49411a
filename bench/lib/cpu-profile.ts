/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and ranks functions by self time: where the
 * server's CPU went, without opening DevTools.
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

/**
 * `file:///…/src/rtmp/chunk-reader.ts` → `src/rtmp/chunk-reader.ts`; node internals keep their `node:`
 * name. No line numbers: tsx's transpiled code does not keep the source's lines.
 */
function shortLocation(url: string): string {
  if (url === '') return '';
  const path = url.replace(/^file:\/\//, '');
  const inDeps = path.lastIndexOf('/node_modules/');
  return ` ${inDeps >= 0 ? path.slice(inDeps + 1) : path.replace(/^.*?\/(src|bench|test)\//, '$1/')}`;
}

export async function topSelfTimes(file: string, count = 20): Promise<SelfTime[]> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const nameOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url } = node.callFrame;
    nameOf.set(node.id, `${functionName || '(anonymous)'}${shortLocation(url)}`);
  }
  const micros = new Map<string, number>();
  let busy = 0;
  // timeDeltas[i] is the time since the previous sample, spent where sample i found the program.
  profile.samples.forEach((id, i) => {
    const name = nameOf.get(id) ?? '(unknown)';
    const delta = profile.timeDeltas[i] ?? 0;
    micros.set(name, (micros.get(name) ?? 0) + delta);
    if (name !== '(idle)') busy += delta;
  });
  return [...micros]
    .filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, ms: us / 1000, share: busy > 0 ? us / busy : 0 }));
}
