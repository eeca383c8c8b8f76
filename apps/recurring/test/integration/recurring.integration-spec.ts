import { BindingState, RecurringServiceClient } from '@tolem/contracts/recurring';
import { createClient, type PromiseClient } from '@tolem/grpc-kit';
import {
  freePort,
  freshDatabase,
  grpcServing,
  type ServiceProcess,
  spawnService,
} from '@tolem/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('recurring service (real process, real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let service: ServiceProcess;
  let client: PromiseClient<RecurringServiceClient>;

  beforeAll(async () => {
    db = await freshDatabase('recurring_it');
    const port = await freePort();
    service = await spawnService({
      name: 'recurring',
      entry: 'apps/recurring/src/main.ts',
      env: {
        DATABASE_URL: db.url,
        GRPC_PORT: String(port),
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'warn',
      },
      ready: () => grpcServing(`127.0.0.1:${port}`),
    });
    client = createClient(RecurringServiceClient, `127.0.0.1:${port}`);
  });

  afterAll(async () => {
    client?.close();
    await service?.stop();
    await db?.drop();
  });

  const request = {
    merchantId: 'mer_it',
    paymentId: 'pay_it_1',
    providerBindingRef: 'im-rec-1',
    state: BindingState.BINDING_STATE_ACTIVATED,
    cardLast4: '4242',
    firstAmount: { amountMinor: 1000n, currency: 'RUB' },
    customerRef: 'cus_it',
    cardExpiry: '',
    livemode: false,
  };
  const listAll = {
    merchantId: 'mer_it',
    limit: 100,
    startingAfter: '',
    endingBefore: '',
    customerRef: '',
    state: BindingState.BINDING_STATE_UNSPECIFIED,
  };

  it('records a binding once and lists it', async () => {
    const first = await client.recordCardBinding(request);
    expect(first.alreadyExisted).toBe(false);
    const again = await client.recordCardBinding(request);
    expect(again.alreadyExisted).toBe(true);
    expect(again.binding?.id).toBe(first.binding?.id);
    const listed = await client.listCardBindings(listAll);
    expect(listed.bindings.map((b) => b.paymentId)).toEqual(['pay_it_1']);
  });

  it('refuses different content for the same payment with ALREADY_EXISTS and a stable code', async () => {
    await expect(client.recordCardBinding({ ...request, cardLast4: '0000' })).rejects.toMatchObject(
      {
        code: 'RECURRING_BINDING_CONFLICT',
        kind: 'conflict',
        details: { field: 'card_last4' },
      },
    );
  });

  it('refuses a negative amount with INVALID_ARGUMENT and writes nothing', async () => {
    await expect(
      client.recordCardBinding({
        ...request,
        paymentId: 'pay_it_2',
        firstAmount: { amountMinor: -5n, currency: 'RUB' },
      }),
    ).rejects.toMatchObject({ code: 'MONEY_NEGATIVE_AMOUNT', kind: 'invalid' });
    const listed = await client.listCardBindings(listAll);
    expect(listed.bindings).toHaveLength(1);
  });
});
