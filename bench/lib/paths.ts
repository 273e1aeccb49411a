import { fileURLToPath } from 'node:url';

/** The repository root: the LiveTape server is started from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Generated media, results and profiles; gitignored. */
export const CACHE_DIR = fileURLToPath(new URL('../.cache/', import.meta.url));
