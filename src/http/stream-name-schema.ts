/** The JSON schema of an app or stream name: what the RTMP server accepts (names become folder names). */
export const STREAM_NAME = {
  type: 'string',
  pattern: '^(?!\\.)[A-Za-z0-9_.~-]{1,128}$',
  description: '1–128 characters of A-Z a-z 0-9 _ - . ~, not starting with "."',
} as const;
