import { describe, expect, it } from 'vitest';

import {
  decodeOutboxFrames,
  encodeOutboxFrame,
  type FramedMessage,
  OUTBOX_BATCH_HEADER,
  outboxMessagesOf,
} from './outbox.batch';

const messages: FramedMessage[] = [
  {
    key: 'pay_1',
    headers: { 'event-id': 'evt_1', 'event-type': 'payment.succeeded' },
    payload: Buffer.from([1, 2, 3]),
  },
  { key: 'päy_2', headers: {}, payload: Buffer.alloc(0) },
  { key: 'pay_1', headers: { 'event-id': 'evt_3' }, payload: Buffer.from('refund') },
];

describe('outbox batch rows', () => {
  it('frames messages so that they decode back to the same keys, headers and payloads, in order', () => {
    const payload = Buffer.concat(messages.map(encodeOutboxFrame));
    expect(decodeOutboxFrames(payload)).toEqual(messages);
  });

  it('expands a batch row into its messages on the row topic, and passes a plain row through', () => {
    const batch = outboxMessagesOf({
      topic: 'payments.events.v1',
      message_key: '',
      headers: { [OUTBOX_BATCH_HEADER]: '3' },
      payload: Buffer.concat(messages.map(encodeOutboxFrame)),
    });
    expect(batch.map((m) => [m.topic, m.key, m.headers['event-id']])).toEqual([
      ['payments.events.v1', 'pay_1', 'evt_1'],
      ['payments.events.v1', 'päy_2', undefined],
      ['payments.events.v1', 'pay_1', 'evt_3'],
    ]);
    const plain = { topic: 't', message_key: 'k', headers: { a: 'b' }, payload: Buffer.from('x') };
    expect(outboxMessagesOf(plain)).toEqual([
      { topic: 't', key: 'k', headers: { a: 'b' }, payload: Buffer.from('x') },
    ]);
  });

  it('refuses a truncated batch or one whose count disagrees with its header', () => {
    const payload = Buffer.concat(messages.map(encodeOutboxFrame));
    expect(() => decodeOutboxFrames(payload.subarray(0, payload.length - 2))).toThrow(/truncated/);
    expect(() => decodeOutboxFrames(payload.subarray(0, 2))).toThrow(/truncated/);
    expect(() =>
      outboxMessagesOf({
        topic: 't',
        message_key: '',
        headers: { [OUTBOX_BATCH_HEADER]: '2' },
        payload,
      }),
    ).toThrow(/declares 2 messages but holds 3/);
  });
});
