import { ConfigError } from './config-error.js';
import type { FieldContext } from './fields.js';
import { CONFIG_FIELDS, CONFIG_KEYS, type Config, type ConfigKey, ORDERED_KEYS } from './schema.js';
import {
  defaultsLayer,
  describeSetting,
  type Layer,
  readCommandLine,
  readConfigFile,
  readEnvironment,
  type Source,
} from './sources.js';

export interface LoadConfigOptions {
  /** Configuration flags only (`--rtmp-port 1936`, `--config x.yaml`), without the command name. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths (the config file, DATA_DIR) are resolved against this. */
  readonly cwd: string;
}

interface Setting {
  readonly value: unknown;
  readonly raw: unknown;
  readonly source: Source;
}

/**
 * Merges defaults < config file < environment < command line. Every value given is validated, even one
 * a higher source overrides, so a broken file never waits for the day its override is removed.
 */
export function loadConfig({ argv, env, cwd }: LoadConfigOptions): Config {
  const commandLine = readCommandLine(argv);
  const environment = readEnvironment(env);
  const configFile = commandLine.configFile ?? environment.configFile;
  const layers: Layer[] = [defaultsLayer()];
  if (configFile !== undefined && configFile.path !== '') layers.push(readConfigFile(configFile, cwd));
  layers.push(environment, commandLine);

  const settings = new Map<ConfigKey, Setting>();
  for (const layer of layers) {
    for (const [key, raw] of layer.values) {
      settings.set(key, { value: parseValue(key, raw, layer.source, { cwd }), raw, source: layer.source });
    }
  }
  checkOrder(settings);
  return Object.freeze(
    Object.fromEntries(CONFIG_KEYS.map((key) => [key, settings.get(key)!.value])),
  ) as Config;
}

function parseValue(key: ConfigKey, raw: unknown, source: Source, context: FieldContext): unknown {
  const { type } = CONFIG_FIELDS[key];
  const result = type.schema(context).safeParse(raw);
  if (!result.success) throw new ConfigError(`${describeSetting(source, key, raw)}: ${type.expected}`);
  return Array.isArray(result.data) ? Object.freeze(result.data) : result.data;
}

/** Blames whichever side of a violated `a ≤ b` the operator set most explicitly. */
function checkOrder(settings: ReadonlyMap<ConfigKey, Setting>): void {
  for (const [low, high] of ORDERED_KEYS) {
    const a = settings.get(low)!;
    const b = settings.get(high)!;
    if ((a.value as number) <= (b.value as number)) continue;
    const message =
      a.source.rank > b.source.rank
        ? `${describeSetting(a.source, low, a.raw)}: must be at most ${describeSetting(b.source, high, b.raw)}`
        : `${describeSetting(b.source, high, b.raw)}: must be at least ${describeSetting(a.source, low, a.raw)}`;
    throw new ConfigError(message);
  }
}
