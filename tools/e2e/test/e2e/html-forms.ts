/** Just enough HTML form handling to click through pages the way a browser posts them. */
export interface ParsedForm {
  id: string | undefined;
  action: string;
  method: string;
  fields: [string, string][];
}

const decodeEntities = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');

function attributes(tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of tag.matchAll(
    /([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/g,
  )) {
    attrs[(m[1] as string).toLowerCase()] = decodeEntities(m[3] ?? m[4] ?? m[5] ?? '');
  }
  return attrs;
}

/** Every form of a page, with the values its inputs (hidden or prefilled) would submit. */
export function parseForms(html: string, baseUrl: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = attributes(m[1] as string);
    const fields: [string, string][] = [];
    for (const input of (m[2] as string).matchAll(/<(input|select|textarea)\b([^>]*)>/gi)) {
      const a = attributes(input[2] as string);
      if (!a['name'] || a['type'] === 'submit' || a['type'] === 'button') continue;
      fields.push([a['name'], a['value'] ?? '']);
    }
    forms.push({
      id: attrs['id'],
      action: new URL(attrs['action'] ?? '', baseUrl).toString(),
      method: (attrs['method'] ?? 'get').toLowerCase(),
      fields,
    });
  }
  return forms;
}

export function formById(html: string, baseUrl: string, id: string): ParsedForm {
  const form = parseForms(html, baseUrl).find((f) => f.id === id);
  if (!form) {
    // The page's words (an error page names its code), not its stylesheet.
    const text = html
      .replace(/<style[\s\S]*?<\/style>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    throw new Error(`no form #${id} in page: ${text.slice(0, 2_000)}`);
  }
  return form;
}

/**
 * The cookies of one browser, per origin (name=value only: every cookie here is for the path it
 * is used on). The hosted pages set their CSRF cookie in it and their forms need it back.
 */
const jar = new Map<string, Map<string, string>>();

function cookieHeader(url: string): Record<string, string> {
  const cookies = jar.get(new URL(url).origin);
  if (!cookies || cookies.size === 0) return {};
  return { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
}

function keepCookies(url: string, res: Response): Response {
  const origin = new URL(url).origin;
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair?.indexOf('=') ?? -1;
    if (!pair || at <= 0) continue;
    const cookies = jar.get(origin) ?? new Map<string, string>();
    cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    jar.set(origin, cookies);
  }
  return res;
}

/** Opens a page like a browser: sends and keeps its cookies, does not follow redirects. */
export async function open(url: string): Promise<Response> {
  return keepCookies(url, await fetch(url, { headers: cookieHeader(url), redirect: 'manual' }));
}

/** Submits a form like a browser (application/x-www-form-urlencoded), without following redirects. */
export async function submit(
  form: ParsedForm,
  overrides: Record<string, string> = {},
): Promise<Response> {
  const fields = form.fields.map(([k, v]): [string, string] => [k, overrides[k] ?? v]);
  for (const [k, v] of Object.entries(overrides))
    if (!fields.some(([n]) => n === k)) fields.push([k, v]);
  const res = await fetch(form.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...cookieHeader(form.action) },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return keepCookies(form.action, res);
}

/** A payer URL next to the payment page's own: `/pay/{id}{suffix}?secret=…` from payment_url. */
export function payerUrl(paymentUrl: string, suffix: string): string {
  const url = new URL(paymentUrl);
  url.pathname += suffix;
  return url.toString();
}
