/**
 * The places a configuration value can come from, each read into a layer of raw values that remembers
 * where it came from, so an error can say `LIVETAPE_RTMP_PORT=abc (environment)`.
 */
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { ConfigError } from './config-error.js';
import {
  CONFIG_FIELDS,
  CONFIG_KEYS,
  type ConfigKey,
  ENV_PREFIX,
  envName,
  fileKey,
  flagName,
  keyName,
} from './schema.js';

export interface Source {
  /** Later sources override earlier ones: default < file < environment < command line. */
  readonly rank: number;
  /** `environment`, `command line`, `file /etc/livetape.yaml`, `default` */
  readonly label: string;
  /** How this source spells a key: `LIVETAPE_RTMP_PORT`, `--rtmp-port`, `rtmp_port`, `RTMP_PORT`. */
  readonly nameOf: (key: ConfigKey) => string;
}

export interface Layer {
  readonly source: Source;
  readonly values: ReadonlyMap<ConfigKey, unknown>;
}

/** A layer plus the config file it points to, if any (`--config`, `LIVETAPE_CONFIG`). */
export interface PointingLayer extends Layer {
  /** A path of `''` points nowhere, so `--config=` can switch off a file named in the environment. */
  readonly configFile: { readonly path: string; readonly setting: string } | undefined;
}

const CONFIG_FLAG = 'config';
const CONFIG_ENV = `${ENV_PREFIX}CONFIG`;

export const DEFAULTS: Source = { rank: 0, label: 'default', nameOf: keyName };
const ENVIRONMENT: Source = { rank: 2, label: 'environment', nameOf: envName };
const COMMAND_LINE: Source = { rank: 3, label: 'command line', nameOf: (key) => `--${flagName(key)}` };

function fileSource(path: string): Source {
  return { rank: 1, label: `file ${path}`, nameOf: fileKey };
}

/** `rtmp_port=abc (file x.yaml)`; secrets are masked and long or odd values kept readable. */
export function describeSetting(source: Source, key: ConfigKey, raw: unknown): string {
  const shown = CONFIG_FIELDS[key].secret ? '***' : showValue(raw);
  return `${source.nameOf(key)}=${shown} (${source.label})`;
}

function showValue(raw: unknown): string {
  const text = typeof raw === 'string' && !/[\u0000-\u001f]/.test(raw) ? raw : JSON.stringify(raw);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** `RtmpPort`, `rtmp-port`, `LIVETAPE_RTMP_PORT` → the key they were probably meant to be. */
function guessKey(name: string): ConfigKey | undefined {
  const normalized = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[-\s]/g, '_')
    .replace(/^livetape_/, '');
  return CONFIG_KEYS.find((key) => fileKey(key) === normalized);
}

function didYouMean(guess: string | undefined): string {
  return guess === undefined ? '' : `; did you mean ${guess}?`;
}

const FLAG_KEYS = new Map(CONFIG_KEYS.map((key) => [flagName(key), key]));

/** Every flag loadConfig understands, without dashes; commands that add options of their own need them. */
export const CONFIG_FLAGS: readonly string[] = [CONFIG_FLAG, ...FLAG_KEYS.keys()];

/**
 * parseArgs tokens for `args`, every name taken as a string option. Non-strict, so that unknown options
 * and missing values get messages of ours rather than Node's.
 */
export function optionTokens(args: readonly string[], names: readonly string[]) {
  const options = Object.fromEntries(names.map((name) => [name, { type: 'string' as const }]));
  return parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true }).tokens;
}

/** The token's value; undefined for `--a` at the end and for `--a --b 1`, where parseArgs takes `--b` as it. */
export function optionValue(token: {
  readonly value?: string | undefined;
  readonly inlineValue?: boolean | undefined;
}) {
  return token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))
    ? undefined
    : token.value;
}

