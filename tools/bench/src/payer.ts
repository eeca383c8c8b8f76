import type { HttpAnswer, HttpClient } from './http';

/**
 * A payer's browser for the end-to-end benchmark: opens pages and submits their forms the way a
 * browser posts them (application/x-www-form-urlencoded, cookies kept per origin, redirects not
 * followed), over the bench's keep-alive clients. One browser per payment: a fresh payer, with
 * its own cookies and its own address (X-Forwarded-For, as the ingress in front of the gateway
 * would add it), so the pages' per-IP limits see many payers, as in production.
 */
export interface ParsedForm {
  id: string | undefined;
  action: string;
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
      fields,
    });
  }
  return forms;
}

/** A page as the browser got it, with the URL it came from (forms resolve against it). */
export interface Page extends HttpAnswer {
  url: string;
}

export class PayerError extends Error {}

export function formById(page: Page, id: string): ParsedForm {
  const form = parseForms(page.body, page.url).find((f) => f.id === id);
  if (!form) {
    throw new PayerError(`no form #${id} on ${page.status} ${page.url}: ${excerpt(page.body)}`);
  }
  return form;
}

/** The form that posts hidden input `method` = method (the hosted page's method choice). */
export function methodForm(page: Page, method: string): ParsedForm {
  const form = parseForms(page.body, page.url).find((f) =>
    f.fields.some(([k, v]) => k === 'method' && v === method),
  );
  if (!form) throw new PayerError(`the hosted page offers no ${method}: ${excerpt(page.body)}`);
  return form;
}

export function expectStatus(page: Page, ...statuses: number[]): Page {
  if (!statuses.includes(page.status)) {
    throw new PayerError(`${page.url} answered ${page.status}: ${excerpt(page.body)}`);
  }
  return page;
}

function excerpt(body: string): string {
  const code = /data-error-code="([A-Z_]+)"/.exec(body)?.[1];
  return code ?? body.replace(/\s+/g, ' ').slice(0, 200);
}

export function createBrowser(clients: ReadonlyMap<string, HttpClient>, ip: string) {
  const jar = new Map<string, Map<string, string>>();

  function clientOf(url: URL): HttpClient {
    const client = clients.get(url.origin);
    if (!client) throw new PayerError(`the bench has no client for ${url.origin}`);
    return client;
  }

  function headersFor(url: URL): Record<string, string> {
    const cookies = jar.get(url.origin);
    const headers: Record<string, string> = { 'x-forwarded-for': ip };
    if (cookies && cookies.size > 0) {
      headers['cookie'] = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    return headers;
  }

  function keepCookies(url: URL, answer: HttpAnswer): void {
    const raw = answer.headers['set-cookie'];
    for (const line of Array.isArray(raw) ? raw : raw ? [raw] : []) {
      const [pair] = line.split(';');
      const at = pair?.indexOf('=') ?? -1;
      if (!pair || at <= 0) continue;
      const cookies = jar.get(url.origin) ?? new Map<string, string>();
      cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
      jar.set(url.origin, cookies);
    }
  }

  async function go(
    method: string,
    target: string,
    body?: string,
    extra: Record<string, string> = {},
  ): Promise<Page> {
    const url = new URL(target);
    const answer = await clientOf(url).send(
      method,
      `${url.pathname}${url.search}`,
      { ...headersFor(url), ...extra },
      body,
    );
    keepCookies(url, answer);
    return { ...answer, url: url.toString() };
  }

  return {
    open: (url: string) => go('GET', url),
    /** Submits a form; overrides replace its fields' values or add fields. */
    submit(form: ParsedForm, overrides: Record<string, string> = {}): Promise<Page> {
      const fields = form.fields.map(([k, v]): [string, string] => [k, overrides[k] ?? v]);
      for (const [k, v] of Object.entries(overrides)) {
        if (!fields.some(([n]) => n === k)) fields.push([k, v]);
      }
      return go('POST', form.action, new URLSearchParams(fields).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
      });
    },
    /** Where a redirect answer points, resolved against the page. */
    location(page: Page): string {
      const location = page.headers['location'];
      if (typeof location !== 'string') throw new PayerError(`${page.url}: no Location`);
      return new URL(location, page.url).toString();
    },
  };
}

export type Browser = ReturnType<typeof createBrowser>;
