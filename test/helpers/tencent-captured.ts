/**
 * The real `Live_Tape_GetFilelist` response captured in spec §4.3 (X-FILELIST), which our answers must
 * match field for field.
 */

/** The one item of its `file_list`. */
export const CAPTURED_FILE = {
  appid: '1257046543',
  create_time: '2018-11-02 13:48:12',
  end_time: '2018-11-02 13:48:09',
  err_code: '0',
  expire_time: '2038-01-19 11:14:07',
  file_format: '3',
  file_id: '5285890782777207037',
  file_size: '4571794',
  id: '276837460',
  record_file_id: '5285890782777207037',
  record_file_url:
    'http://1257046543.vod2.myqcloud.com/c78eb187vodcq1257046543/07ef3cd35285890782777207037/f0.mp4',
  record_type: null,
  report_message: null,
  start_time: '2018-11-02 13:47:40',
  stream_id: '32810_f0403e6ebfbe1f6d2df9b4d6b0eba2f0',
  task_id: null,
  task_sub_type: '0',
  vid: '210130088_4532e20cf01c42f99afbf549fe71901c',
  vod2Flag: '1',
};

export const CAPTURED_RESPONSE = {
  errmsg: 'return successfully!',
  message: 'return successfully!',
  ret: 0,
  retcode: 0,
  output: { all_count: 1, file_list: [CAPTURED_FILE] },
};

/** `string` or `null` per key, in key order. */
export const shapeOf = (o: Record<string, unknown>) =>
  Object.entries(o).map(([k, v]) => [k, v === null ? 'null' : typeof v]);
