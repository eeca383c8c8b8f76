/** What a merchant URL answered; status 0 when no HTTP answer came (refused, timeout, DNS). */
export interface HttpAnswer {
  status: number;
  body: string;
  error?: string;
}

/** Server-to-server calls a provider makes to the merchant (Tolem). */
export interface MerchantHttp {
  /** POSTs an already encoded application/x-www-form-urlencoded body. */
  postForm(url: string, body: string): Promise<HttpAnswer>;
  /** POSTs a body exactly as given, with these headers (content-type included). */
  post(url: string, body: string, headers: Readonly<Record<string, string>>): Promise<HttpAnswer>;
}

/** Merchant answers are kept for the payer's page and the test API; long bodies are cut. */
const MAX_BODY_CHARS = 4_000;

export function createMerchantHttp(options: { timeoutMs: number }): MerchantHttp {
  const post: MerchantHttp['post'] = async (url, body, headers) => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { ...headers },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const text = await res.text();
      return { status: res.status, body: text.slice(0, MAX_BODY_CHARS) };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return { status: 0, body: '', error: cause ?? (err as Error).name ?? 'network error' };
    }
  };
  return {
    post,
    postForm: (url, body) =>
      post(url, body, { 'content-type': 'application/x-www-form-urlencoded' }),
  };
}
