export * from './infra';
export * from './process';
export * from './tcp-forwarder';
export * from './wait';
// The throwaway CA lives with the servers that need certificates (tools/infra); tests import it here.
export { createLocalCa, type IssueOptions, type LocalCa } from '@tolem/infra';
