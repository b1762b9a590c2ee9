/**
 * The ModelArts regions Huawei's own SDK knows, with their endpoints
 * (huaweicloud-sdk-go-v3 `services/modelarts/v1/region/region.go`). Most follow
 * `https://modelarts.{region}.myhuaweicloud.com`; ap-southeast-1 is on `.myhuaweicloud.cn`, which
 * is why the endpoint comes from this table rather than from a pattern.
 */
export const MODELARTS_REGIONS: Readonly<Record<string, string>> = {
  'af-north-1': 'https://modelarts.af-north-1.myhuaweicloud.com',
  'af-south-1': 'https://modelarts.af-south-1.myhuaweicloud.com',
  'ap-southeast-1': 'https://modelarts.ap-southeast-1.myhuaweicloud.cn',
  'ap-southeast-2': 'https://modelarts.ap-southeast-2.myhuaweicloud.com',
  'ap-southeast-3': 'https://modelarts.ap-southeast-3.myhuaweicloud.com',
  'ap-southeast-4': 'https://modelarts.ap-southeast-4.myhuaweicloud.com',
  'cn-east-3': 'https://modelarts.cn-east-3.myhuaweicloud.com',
  'cn-east-4': 'https://modelarts.cn-east-4.myhuaweicloud.com',
  'cn-north-1': 'https://modelarts.cn-north-1.myhuaweicloud.com',
  'cn-north-2': 'https://modelarts.cn-north-2.myhuaweicloud.com',
  'cn-north-4': 'https://modelarts.cn-north-4.myhuaweicloud.com',
  'cn-north-9': 'https://modelarts.cn-north-9.myhuaweicloud.com',
  'cn-north-11': 'https://modelarts.cn-north-11.myhuaweicloud.com',
  'cn-north-12': 'https://modelarts.cn-north-12.myhuaweicloud.com',
  'cn-south-1': 'https://modelarts.cn-south-1.myhuaweicloud.com',
  'cn-southwest-2': 'https://modelarts.cn-southwest-2.myhuaweicloud.com',
  'cn-southwest-3': 'https://modelarts.cn-southwest-3.myhuaweicloud.com',
  'la-north-2': 'https://modelarts.la-north-2.myhuaweicloud.com',
  'la-south-2': 'https://modelarts.la-south-2.myhuaweicloud.com',
  'me-east-1': 'https://modelarts.me-east-1.myhuaweicloud.com',
  'sa-brazil-1': 'https://modelarts.sa-brazil-1.myhuaweicloud.com',
  'tr-west-1': 'https://modelarts.tr-west-1.myhuaweicloud.com',
};

/** The ModelArts endpoint of a region: the SDK's, or the usual pattern for a region it does not list. */
export function modelartsEndpointFor(region: string): string {
  return MODELARTS_REGIONS[region] ?? `https://modelarts.${region}.myhuaweicloud.com`;
}

/**
 * The IAM endpoint of a region. IAM stays on `.myhuaweicloud.com` everywhere, ap-southeast-1
 * included (huaweicloud-sdk-python-v3 `huaweicloudsdkiam/v3/region/iam_region.py`).
 */
export function iamEndpointFor(region: string): string {
  return `https://iam.${region}.myhuaweicloud.com`;
}

/** True for a URL on this machine (a simulator started with `npm run simulator`, or a test's). */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
