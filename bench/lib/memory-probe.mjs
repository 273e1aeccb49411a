/**
 * What a server's resident memory is made of at its peak, from inside: load it into the server with
 * `--node-flag NAME=--import=<absolute path of this file>` (bench:compare) or `node --import` and it samples,
 * every 250 ms, the resident set by kind (/proc/self/status), `process.memoryUsage()` and V8's heap spaces,
 * and keeps the sample at the highest resident set in bench/.cache/memory/peak-<pid>-<start>.json (with the
 * highest value each figure reached on its own). Plain JavaScript, so a build started with plain `node` can
 * load it. Not part of a measured run's CPU figures: leave it out of them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const dir = new URL('../.cache/memory/', import.meta.url);
mkdirSync(dir, { recursive: true });
const file = new URL(`peak-${process.pid}-${Date.now()}.json`, dir);
const KIB = 1024;

const statusKib = (status, key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);

function sample() {
  const status = readFileSync('/proc/self/status', 'latin1');
  const usage = process.memoryUsage();
  return {
    rssKiB: statusKib(status, 'VmRSS'),
    anonymousKiB: statusKib(status, 'RssAnon'),
    fileBackedKiB: statusKib(status, 'RssFile'),
    heapCommittedKiB: Math.round(usage.heapTotal / KIB),
    heapUsedKiB: Math.round(usage.heapUsed / KIB),
    externalKiB: Math.round(usage.external / KIB),
    arrayBuffersKiB: Math.round(usage.arrayBuffers / KIB),
    heapSpacesCommittedKiB: Object.fromEntries(
      getHeapSpaceStatistics()
        .filter((space) => space.physical_space_size > 0)
        .map((space) => [space.space_name, Math.round(space.physical_space_size / KIB)]),
    ),
  };
}

let atPeak = sample();
const highest = { ...atPeak };
setInterval(() => {
  const now = sample();
  for (const [key, value] of Object.entries(now))
    if (typeof value === 'number') highest[key] = Math.max(highest[key], value);
  if (now.rssKiB >= atPeak.rssKiB) atPeak = now;
  writeFileSync(file, `${JSON.stringify({ atPeak, highest }, null, 1)}\n`);
}, 250).unref();
