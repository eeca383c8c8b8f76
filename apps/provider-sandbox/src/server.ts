import type { Logger } from '@tolem/observability';
import Fastify, { type FastifyInstance, LogController } from 'fastify';

import { escapeHtml, page } from './html';
import { errorAnswer, errorJson, isTestApi } from './http-errors';
import type { SandboxProvider } from './provider';
import type { SmsOutbox } from './sms-outbox';

export interface SandboxServerOptions {
  log: Logger;
  providers: SandboxProvider[];
  sms: SmsOutbox;
}

function providerSection(p: SandboxProvider): string {
  if (p.disabled !== undefined) {
    return `<section id="provider-${escapeHtml(p.key)}" class="error">
<h2>${escapeHtml(p.title)} <span class="muted">(disabled)</span></h2>
<p>${escapeHtml(p.summary)}</p>
<p>Set ${p.disabled.missing.map((m) => `<code>${escapeHtml(m)}</code>`).join(', ')} to enable it; until then its routes answer 503.</p>
</section>`;
  }
  return `<section id="provider-${escapeHtml(p.key)}">
<h2>${escapeHtml(p.title)}</h2>
<p>${escapeHtml(p.summary)}</p>
<ul>${p.endpoints
    .map((e) => `<li><code>${e.method} ${escapeHtml(e.path)}</code> — ${escapeHtml(e.note)}</li>`)
    .join('')}</ul>
${p.testData ?? ''}
</section>`;
}

function indexPage(providers: SandboxProvider[]): string {
  return page({
    title: 'Tolem provider sandbox',
    brand: 'Tolem provider sandbox',
    body: `<section><h1>Providers</h1>
<p>This server plays the external payment providers towards Tolem, speaking each one's own protocol.
Pay through Tolem's hosted page to arrive here; the test data below decides each outcome.
Shared test API: <code>GET /_sandbox/sms?phone=&lt;digits&gt;</code> (the last SMS code sent to a phone).</p>
<ul>${providers
      .map(
        (p) =>
          `<li><a href="#provider-${escapeHtml(p.key)}">${escapeHtml(p.title)}</a>${p.disabled ? ' (disabled)' : ''}</li>`,
      )
      .join('')}</ul></section>
${providers.map(providerSection).join('\n')}`,
  });
}

/**
 * The HTTP server: shared routes (index, health, SMS outbox) plus one encapsulated plugin per
 * provider, so each provider keeps its own error pages.
 */
export async function createSandboxServer(options: SandboxServerOptions): Promise<FastifyInstance> {
  // Per-request access logs are off (benchmarks pay through here); routes log what matters.
  const app = Fastify({
    loggerInstance: options.log,
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;

  // Form bodies stay raw bytes: a provider decodes them in its own charset (WebMoney's payment.asp
  // reads windows-1251), which a parser that assumes UTF-8 would garble.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer' },
    (_request, body, done) => {
      done(null, body);
    },
  );

  app.setErrorHandler((err, request, reply) => {
    const answer = errorAnswer(err);
    if (answer.status >= 500) request.log.error({ err }, 'sandbox request failed');
    if (isTestApi(request)) return reply.code(answer.status).send(errorJson(answer));
    return reply
      .code(answer.status)
      .type('text/html; charset=utf-8')
      .send(
        page({
          title: 'Error',
          brand: 'Tolem provider sandbox',
          body: `<section class="error"><h1>${escapeHtml(answer.message)}</h1><p class="muted">${escapeHtml(answer.code)}</p></section>`,
        }),
      );
  });

  app.setNotFoundHandler((request, reply) => {
    const answer = {
      status: 404,
      code: 'SANDBOX_ROUTE_NOT_FOUND',
      message: `No route ${request.method} ${request.url.split('?')[0] ?? ''}`,
      details: {},
    };
    if (isTestApi(request)) return reply.code(404).send(errorJson(answer));
    return reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(
        page({
          title: 'Not found',
          brand: 'Tolem provider sandbox',
          body: `<section class="error"><h1>${escapeHtml(answer.message)}</h1><p><a href="/">Providers</a></p></section>`,
        }),
      );
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(indexPage(options.providers)),
  );

  app.get<{ Querystring: { phone?: string } }>('/_sandbox/sms', async (request, reply) => {
    const phone = (request.query.phone ?? '').replace(/\D/g, '');
    const sms = phone === '' ? undefined : options.sms.latest(phone);
    if (sms === undefined) {
      return reply.code(404).send(
        errorJson({
          status: 404,
          code: 'SANDBOX_SMS_NOT_FOUND',
          message: 'No SMS was sent to this phone',
          details: { phone },
        }),
      );
    }
    return { phone: sms.phone, code: sms.code, text: sms.text, sent_at: sms.sentAt.toISOString() };
  });

  for (const provider of options.providers) {
    await app.register(async (scope) => {
      provider.register(scope);
    });
  }
  app.addHook('onClose', async () => {
    for (const provider of options.providers) provider.close?.();
  });
  return app;
}
