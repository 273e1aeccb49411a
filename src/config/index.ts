export { ConfigError } from './config-error.js';
export { type LoadConfigOptions, loadConfig } from './load.js';
export { publicBaseUrl, publicHost } from './public-url.js';
export {
  type Config,
  type ConfigReferenceEntry,
  configReference,
  LOG_LEVELS,
  type LogLevel,
  RECORD_FORMATS,
  type RecordFormat,
} from './schema.js';
