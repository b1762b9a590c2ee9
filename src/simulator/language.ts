/**
 * The language of an answer. Huawei's Go library (chnsz/golangsdk `openstack/modelarts/v1/notebook/requests.go`,
 * `RequestOpts.MoreHeaders`) and Terraform (`data_source_huaweicloud_modelarts_notebooks.go`) send
 * `X-Language: en-us` on every notebook call because without it ModelArts answers `error_msg` and
 * `fail_reason` in Chinese. The simulator does the same, so a client that forgets the header is
 * caught by its tests instead of by a user reading Chinese in Slack.
 */

/** `en` for `X-Language: en-us`; `zh` when the header is absent, `zh-cn` or anything else. */
export type Lang = 'en' | 'zh';

/** A message in both languages the simulator speaks. */
export interface Text {
  readonly en: string;
  readonly zh: string;
}

/** A message with its English and Chinese wording. */
export const text = (en: string, zh: string): Text => ({ en, zh });

/** A message that reads the same in both languages (a reason a test chose, an id). */
export const same = (s: string): Text => ({ en: s, zh: s });

/** The message in `lang`. */
export const say = (t: Text, lang: Lang): string => (lang === 'en' ? t.en : t.zh);

/** Joins messages in both languages with the given separators. */
export function joinText(parts: readonly Text[], enSep = '; ', zhSep = '；'): Text {
  return text(parts.map((p) => p.en).join(enSep), parts.map((p) => p.zh).join(zhSep));
}

/**
 * Reads `X-Language`. `en-us` (any case, or any `en*` tag) means English; an absent header,
 * `zh-cn` or any other value means Chinese, the service's default.
 */
export function languageOf(header: string | readonly string[] | undefined): Lang {
  const value = Array.isArray(header) ? header[0] : header;
  return typeof value === 'string' && value.trim().toLowerCase().startsWith('en') ? 'en' : 'zh';
}

/** The header value that asks for English, as Huawei's own clients send it. */
export const ENGLISH = 'en-us';
