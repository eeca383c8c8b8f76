/** One text message the sandbox "sent" to a phone. */
export interface SentSms {
  phone: string;
  code: string;
  text: string;
  sentAt: Date;
}

/**
 * Where providers' SMS codes go instead of a phone: the payer's page shows them and tests read
 * them at GET /_sandbox/sms. Only the latest message per phone is kept.
 */
export interface SmsOutbox {
  send(sms: SentSms): void;
  latest(phone: string): SentSms | undefined;
}

export function createSmsOutbox(maxPhones = 10_000): SmsOutbox {
  const byPhone = new Map<string, SentSms>();
  return {
    send(sms) {
      byPhone.delete(sms.phone);
      byPhone.set(sms.phone, sms);
      // Oldest first in a Map: bound memory for long benchmark runs.
      while (byPhone.size > maxPhones) {
        const oldest = byPhone.keys().next().value;
        if (oldest === undefined) break;
        byPhone.delete(oldest);
      }
    },
    latest: (phone) => byPhone.get(phone),
  };
}
