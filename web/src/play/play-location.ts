/**
 * What the /play/{id} page learns from its own address: the id, the signature to forward to
 * /api/play/{id}, whether it runs embedded, and the URLs to share.
 */
export interface PlayLocation {
  /** Empty when the path has no id. */
  id: string;
  /** `?txSecret=…&txTime=…` (or '') for `/api/play/{id}`: a signed link stays signed. */
  signature: string;
  embedded: boolean;
  /** This page without `embed=1`: what "Copy link" copies. */
  shareUrl: string;
  /** This page with `embed=1`, for the iframe snippet. */
  embedUrl: string;
}

export function readPlayLocation(location: Location, framed: boolean): PlayLocation {
  const match = /^\/play\/([^/]+)\/?$/.exec(location.pathname);
  const id = match?.[1] ? decodeURIComponent(match[1]) : '';
  const query = new URLSearchParams(location.search);
  const signature = new URLSearchParams();
  for (const name of ['txSecret', 'txTime']) {
    const value = query.get(name);
    if (value !== null) signature.set(name, value);
  }
  const share = new URL(location.href);
  share.hash = '';
  share.searchParams.delete('embed');
  const embed = new URL(share);
  embed.searchParams.set('embed', '1');
  return {
    id,
    signature: signature.size > 0 ? `?${signature}` : '',
    embedded: framed || query.get('embed') === '1',
    shareUrl: share.href,
    embedUrl: embed.href,
  };
}

export function iframeSnippet(embedUrl: string, title: string): string {
  const attr = (value: string) =>
    value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  return `<iframe src="${attr(embedUrl)}" title="${attr(title)}" width="640" height="360" style="border:0" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>`;
}
