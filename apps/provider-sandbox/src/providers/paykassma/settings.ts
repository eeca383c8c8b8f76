import type { Secret } from '@tolem/config';

/** The Paykassma merchant account the sandbox plays. */
export interface PaykassmaSandboxConfig {
  /** `?secret=` of every plugin-API call; a wrong one answers 404 "Not found". */
  pluginApiSecret: Secret;
  /** Postback signature keys: sha1(access_key . private_key . md5(json)). */
  postbackAccessKey: Secret;
  postbackPrivateKey: Secret;
  /** Tolem's postback URL (set by Paykassma support in real life). */
  postbackUrl: string;
  /** How long a `pending` activation takes before its postback. */
  pendingDelayMs: number;
}
