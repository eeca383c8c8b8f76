import type { OutboxMessage } from './outbox';

/**
 * Header of an outbox row that carries several messages of one topic (its value: how many).
 * A writer that commits many events at once (the ledger's group commit) stores them as one row:
 * one heap tuple, two index entries and one "published" update instead of that many per event,
 * which was a third of the cost of a posted transfer. The relay publishes them one by one, in
 * order, as if they had been rows of their own.
 */
export const OUTBOX_BATCH_HEADER = 'x-outbox-batch';

/** A row as the relay reads it. */
export interface OutboxRow {
  topic: string;
  message_key: string;
  headers: Record<string, string>;
  payload: Buffer;
}

export type FramedMessage = Omit<OutboxMessage, 'topic'>;

/**
 * One message inside a batch row: three length-prefixed parts (uint32 big-endian lengths):
 * key (UTF-8), headers (JSON object of strings), payload. Frames are concatenated in order.
 */
export function encodeOutboxFrame(m: FramedMessage): Buffer {
  const key = Buffer.from(m.key, 'utf8');
  const headers = Buffer.from(JSON.stringify(m.headers), 'utf8');
  const frame = Buffer.allocUnsafe(12 + key.length + headers.length + m.payload.length);
  let at = 0;
  for (const part of [key, headers, m.payload]) {
    frame.writeUInt32BE(part.length, at);
    at += 4;
    frame.set(part, at);
    at += part.length;
  }
  return frame;
}

export function decodeOutboxFrames(payload: Buffer): FramedMessage[] {
  const out: FramedMessage[] = [];
  let at = 0;
  const part = (): Buffer => {
    if (at + 4 > payload.length) throw new Error('outbox batch: truncated length');
    const length = payload.readUInt32BE(at);
    at += 4;
    if (at + length > payload.length) throw new Error('outbox batch: truncated part');
    const bytes = payload.subarray(at, at + length);
    at += length;
    return bytes;
  };
  while (at < payload.length) {
    const key = part().toString('utf8');
    const headers = JSON.parse(part().toString('utf8')) as Record<string, string>;
    out.push({ key, headers, payload: part() });
  }
  return out;
}

/** The messages a row stands for: itself, or the frames of a batch row (checked count). */
export function outboxMessagesOf(row: OutboxRow): OutboxMessage[] {
  const declared = row.headers[OUTBOX_BATCH_HEADER];
  if (declared === undefined) {
    return [{ topic: row.topic, key: row.message_key, headers: row.headers, payload: row.payload }];
  }
  const frames = decodeOutboxFrames(row.payload);
  if (String(frames.length) !== declared) {
    throw new Error(`outbox batch row declares ${declared} messages but holds ${frames.length}`);
  }
  return frames.map((f) => ({ topic: row.topic, ...f }));
}

/** SQL for "how many messages are these rows" (a batch row counts its frames). */
export const OUTBOX_MESSAGES_SQL = `coalesce((headers->>'${OUTBOX_BATCH_HEADER}')::bigint, 1)`;