export function readCommandLine(argv: readonly string[]): PointingLayer {
  const tokens = optionTokens(argv, CONFIG_FLAGS);
  const values = new Map<ConfigKey, unknown>();
  let configPath: string | undefined;
  for (const token of tokens) {
    if (token.kind === 'positional') {
      throw new ConfigError(`unexpected argument "${token.value}" (command line)`);
    }
    if (token.kind !== 'option') continue;
    const key = FLAG_KEYS.get(token.name);
    if (token.name !== CONFIG_FLAG && key === undefined) {
      const guess = guessKey(token.name);
      throw new ConfigError(
        `unknown option ${token.rawName} (command line)${didYouMean(guess && `--${flagName(guess)}`)}`,
      );
    }
    const value = optionValue(token);
    if (value === undefined) {
      const expected = key === undefined ? 'expected a file path' : CONFIG_FIELDS[key].type.expected;
      throw new ConfigError(`${token.rawName} (command line): missing value; ${expected}`);
    }
    if (key === undefined) configPath = value;
    else values.set(key, value);
  }
  return { source: COMMAND_LINE, values, configFile: pointer(configPath, `--${CONFIG_FLAG}`, COMMAND_LINE) };
}

export function readEnvironment(env: Readonly<Record<string, string | undefined>>): PointingLayer {
  const values = new Map<ConfigKey, unknown>();
  for (const key of CONFIG_KEYS) {
    const value = env[envName(key)];
    if (value !== undefined) values.set(key, value);
  }
  return { source: ENVIRONMENT, values, configFile: pointer(env[CONFIG_ENV], CONFIG_ENV, ENVIRONMENT) };
}

function pointer(path: string | undefined, name: string, source: Source): PointingLayer['configFile'] {
  return path === undefined ? undefined : { path, setting: `${name}=${path} (${source.label})` };
}

/** Warnings (an unknown tag, say) are errors too: a config file should mean exactly one thing. */
function parseYaml(text: string): unknown {
  const document = YAML.parseDocument(text);
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem !== undefined) throw problem;
  return document.toJS(); // bounds alias expansion (billion laughs) itself
}

const PARSERS: Record<string, (text: string) => unknown> = {
  '.yaml': parseYaml,
  '.yml': parseYaml,
  '.json': (text) => JSON.parse(text),
};

export function readConfigFile(configFile: NonNullable<PointingLayer['configFile']>, cwd: string): Layer {
  const path = resolve(cwd, configFile.path);
  const parse = PARSERS[extname(path).toLowerCase()];
  if (parse === undefined) {
    throw new ConfigError(`${configFile.setting}: expected a .yaml, .yml or .json file`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(`${configFile.setting}: cannot read ${path} (${reason})`);
  }
  const source = fileSource(path);
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    const firstLine = (error as Error).message.split('\n')[0];
    throw new ConfigError(`${source.label}: invalid ${extname(path).slice(1).toUpperCase()}: ${firstLine}`);
  }
  return { source, values: fileValues(document ?? {}, source) };
}

const FILE_KEYS = new Map(CONFIG_KEYS.map((key) => [fileKey(key), key]));

function fileValues(document: unknown, source: Source): Map<ConfigKey, unknown> {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ConfigError(`${source.label}: expected a mapping of keys to values at the top level`);
  }
  const values = new Map<ConfigKey, unknown>();
  for (const [name, value] of Object.entries(document)) {
    const key = FILE_KEYS.get(name);
    if (key === undefined) {
      const guess = guessKey(name);
      throw new ConfigError(
        `unknown key "${name}" (${source.label})${didYouMean(guess && `"${fileKey(guess)}"`)}`,
      );
    }
    // `push_key:` with nothing after it reads as null: the key is left at its default.
    if (value !== null) values.set(key, value);
  }
  return values;
}

export function defaultsLayer(): Layer {
  return { source: DEFAULTS, values: new Map(CONFIG_KEYS.map((key) => [key, CONFIG_FIELDS[key].default])) };
}
