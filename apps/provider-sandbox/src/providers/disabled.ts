import type { FastifyReply, FastifyRequest } from 'fastify';

import { escapeHtml, page } from '../html';
import type { SandboxProvider } from '../provider';

/** Which paths of a disabled provider answer in JSON rather than with a page. */
function wantsJson(url: string): boolean {
  return url.startsWith('/_sandbox/') || url.includes('/api/') || url.includes('/personal/');
}

/**
 * A provider whose secrets are not configured: every one of its paths answers 503 naming the
 * variables to set, so a WebMoney-only setup keeps working and a missing key is obvious.
 */
export function createDisabledProvider(options: {
  key: string;
  title: string;
  summary: string;
  /** Every path prefix the provider owns, e.g. `/paykassma`, `/_sandbox/paykassma`. */
  prefixes: readonly string[];
  missing: readonly string[];
}): SandboxProvider {
  const message = `${options.title} is disabled in this sandbox: set ${options.missing.join(', ')}`;
  const answer = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.code(503).header('cache-control', 'no-store');
    if (wantsJson(request.url)) {
      return reply.send({
        error: {
          code: 'SANDBOX_PROVIDER_DISABLED',
          message,
          details: { provider: options.key, missing: options.missing.join(',') },
        },
      });
    }
    return reply.type('text/html; charset=utf-8').send(
      page({
        title: `${options.title} disabled`,
        brand: 'Tolem provider sandbox',
        body: `<section class="error"><h1>${escapeHtml(options.title)} is disabled</h1>
<p id="error-message">${escapeHtml(message)}</p>
<p class="muted">SANDBOX_PROVIDER_DISABLED</p><p><a href="/">Providers</a></p></section>`,
      }),
    );
  };
  return {
    key: options.key,
    title: options.title,
    summary: options.summary,
    endpoints: [],
    disabled: { missing: options.missing },
    register(app) {
      for (const prefix of options.prefixes) {
        app.all(prefix, answer);
        app.all(`${prefix}/*`, answer);
      }
    },
  };
}
